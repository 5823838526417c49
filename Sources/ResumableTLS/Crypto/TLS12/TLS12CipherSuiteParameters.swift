/// What a TLS 1.2 ECDHE AEAD cipher suite fixes (RFC 5289, RFC 5288, RFC 7905): the PRF hash,
/// the record AEAD, how much of the record nonce is implicit, and which certificate key signs
/// the ServerKeyExchange. Only these six suites exist here: no CBC, no RSA key transport, no
/// finite-field DH.
package struct TLS12CipherSuiteParameters: Sendable, Hashable {
    /// Which certificate key type the suite's ServerKeyExchange signature needs.
    package enum Authentication: Sendable, Hashable {
        case ecdsa, rsa
    }

    /// The suite these parameters describe.
    package let suite: CipherSuite
    /// The PRF, Finished and transcript hash.
    package let hash: TLSHashAlgorithm
    /// The record protection AEAD.
    package let aead: TLSAEADAlgorithm
    /// The certificate key the suite needs.
    package let authentication: Authentication

    /// The implicit part of the nonce taken from the key block (`fixed_iv_length`): 4 bytes of
    /// salt for AES-GCM (RFC 5288 §3), the whole 12-byte IV for ChaCha20-Poly1305 (RFC 7905 §2).
    package var fixedIVLength: Int { aead == .chaCha20Poly1305 ? 12 : 4 }
    /// The explicit nonce each record carries: 8 bytes for AES-GCM, none for ChaCha20-Poly1305.
    package var explicitNonceLength: Int { aead == .chaCha20Poly1305 ? 0 : 8 }

    /// The parameters of a supported TLS 1.2 suite, or nil.
    package init?(suite: CipherSuite) {
        switch suite {
        case .ecdheECDSAWithAES128GCMSHA256: (hash, aead, authentication) = (.sha256, .aes128GCM, .ecdsa)
        case .ecdheRSAWithAES128GCMSHA256: (hash, aead, authentication) = (.sha256, .aes128GCM, .rsa)
        case .ecdheECDSAWithAES256GCMSHA384: (hash, aead, authentication) = (.sha384, .aes256GCM, .ecdsa)
        case .ecdheRSAWithAES256GCMSHA384: (hash, aead, authentication) = (.sha384, .aes256GCM, .rsa)
        case .ecdheECDSAWithChaCha20Poly1305SHA256: (hash, aead, authentication) = (.sha256, .chaCha20Poly1305, .ecdsa)
        case .ecdheRSAWithChaCha20Poly1305SHA256: (hash, aead, authentication) = (.sha256, .chaCha20Poly1305, .rsa)
        default: return nil
        }
        self.suite = suite
    }
}

extension CipherSuite {
    /// The parameters of this suite if it is one of the TLS 1.2 suites implemented, else nil.
    package var tls12Parameters: TLS12CipherSuiteParameters? { TLS12CipherSuiteParameters(suite: self) }

    /// The TLS 1.2 suites this library implements, in default preference order (ECDSA first,
    /// AES-128-GCM first, as OpenSSL orders them).
    public static let tls12Suites: [CipherSuite] = [
        .ecdheECDSAWithAES128GCMSHA256, .ecdheRSAWithAES128GCMSHA256,
        .ecdheECDSAWithAES256GCMSHA384, .ecdheRSAWithAES256GCMSHA384,
        .ecdheECDSAWithChaCha20Poly1305SHA256, .ecdheRSAWithChaCha20Poly1305SHA256,
    ]
}
