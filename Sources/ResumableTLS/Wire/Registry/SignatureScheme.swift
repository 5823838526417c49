/// A signature scheme (RFC 8446 §4.2.3). Open: unknown values are kept.
public struct SignatureScheme: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let rsaPKCS1SHA256 = SignatureScheme(rawValue: 0x0401)
    public static let rsaPKCS1SHA384 = SignatureScheme(rawValue: 0x0501)
    public static let rsaPKCS1SHA512 = SignatureScheme(rawValue: 0x0601)
    public static let ecdsaSecp256r1SHA256 = SignatureScheme(rawValue: 0x0403)
    public static let ecdsaSecp384r1SHA384 = SignatureScheme(rawValue: 0x0503)
    public static let ecdsaSecp521r1SHA512 = SignatureScheme(rawValue: 0x0603)
    public static let rsaPSSRSAESHA256 = SignatureScheme(rawValue: 0x0804)
    public static let rsaPSSRSAESHA384 = SignatureScheme(rawValue: 0x0805)
    public static let rsaPSSRSAESHA512 = SignatureScheme(rawValue: 0x0806)
    public static let ed25519 = SignatureScheme(rawValue: 0x0807)
    public static let ed448 = SignatureScheme(rawValue: 0x0808)
    public static let rsaPSSPSSSHA256 = SignatureScheme(rawValue: 0x0809)
    public static let rsaPSSPSSSHA384 = SignatureScheme(rawValue: 0x080A)
    public static let rsaPSSPSSSHA512 = SignatureScheme(rawValue: 0x080B)
    public static let rsaPKCS1SHA1 = SignatureScheme(rawValue: 0x0201)
    public static let ecdsaSHA1 = SignatureScheme(rawValue: 0x0203)

    public var description: String {
        switch self {
        case .rsaPKCS1SHA256: return "rsa_pkcs1_sha256"
        case .rsaPKCS1SHA384: return "rsa_pkcs1_sha384"
        case .rsaPKCS1SHA512: return "rsa_pkcs1_sha512"
        case .ecdsaSecp256r1SHA256: return "ecdsa_secp256r1_sha256"
        case .ecdsaSecp384r1SHA384: return "ecdsa_secp384r1_sha384"
        case .ecdsaSecp521r1SHA512: return "ecdsa_secp521r1_sha512"
        case .rsaPSSRSAESHA256: return "rsa_pss_rsae_sha256"
        case .rsaPSSRSAESHA384: return "rsa_pss_rsae_sha384"
        case .rsaPSSRSAESHA512: return "rsa_pss_rsae_sha512"
        case .ed25519: return "ed25519"
        case .ed448: return "ed448"
        case .rsaPSSPSSSHA256: return "rsa_pss_pss_sha256"
        case .rsaPSSPSSSHA384: return "rsa_pss_pss_sha384"
        case .rsaPSSPSSSHA512: return "rsa_pss_pss_sha512"
        case .rsaPKCS1SHA1: return "rsa_pkcs1_sha1"
        case .ecdsaSHA1: return "ecdsa_sha1"
        default: return "sigscheme(0x\(String(rawValue, radix: 16)))"
        }
    }
}
