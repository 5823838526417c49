/// What a TLS 1.3 cipher suite fixes: the HKDF hash and the record AEAD (RFC 8446 §B.4).
package struct TLS13CipherSuiteParameters: Sendable, Hashable {
    /// The suite these parameters describe.
    package let suite: CipherSuite
    /// The hash used by HKDF, HMAC and the transcript hash.
    package let hash: TLSHashAlgorithm
    /// The record protection AEAD.
    package let aead: TLSAEADAlgorithm

    /// The AEAD key length in bytes (RFC 8446 §7.3).
    package var keyLength: Int { aead.keyLength }
    /// The write IV length in bytes: 12 (RFC 8446 §5.3).
    package var ivLength: Int { aead.ivLength }
    /// The AEAD tag length in bytes: 16 (RFC 8446 §5.2).
    package var tagLength: Int { aead.tagLength }

    /// The parameters of a TLS 1.3 suite, or `nil` for any other code point.
    package init?(suite: CipherSuite) {
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
    package var tls13Parameters: TLS13CipherSuiteParameters? { TLS13CipherSuiteParameters(suite: self) }
}
