import Crypto
import X509
import _CryptoExtras

/// The public key of a peer's end-entity certificate, which verifies the peer's
/// CertificateVerify (RFC 8446 §4.4.3).
///
/// Supported: ECDSA P-256, ECDSA P-384, Ed25519 and RSA (with the `rsa_pss_rsae_*` schemes).
/// All verification is swift-crypto's.
public struct TLSPublicKey: Sendable {
    enum Backing: Sendable {
        case p256(P256.Signing.PublicKey)
        case p384(P384.Signing.PublicKey)
        case ed25519(Curve25519.Signing.PublicKey)
        case rsa(_RSA.Signing.PublicKey)
    }

    let backing: Backing

    init(_ key: P256.Signing.PublicKey) { backing = .p256(key) }
    init(_ key: P384.Signing.PublicKey) { backing = .p384(key) }
    init(_ key: Curve25519.Signing.PublicKey) { backing = .ed25519(key) }
    init(_ key: _RSA.Signing.PublicKey) { backing = .rsa(key) }

    /// The public key of the DER certificate `certificateDER` (the end-entity certificate of a
    /// Certificate message, RFC 8446 §4.4.2).
    ///
    /// Throws `bad_certificate` when the certificate cannot be parsed (swift-certificates also
    /// refuses RSA keys under 2048 bits), `unsupported_certificate` for a key type this library
    /// cannot verify (for example ECDSA P-521). The certificate is parsed through the
    /// process-wide cache of parsed certificates, so the same bytes are parsed once.
    public init(certificateDER: [UInt8]) throws {
        let certificate: Certificate
        do {
            certificate = try ParsedCertificateCache.certificate(certificateDER)
        } catch {
            throw TLSError.protocolViolation(alert: .badCertificate, reason: .certificateRejected("cannot parse certificate: \(error)"))
        }
        try self.init(certificate.publicKey)
    }

    /// The TLS view of a swift-certificates public key (RFC 5280 §4.1.2.7 subjectPublicKeyInfo); `unsupported_certificate` for key types
    /// other than P-256, P-384, Ed25519 and RSA.
    public init(_ key: Certificate.PublicKey) throws {
        if let p256 = P256.Signing.PublicKey(key) {
            backing = .p256(p256)
        } else if let p384 = P384.Signing.PublicKey(key) {
            backing = .p384(p384)
        } else if let ed25519 = Curve25519.Signing.PublicKey(key) {
            backing = .ed25519(ed25519)
        } else if let rsa = _RSA.Signing.PublicKey(key) {
            backing = .rsa(rsa)
        } else {
            throw TLSError.protocolViolation(alert: .unsupportedCertificate, reason: .certificateRejected("unsupported certificate key \(key)"))
        }
    }

    /// The TLS 1.3 CertificateVerify schemes this key can verify (RFC 8446 §4.2.3).
    public var signatureSchemes: [SignatureScheme] {
        switch backing {
        case .p256: return [.ecdsaSecp256r1SHA256]
        case .p384: return [.ecdsaSecp384r1SHA384]
        case .ed25519: return [.ed25519]
        case .rsa: return [.rsaPSSRSAESHA256, .rsaPSSRSAESHA384, .rsaPSSRSAESHA512]
        }
    }

    /// Whether this key is the same key as `other` (RFC 8446 §4.4.2: the leaf certifies the signing key; for checking a configured certificate
    /// against its private key).
    public func isSameKey(as other: TLSPublicKey) -> Bool {
        switch (backing, other.backing) {
        case (.p256(let a), .p256(let b)): return a.rawRepresentation == b.rawRepresentation
        case (.p384(let a), .p384(let b)): return a.rawRepresentation == b.rawRepresentation
        case (.ed25519(let a), .ed25519(let b)): return a.rawRepresentation == b.rawRepresentation
        case (.rsa(let a), .rsa(let b)): return a.derRepresentation == b.derRepresentation
        default: return false
        }
    }

    /// Checks the peer's CertificateVerify (RFC 8446 §4.4.3).
    ///
    /// - Parameters:
    ///   - certificateVerify: the peer's message.
    ///   - signer: which side sent it (`.server` when we are the client).
    ///   - transcriptHash: `Transcript-Hash(Handshake Context, Certificate)`.
    ///   - offeredSchemes: the schemes we sent in `signature_algorithms`.
    /// - Throws: `illegal_parameter` when the scheme was not offered, is forbidden in TLS 1.3
    ///   CertificateVerify (RSASSA-PKCS1-v1_5, SHA-1) or does not fit this key (RFC 8446 §4.4.3:
    ///   "the signature algorithm MUST be one offered ... and compatible with the key");
    ///   `decrypt_error` when the signature does not verify.
    package func verifyCertificateVerify(
        _ certificateVerify: CertificateVerify,
        signer: CertificateVerifySigner,
        transcriptHash: some HashValueBytes,
        offeredSchemes: [SignatureScheme]
    ) throws {
        let scheme = certificateVerify.algorithm
        guard !scheme.isForbiddenInTLS13CertificateVerify else {
            throw TLSError.illegalParameter("\(scheme) is not allowed in a TLS 1.3 CertificateVerify")
        }
        guard offeredSchemes.contains(scheme) else {
            throw TLSError.illegalParameter("CertificateVerify uses \(scheme), which was not offered")
        }
        let content = CertificateVerifyContent.signedContent(signer: signer, transcriptHash: transcriptHash)
        try verifySignature(certificateVerify.signature, over: content, scheme: scheme)
    }

