import Crypto
import Foundation
import _CryptoExtras

/// The private key of this endpoint's certificate, which signs its CertificateVerify
/// (RFC 8446 §4.4.3).
///
/// Supported: ECDSA P-256 (`ecdsa_secp256r1_sha256`), ECDSA P-384 (`ecdsa_secp384r1_sha384`),
/// Ed25519 (`ed25519`) and RSA of 2048 bits or more (`rsa_pss_rsae_sha256/384/512`; TLS 1.3
/// forbids RSASSA-PKCS1-v1_5 in CertificateVerify, RFC 8446 §4.2.3). Signing is swift-crypto's;
/// ECDSA keys sign through a BoringSSL twin of the same key (`BoringSSLECDSAKey`, fewer
/// allocations), with swift-crypto as the fallback.
public struct TLSPrivateKey: Sendable {
    private enum Backing: Sendable {
        case p256(P256.Signing.PrivateKey)
        case p384(P384.Signing.PrivateKey)
        case ed25519(Curve25519.Signing.PrivateKey)
        case rsa(_RSA.Signing.PrivateKey)
    }

    private let backing: Backing
    /// The ECDSA key as BoringSSL holds it, made once (nil for other keys).
    private let ecdsa: BoringSSLECDSAKey?

    private init(backing: Backing) {
        self.backing = backing
        switch backing {
        case .p256(let key): ecdsa = BoringSSLECDSAKey(key)
        case .p384(let key): ecdsa = BoringSSLECDSAKey(key)
        case .ed25519, .rsa: ecdsa = nil
        }
    }

    /// A key for ECDSA P-256 (`ecdsa_secp256r1_sha256`, RFC 8446 §4.2.3).
    public init(_ key: P256.Signing.PrivateKey) { self.init(backing: .p256(key)) }
    /// A key for ECDSA P-384 (`ecdsa_secp384r1_sha384`, RFC 8446 §4.2.3).
    public init(_ key: P384.Signing.PrivateKey) { self.init(backing: .p384(key)) }
    /// A key for Ed25519 (`ed25519`, RFC 8446 §4.2.3, RFC 8032).
    public init(_ key: Curve25519.Signing.PrivateKey) { self.init(backing: .ed25519(key)) }
    /// A key for RSA-PSS (`rsa_pss_rsae_*`, RFC 8446 §4.2.3; swift-crypto accepts only 2048 bits or more).
    public init(_ key: _RSA.Signing.PrivateKey) { self.init(backing: .rsa(key)) }

    /// Reads the first private key of a PEM string (RFC 7468 §10, §11): PKCS#8 `PRIVATE KEY` (ECDSA P-256/P-384,
    /// Ed25519, RSA), SEC1 `EC PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`. Other PEM blocks in the
    /// string are ignored. Encrypted keys are not supported.
    ///
    /// Throws `internal_error` (a local configuration fault) when no supported key is found.
    public init(pemEncoded pem: String) throws {
        let document: PrivateKeyDocument
        do {
            document = try PrivateKeyDocument(pem: pem)
        } catch {
            throw TLSError.internalError("cannot read private key PEM: \(error)")
        }
        switch document {
        case .p256(let key): self.init(backing: .p256(key))
        case .p384(let key): self.init(backing: .p384(key))
        case .ed25519(let key): self.init(backing: .ed25519(key))
        case .rsa(let key): self.init(backing: .rsa(key))
        }
    }

    /// Reads the private key of the PEM file at `path` (see `init(pemEncoded:)`).
    ///
    /// Throws `internal_error` when the file cannot be read or holds no supported key.
    public init(pemFile path: String) throws {
        let pem: String
        do {
            pem = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw TLSError.internalError("cannot read private key file \(path): \(error)")
        }
        try self.init(pemEncoded: pem)
    }

    /// The schemes this key can produce in a TLS 1.3 CertificateVerify (RFC 8446 §4.2.3), in
    /// the order this library prefers them.
    public var signatureSchemes: [SignatureScheme] {
        switch backing {
        case .p256: return [.ecdsaSecp256r1SHA256]
        case .p384: return [.ecdsaSecp384r1SHA384]
        case .ed25519: return [.ed25519]
        case .rsa: return [.rsaPSSRSAESHA256, .rsaPSSRSAESHA384, .rsaPSSRSAESHA512]
        }
    }

