/// The AEAD algorithm of a TLS 1.3 cipher suite (RFC 8446 §5.2, §B.4).
package enum TLSAEADAlgorithm: Sendable, Hashable, CustomStringConvertible {
    /// AES-128 in Galois/Counter Mode (RFC 5116 AEAD_AES_128_GCM).
    case aes128GCM
    /// AES-256 in Galois/Counter Mode (RFC 5116 AEAD_AES_256_GCM).
    case aes256GCM
    /// ChaCha20-Poly1305 (RFC 8439).
    case chaCha20Poly1305

    /// The key length in bytes (`key_length` of RFC 8446 §7.3).
    package var keyLength: Int {
        switch self {
        case .aes128GCM: return 16
        case .aes256GCM, .chaCha20Poly1305: return 32
        }
    }

    /// The nonce (and per-write IV) length in bytes: 12 for all TLS 1.3 AEADs (RFC 8446 §5.3).
    package var ivLength: Int { 12 }

    /// The authentication tag length in bytes: 16 for all TLS 1.3 AEADs (RFC 8446 §5.2).
    package var tagLength: Int { 16 }

    /// The RFC 5116 name.
    package var description: String {
        switch self {
        case .aes128GCM: return "AES-128-GCM"
        case .aes256GCM: return "AES-256-GCM"
        case .chaCha20Poly1305: return "ChaCha20-Poly1305"
        }
    }
}