    /// Checks that `signature` is this key's signature with `scheme` over `content`.
    ///
    /// Throws `illegal_parameter` when `scheme` does not fit this key (including
    /// `rsa_pss_pss_*`, whose keys this library does not support, and PKCS#1 v1.5), and
    /// `decrypt_error` when the signature is malformed or does not verify (RFC 8446 §4.4.3).
    public func verifySignature(_ signature: [UInt8], over content: [UInt8], scheme: SignatureScheme) throws {
        try verify(signature, over: content, scheme: scheme, allowingPKCS1: false)
    }

    /// `verifySignature` for TLS 1.2 (ServerKeyExchange, CertificateVerify), where an RSA key
    /// may also sign with RSASSA-PKCS1-v1_5 (rsa_pkcs1_sha256/384/512).
    package func verifyTLS12Signature(_ signature: [UInt8], over content: [UInt8], scheme: SignatureScheme) throws {
        try verify(signature, over: content, scheme: scheme, allowingPKCS1: true)
    }

    private static let pkcs1Schemes: [SignatureScheme] = [.rsaPKCS1SHA256, .rsaPKCS1SHA384, .rsaPKCS1SHA512]

    private func verify(_ signature: [UInt8], over content: [UInt8], scheme: SignatureScheme, allowingPKCS1: Bool) throws {
        let isPKCS1 = allowingPKCS1 && Self.pkcs1Schemes.contains(scheme)
        if isPKCS1, case .rsa(let key) = backing {
            let rsaSignature = _RSA.Signing.RSASignature(rawRepresentation: signature)
            let valid = switch scheme {
            case .rsaPKCS1SHA256: key.isValidSignature(rsaSignature, for: SHA256.hash(data: content), padding: .insecurePKCS1v1_5)
            case .rsaPKCS1SHA384: key.isValidSignature(rsaSignature, for: SHA384.hash(data: content), padding: .insecurePKCS1v1_5)
            default: key.isValidSignature(rsaSignature, for: SHA512.hash(data: content), padding: .insecurePKCS1v1_5)
            }
            guard valid else {
                throw TLSError.protocolViolation(alert: .decryptError, reason: .badSignature(scheme))
            }
            return
        }
        guard signatureSchemes.contains(scheme) else {
            throw TLSError.illegalParameter("\(scheme) does not fit the certificate's \(keyDescription) key")
        }
        let valid: Bool
        switch backing {
        case .p256(let key):
            if let ecdsa = try? P256.Signing.ECDSASignature(derRepresentation: signature) {
                valid = key.isValidSignature(ecdsa, for: content)
            } else {
                valid = false
            }
        case .p384(let key):
            if let ecdsa = try? P384.Signing.ECDSASignature(derRepresentation: signature) {
                valid = key.isValidSignature(ecdsa, for: content)
            } else {
                valid = false
            }
        case .ed25519(let key):
            valid = key.isValidSignature(signature, for: content)
        case .rsa(let key):
            // swift-crypto's `.PSS`: MGF1 with the digest's hash, salt length = digest length,
            // as RFC 8446 §4.2.3 requires for rsa_pss_rsae_*.
            let rsaSignature = _RSA.Signing.RSASignature(rawRepresentation: signature)
            switch scheme {
            case .rsaPSSRSAESHA256: valid = key.isValidSignature(rsaSignature, for: SHA256.hash(data: content), padding: .PSS)
            case .rsaPSSRSAESHA384: valid = key.isValidSignature(rsaSignature, for: SHA384.hash(data: content), padding: .PSS)
            default: valid = key.isValidSignature(rsaSignature, for: SHA512.hash(data: content), padding: .PSS)
            }
        }
        guard valid else {
            throw TLSError.protocolViolation(alert: .decryptError, reason: .badSignature(scheme))
        }
    }

    private var keyDescription: String {
        switch backing {
        case .p256: return "P-256"
        case .p384: return "P-384"
        case .ed25519: return "Ed25519"
        case .rsa: return "RSA"
        }
    }
}