    /// The schemes this key can produce in a TLS 1.2 ServerKeyExchange or CertificateVerify
    /// (RFC 5246 §7.4.1.4.1 with the RFC 8446 code points): the TLS 1.3 ones and, for RSA keys,
    /// RSASSA-PKCS1-v1_5, which TLS 1.2 still allows; Ed25519 signs for the ECDHE_ECDSA suites
    /// (RFC 8422 §5.1.1).
    package var tls12SignatureSchemes: [SignatureScheme] {
        switch backing {
        case .p256, .p384: return signatureSchemes
        case .ed25519: return signatureSchemes
        case .rsa: return signatureSchemes + [.rsaPKCS1SHA256, .rsaPKCS1SHA384, .rsaPKCS1SHA512]
        }
    }

    /// The scheme to sign with, given the peer's `signature_algorithms` list (RFC 8446 §4.2.3,
    /// §4.4.2.2): the first scheme of the peer's list, in the peer's order of preference, that
    /// this key can produce; `nil` when there is none, in which case the handshake must abort with
    /// `handshake_failure`.
    public func selectSignatureScheme(peerSignatureAlgorithms: some Sequence<SignatureScheme>) -> SignatureScheme? {
        let ours = signatureSchemes
        return peerSignatureAlgorithms.first { ours.contains($0) }
    }

    /// Signs `content` with `scheme`. ECDSA signatures are DER-encoded `ECDSA-Sig-Value`;
    /// RSA-PSS uses MGF1 with the scheme's hash and a salt as long as the hash (RFC 8446 §4.2.3).
    ///
    /// Throws `internal_error` when this key cannot produce `scheme`.
    public func sign(_ content: [UInt8], scheme: SignatureScheme) throws -> [UInt8] {
        guard signatureSchemes.contains(scheme) || tls12SignatureSchemes.contains(scheme) else {
            throw TLSError.internalError("a \(keyDescription) key cannot sign with \(scheme)")
        }
        do {
            if let ecdsa, scheme == ecdsa.scheme, let signature = ecdsa.sign(content) { return signature }
            switch backing {
            case .p256(let key):
                return Array(try key.signature(for: content).derRepresentation)
            case .p384(let key):
                return Array(try key.signature(for: content).derRepresentation)
            case .ed25519(let key):
                return Array(try key.signature(for: content))
            case .rsa(let key):
                // swift-crypto's `.PSS`: MGF1 with the digest's hash, salt length = digest length.
                let signature: _RSA.Signing.RSASignature
                switch scheme {
                case .rsaPSSRSAESHA256: signature = try key.signature(for: SHA256.hash(data: content), padding: .PSS)
                case .rsaPSSRSAESHA384: signature = try key.signature(for: SHA384.hash(data: content), padding: .PSS)
                case .rsaPSSRSAESHA512: signature = try key.signature(for: SHA512.hash(data: content), padding: .PSS)
                // TLS 1.2 only (tls12SignatureSchemes): RSASSA-PKCS1-v1_5.
                case .rsaPKCS1SHA256: signature = try key.signature(for: SHA256.hash(data: content), padding: .insecurePKCS1v1_5)
                case .rsaPKCS1SHA384: signature = try key.signature(for: SHA384.hash(data: content), padding: .insecurePKCS1v1_5)
                default: signature = try key.signature(for: SHA512.hash(data: content), padding: .insecurePKCS1v1_5)
                }
                return Array(signature.rawRepresentation)
            }
        } catch {
            throw TLSError.internalError("signing with \(scheme) failed: \(error)")
        }
    }

    /// The CertificateVerify message this endpoint sends (RFC 8446 §4.4.3): a signature with
    /// `scheme` over the signed content built from `transcriptHash`
    /// (`Transcript-Hash(Handshake Context, Certificate)`).
    package func certificateVerify(scheme: SignatureScheme, signer: CertificateVerifySigner, transcriptHash: some HashValueBytes) throws -> CertificateVerify {
        let content = CertificateVerifyContent.signedContent(signer: signer, transcriptHash: transcriptHash)
        return CertificateVerify(algorithm: scheme, signature: try sign(content, scheme: scheme))
    }

    /// The public half, for checking that the leaf certificate (RFC 8446 §4.4.2) matches this key.
    public var publicKey: TLSPublicKey {
        switch backing {
        case .p256(let key): return TLSPublicKey(key.publicKey)
        case .p384(let key): return TLSPublicKey(key.publicKey)
        case .ed25519(let key): return TLSPublicKey(key.publicKey)
        case .rsa(let key): return TLSPublicKey(key.publicKey)
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
