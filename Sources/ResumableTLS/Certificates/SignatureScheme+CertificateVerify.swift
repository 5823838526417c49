extension SignatureScheme {
    /// The schemes this library can sign and verify in a TLS 1.3 CertificateVerify
    /// (RFC 8446 §4.2.3, §4.4.3), in the order the library prefers them. Advertise these in
    /// `signature_algorithms`.
    public static let certificateVerifySchemes: [SignatureScheme] = [
        .ecdsaSecp256r1SHA256,
        .ed25519,
        .ecdsaSecp384r1SHA384,
        .rsaPSSRSAESHA256,
        .rsaPSSRSAESHA384,
        .rsaPSSRSAESHA512,
    ]

    /// Whether TLS 1.3 forbids this scheme in CertificateVerify although it may appear in
    /// `signature_algorithms` for certificates: RSASSA-PKCS1-v1_5 and SHA-1 schemes
    /// (RFC 8446 §4.2.3, §4.4.3).
    public var isForbiddenInTLS13CertificateVerify: Bool {
        switch self {
        case .rsaPKCS1SHA256, .rsaPKCS1SHA384, .rsaPKCS1SHA512, .rsaPKCS1SHA1, .ecdsaSHA1: return true
        default: return false
        }
    }
}
