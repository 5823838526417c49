/// Which endpoint signs a CertificateVerify; it selects the context string (RFC 8446 §4.4.3).
public enum CertificateVerifySigner: Sendable, Hashable {
    /// The server's CertificateVerify: context "TLS 1.3, server CertificateVerify".
    case server
    /// The client's CertificateVerify: context "TLS 1.3, client CertificateVerify".
    case client

    /// The context string of RFC 8446 §4.4.3, without the terminating zero byte.
    public var contextString: String {
        switch self {
        case .server: return "TLS 1.3, server CertificateVerify"
        case .client: return "TLS 1.3, client CertificateVerify"
        }
    }
}

/// The content a TLS 1.3 CertificateVerify signature covers (RFC 8446 §4.4.3).
public enum CertificateVerifyContent {
    /// 64 bytes of 0x20, the signer's context string, one 0x00 byte, then `transcriptHash`
    /// (`Transcript-Hash(Handshake Context, Certificate)`), as RFC 8446 §4.4.3 lays out.
    public static func signedContent(signer: CertificateVerifySigner, transcriptHash: some Collection<UInt8>) -> [UInt8] {
        var content = [UInt8](repeating: 0x20, count: 64)
        content.append(contentsOf: Array(signer.contextString.utf8))
        content.append(0x00)
        content.append(contentsOf: transcriptHash)
        return content
    }
}
