/// A cipher suite code point (RFC 8446 §B.4, RFC 5246 §A.5). Open: unknown values are kept.
public struct CipherSuite: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let tlsAES128GCMSHA256 = CipherSuite(rawValue: 0x1301)
    public static let tlsAES256GCMSHA384 = CipherSuite(rawValue: 0x1302)
    public static let tlsChaCha20Poly1305SHA256 = CipherSuite(rawValue: 0x1303)

    /// TLS 1.2 suites, for the TLS 1.2 handshake to come.
    public static let ecdheECDSAWithAES128GCMSHA256 = CipherSuite(rawValue: 0xC02B)
    public static let ecdheRSAWithAES128GCMSHA256 = CipherSuite(rawValue: 0xC02F)
    public static let ecdheECDSAWithAES256GCMSHA384 = CipherSuite(rawValue: 0xC02C)
    public static let ecdheRSAWithAES256GCMSHA384 = CipherSuite(rawValue: 0xC030)
    public static let ecdheECDSAWithChaCha20Poly1305SHA256 = CipherSuite(rawValue: 0xCCA9)
    public static let ecdheRSAWithChaCha20Poly1305SHA256 = CipherSuite(rawValue: 0xCCA8)
    /// The renegotiation SCSV (RFC 5746), sent by clients in the cipher suite list.
    public static let emptyRenegotiationInfoSCSV = CipherSuite(rawValue: 0x00FF)

    /// The TLS 1.3 suites this library implements, in default preference order.
    public static let tls13Suites: [CipherSuite] = [.tlsAES128GCMSHA256, .tlsAES256GCMSHA384, .tlsChaCha20Poly1305SHA256]

    /// The IANA / OpenSSL name of the suite.
    public var description: String {
        switch self {
        case .tlsAES128GCMSHA256: return "TLS_AES_128_GCM_SHA256"
        case .tlsAES256GCMSHA384: return "TLS_AES_256_GCM_SHA384"
        case .tlsChaCha20Poly1305SHA256: return "TLS_CHACHA20_POLY1305_SHA256"
        case .ecdheECDSAWithAES128GCMSHA256: return "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"
        case .ecdheRSAWithAES128GCMSHA256: return "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
        case .ecdheECDSAWithAES256GCMSHA384: return "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"
        case .ecdheRSAWithAES256GCMSHA384: return "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
        case .ecdheECDSAWithChaCha20Poly1305SHA256: return "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"
        case .ecdheRSAWithChaCha20Poly1305SHA256: return "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"
        case .emptyRenegotiationInfoSCSV: return "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"
        default: return "cipher(0x\(String(rawValue, radix: 16)))"
        }
    }
}
