/// The AEAD algorithm of a TLS 1.3 cipher suite (RFC 8446 §5.2, §B.4).
public enum TLSAEADAlgorithm: Sendable, Hashable, CustomStringConvertible {
    /// AES-128 in Galois/Counter Mode (RFC 5116 AEAD_AES_128_GCM).
    case aes128GCM
    /// AES-256 in Galois/Counter Mode (RFC 5116 AEAD_AES_256_GCM).
    case aes256GCM
    /// ChaCha20-Poly1305 (RFC 8439).
    case chaCha20Poly1305

    /// The key length in bytes (`key_length` of RFC 8446 §7.3).
    public var keyLength: Int {
        switch self {
        case .aes128GCM: return 16
        case .aes256GCM, .chaCha20Poly1305: return 32
        }
    }

    /// The nonce (and per-write IV) length in bytes: 12 for all TLS 1.3 AEADs (RFC 8446 §5.3).
    public var ivLength: Int { 12 }

    /// The authentication tag length in bytes: 16 for all TLS 1.3 AEADs (RFC 8446 §5.2).
    public var tagLength: Int { 16 }

    /// The RFC 5116 name.
    public var description: String {
        switch self {
        case .aes128GCM: return "AES-128-GCM"
        case .aes256GCM: return "AES-256-GCM"
        case .chaCha20Poly1305: return "ChaCha20-Poly1305"
        }
    }
}

/// What a TLS 1.3 cipher suite fixes: the HKDF hash and the record AEAD (RFC 8446 §B.4).
public struct TLS13CipherSuiteParameters: Sendable, Hashable {
    /// The suite these parameters describe.
    public let suite: CipherSuite
    /// The hash used by HKDF, HMAC and the transcript hash.
    public let hash: TLSHashAlgorithm
    /// The record protection AEAD.
    public let aead: TLSAEADAlgorithm

    /// The AEAD key length in bytes (RFC 8446 §7.3).
    public var keyLength: Int { aead.keyLength }
    /// The write IV length in bytes: 12 (RFC 8446 §5.3).
    public var ivLength: Int { aead.ivLength }
    /// The AEAD tag length in bytes: 16 (RFC 8446 §5.2).
    public var tagLength: Int { aead.tagLength }

    /// The parameters of a TLS 1.3 suite, or `nil` for any other code point.
    public init?(suite: CipherSuite) {
        switch suite {
        case .tlsAES128GCMSHA256: (hash, aead) = (.sha256, .aes128GCM)
        case .tlsAES256GCMSHA384: (hash, aead) = (.sha384, .aes256GCM)
        case .tlsChaCha20Poly1305SHA256: (hash, aead) = (.sha256, .chaCha20Poly1305)
        default: return nil
        }
        self.suite = suite
    }
}

extension CipherSuite {
    /// The hash and AEAD of this suite if it is one of the TLS 1.3 suites of RFC 8446 §B.4,
    /// otherwise `nil` (TLS 1.2 suites, SCSVs and unknown code points).
    public var tls13Parameters: TLS13CipherSuiteParameters? { TLS13CipherSuiteParameters(suite: self) }
}
