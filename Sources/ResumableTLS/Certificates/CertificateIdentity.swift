/// This endpoint's credentials: its certificate chain and the private key of the chain's leaf
/// (what RFC 8446 §4.4.2 sends and what signs §4.4.3's CertificateVerify).
public struct CertificateIdentity: Sendable {
    /// The chain sent in the Certificate message, leaf first (RFC 8446 §4.4.2).
    public let chain: CertificateChain
    /// The key that signs CertificateVerify (RFC 8446 §4.4.3); it matches the leaf's public key.
    public let privateKey: TLSPrivateKey

    /// Pairs `chain` with `privateKey` (RFC 8446 §4.4.2, §4.4.3).
    ///
    /// Throws `internal_error` (a configuration fault) when the key is not the leaf's key or the
    /// leaf's key type is not supported.
    public init(chain: CertificateChain, privateKey: TLSPrivateKey) throws {
        let leafKey: TLSPublicKey
        do {
            leafKey = try TLSPublicKey(certificateDER: chain.leafDER)
        } catch {
            throw TLSError.internalError("the leaf certificate's key is not usable: \(error)")
        }
        guard leafKey.isSameKey(as: privateKey.publicKey) else {
            throw TLSError.internalError("the private key does not match the leaf certificate")
        }
        self.chain = chain
        self.privateKey = privateKey
    }

    /// Reads the chain (`CERTIFICATE` blocks, RFC 7468 §5, leaf first) and the private key from PEM strings;
    /// they may be the same string.
    public init(certificatePEM: String, privateKeyPEM: String) throws {
        try self.init(chain: CertificateChain(pemEncoded: certificatePEM), privateKey: TLSPrivateKey(pemEncoded: privateKeyPEM))
    }

    /// Reads the chain and the private key from PEM files (RFC 7468); they may be the same file.
    public init(certificatePEMFile: String, privateKeyPEMFile: String) throws {
        try self.init(chain: CertificateChain(pemFile: certificatePEMFile), privateKey: TLSPrivateKey(pemFile: privateKeyPEMFile))
    }

    /// The Certificate message for this identity (RFC 8446 §4.4.2): empty
    /// `certificate_request_context` for a server, the CertificateRequest's context for a client.
    package func certificateMessage(certificateRequestContext: [UInt8] = []) -> CertificateMessage {
        CertificateMessage(certificateRequestContext: certificateRequestContext, certificateList: chain.certificateEntries)
    }
}
