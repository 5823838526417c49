import Crypto
import Testing
import X509
import _CryptoExtras
@testable import ResumableTLS

@Suite("Certificates: keys, signing and CertificateVerify")
struct CertificateSigningTests {
    /// (key PEM, certificate PEM, schemes the key produces)
    static let pairs: [(key: String, certificate: String, schemes: [SignatureScheme])] = [
        (CertificateFixtures.selfSignedP256Key, CertificateFixtures.selfSignedP256Certificate, [.ecdsaSecp256r1SHA256]),
        (CertificateFixtures.selfSignedP384Key, CertificateFixtures.selfSignedP384Certificate, [.ecdsaSecp384r1SHA384]),
        (CertificateFixtures.selfSignedEd25519Key, CertificateFixtures.selfSignedEd25519Certificate, [.ed25519]),
        (CertificateFixtures.selfSignedRSAKey, CertificateFixtures.selfSignedRSACertificate, [.rsaPSSRSAESHA256, .rsaPSSRSAESHA384, .rsaPSSRSAESHA512]),
    ]

    @Test("The signed content is 64 spaces, the context string, a zero byte and the hash (RFC 8446 §4.4.3)")
    func signedContent() {
        let hash = [UInt8](repeating: 0xAB, count: 32)
        let server = CertificateVerifyContent.signedContent(signer: .server, transcriptHash: hash)
        #expect(server.count == 64 + 33 + 1 + 32)
        #expect(server.prefix(64).allSatisfy { $0 == 0x20 })
        #expect(Array(server[64..<97]) == Array("TLS 1.3, server CertificateVerify".utf8))
        #expect(server[97] == 0)
        #expect(Array(server.suffix(32)) == hash)
        let client = CertificateVerifyContent.signedContent(signer: .client, transcriptHash: hash)
        #expect(Array(client[64..<97]) == Array("TLS 1.3, client CertificateVerify".utf8))
    }

    @Test("Each key type loads from PEM and its certificate's key matches")
    func loadAndMatch() throws {
        for pair in Self.pairs {
            let key = try TLSPrivateKey(pemEncoded: pair.key)
            #expect(key.signatureSchemes == pair.schemes)
            let chain = try CertificateChain(pemEncoded: pair.certificate)
            #expect(chain.certificatesDER.count == 1)
            let publicKey = try TLSPublicKey(certificateDER: chain.leafDER)
            #expect(publicKey.isSameKey(as: key.publicKey))
            #expect(publicKey.signatureSchemes == pair.schemes)
        }
        // Keys of other certificates do not match.
        let p256 = try TLSPrivateKey(pemEncoded: CertificateFixtures.selfSignedP256Key)
        let other = try TLSPublicKey(certificateDER: CertificateTestSupport.certificateDER(CertificateFixtures.leafSignedByTestCA))
        #expect(!other.isSameKey(as: p256.publicKey))
    }

    @Test("SEC1 EC and PKCS#1 RSA key files load too")
    func otherKeyFormats() throws {
        let sec1 = try TLSPrivateKey(pemEncoded: CertificateFixtures.p256KeySEC1)
        #expect(sec1.signatureSchemes == [.ecdsaSecp256r1SHA256])
        let pkcs1 = try TLSPrivateKey(pemEncoded: CertificateFixtures.rsaKeyPKCS1)
        let pkcs8 = try TLSPrivateKey(pemEncoded: CertificateFixtures.selfSignedRSAKey)
        #expect(pkcs1.publicKey.isSameKey(as: pkcs8.publicKey))
        // A key after a certificate in the same file.
        let combined = try TLSPrivateKey(pemEncoded: CertificateFixtures.selfSignedP384Certificate + "\n" + CertificateFixtures.selfSignedP384Key)
        #expect(combined.signatureSchemes == [.ecdsaSecp384r1SHA384])
    }

    @Test("Garbage key and certificate PEM is refused without trapping")
    func garbagePEM() {
        #expect(CertificateTestSupport.alert { _ = try TLSPrivateKey(pemEncoded: "") } == .internalError)
        #expect(CertificateTestSupport.alert { _ = try TLSPrivateKey(pemEncoded: CertificateFixtures.selfSignedP256Certificate) } == .internalError)
        #expect(CertificateTestSupport.alert { _ = try TLSPrivateKey(pemEncoded: "-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n") } == .internalError)
        #expect(CertificateTestSupport.alert { _ = try TLSPrivateKey(pemEncoded: "-----BEGIN EC PRIVATE KEY-----\nMAMCAQE=\n-----END EC PRIVATE KEY-----\n") } == .internalError)
        #expect(CertificateTestSupport.alert { _ = try CertificateChain(pemEncoded: CertificateFixtures.selfSignedP256Key) } == .internalError)
        #expect(CertificateTestSupport.alert { _ = try CertificateChain(pemEncoded: "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n") } == .internalError)
        #expect(CertificateTestSupport.alert { _ = try TLSPrivateKey(pemFile: "/nonexistent/key.pem") } == .internalError)
    }

    @Test("A chain PEM keeps the certificates in order")
    func chainOrder() throws {
        let chain = try CertificateChain(pemEncoded: CertificateFixtures.leafSignedByTestCA + CertificateFixtures.testCACertificate)
        #expect(chain.certificatesDER == [try CertificateTestSupport.certificateDER(CertificateFixtures.leafSignedByTestCA), try CertificateTestSupport.certificateDER(CertificateFixtures.testCACertificate)])
        #expect(chain.certificateEntries.map(\.certificateData) == chain.certificatesDER)
    }

    @Test("Scheme selection follows the peer's list and returns nil when nothing fits")
    func schemeSelection() throws {
        let rsa = try TLSPrivateKey(pemEncoded: CertificateFixtures.selfSignedRSAKey)
        #expect(rsa.selectSignatureScheme(peerSignatureAlgorithms: [.rsaPKCS1SHA256, .rsaPSSRSAESHA384, .rsaPSSRSAESHA256]) == .rsaPSSRSAESHA384)
        #expect(rsa.selectSignatureScheme(peerSignatureAlgorithms: [.rsaPKCS1SHA256, .rsaPSSPSSSHA256, .ecdsaSecp256r1SHA256]) == nil)
        let p256 = try TLSPrivateKey(pemEncoded: CertificateFixtures.selfSignedP256Key)
        #expect(p256.selectSignatureScheme(peerSignatureAlgorithms: [.ed25519, .ecdsaSecp384r1SHA384]) == nil)
        #expect(p256.selectSignatureScheme(peerSignatureAlgorithms: SignatureScheme.certificateVerifySchemes) == .ecdsaSecp256r1SHA256)
        let ed = try TLSPrivateKey(pemEncoded: CertificateFixtures.selfSignedEd25519Key)
        #expect(ed.selectSignatureScheme(peerSignatureAlgorithms: [.rsaPSSRSAESHA256, .ed25519]) == .ed25519)
        #expect(ed.selectSignatureScheme(peerSignatureAlgorithms: []) == nil)
    }

    @Test("CertificateVerify round trip for every key type and scheme, both sides")
    func roundTrip() throws {
        for pair in Self.pairs {
            let key = try TLSPrivateKey(pemEncoded: pair.key)
            let publicKey = try TLSPublicKey(certificateDER: CertificateTestSupport.certificateDER(pair.certificate))
            for scheme in pair.schemes {
                for signer in [CertificateVerifySigner.server, .client] {
                    let hash = TLSHashAlgorithm.sha384.hash(Array("transcript \(scheme) \(signer)".utf8))
                    let message = try key.certificateVerify(scheme: scheme, signer: signer, transcriptHash: hash)
                    #expect(message.algorithm == scheme)
                    try publicKey.verifyCertificateVerify(message, signer: signer, transcriptHash: hash, offeredSchemes: SignatureScheme.certificateVerifySchemes)

                    // The other side's context, another hash, a flipped bit: decrypt_error.
                    let otherSigner: CertificateVerifySigner = signer == .server ? .client : .server
                    #expect(CertificateTestSupport.alert {
                        try publicKey.verifyCertificateVerify(message, signer: otherSigner, transcriptHash: hash, offeredSchemes: SignatureScheme.certificateVerifySchemes)
                    } == .decryptError)
                    #expect(CertificateTestSupport.alert {
                        try publicKey.verifyCertificateVerify(message, signer: signer, transcriptHash: TLSHashAlgorithm.sha384.hash(hash), offeredSchemes: SignatureScheme.certificateVerifySchemes)
                    } == .decryptError)
                    for position in [0, message.signature.count / 2, message.signature.count - 1] {
                        var tampered = message
                        tampered.signature[position] ^= 0x01
                        #expect(CertificateTestSupport.alert {
                            try publicKey.verifyCertificateVerify(tampered, signer: signer, transcriptHash: hash, offeredSchemes: SignatureScheme.certificateVerifySchemes)
                        } == .decryptError)
                    }
                    for garbage in [[], [0x30, 0x00], [UInt8](repeating: 0xFF, count: 600)] as [[UInt8]] {
                        #expect(CertificateTestSupport.alert {
                            try publicKey.verifyCertificateVerify(CertificateVerify(algorithm: scheme, signature: garbage), signer: signer, transcriptHash: hash, offeredSchemes: SignatureScheme.certificateVerifySchemes)
                        } == .decryptError)
                    }
                }
            }
        }
    }

    @Test("A scheme that does not fit the key, was not offered, or is PKCS#1 v1.5 is illegal_parameter")
    func schemeMismatch() throws {
        let hash = [UInt8](repeating: 7, count: 32)
        let p256 = try TLSPrivateKey(pemEncoded: CertificateFixtures.selfSignedP256Key)
        let p256Public = try TLSPublicKey(certificateDER: CertificateTestSupport.certificateDER(CertificateFixtures.selfSignedP256Certificate))
        let p384Public = try TLSPublicKey(certificateDER: CertificateTestSupport.certificateDER(CertificateFixtures.selfSignedP384Certificate))
        let rsaPublic = try TLSPublicKey(certificateDER: CertificateTestSupport.certificateDER(CertificateFixtures.selfSignedRSACertificate))
        let message = try p256.certificateVerify(scheme: .ecdsaSecp256r1SHA256, signer: .server, transcriptHash: hash)
        let all = SignatureScheme.certificateVerifySchemes + [.rsaPKCS1SHA256, .rsaPSSPSSSHA256, .ecdsaSecp521r1SHA512]

        // Key of another curve / type.
        #expect(CertificateTestSupport.alert { try p384Public.verifyCertificateVerify(message, signer: .server, transcriptHash: hash, offeredSchemes: all) } == .illegalParameter)
        #expect(CertificateTestSupport.alert { try rsaPublic.verifyCertificateVerify(message, signer: .server, transcriptHash: hash, offeredSchemes: all) } == .illegalParameter)
        // A P-256 signature labelled as P-384.
        var relabelled = message
        relabelled.algorithm = .ecdsaSecp384r1SHA384
        #expect(CertificateTestSupport.alert { try p256Public.verifyCertificateVerify(relabelled, signer: .server, transcriptHash: hash, offeredSchemes: all) } == .illegalParameter)
        // Not offered.
        #expect(CertificateTestSupport.alert { try p256Public.verifyCertificateVerify(message, signer: .server, transcriptHash: hash, offeredSchemes: [.ed25519]) } == .illegalParameter)
        // PKCS#1 v1.5 and rsa_pss_pss with an RSA key, even when offered.
        for scheme in [SignatureScheme.rsaPKCS1SHA256, .rsaPKCS1SHA384, .rsaPKCS1SHA512, .rsaPKCS1SHA1, .rsaPSSPSSSHA256] {
            let bogus = CertificateVerify(algorithm: scheme, signature: [UInt8](repeating: 1, count: 256))
            #expect(CertificateTestSupport.alert { try rsaPublic.verifyCertificateVerify(bogus, signer: .server, transcriptHash: hash, offeredSchemes: all) } == .illegalParameter)
        }
        // Signing with a scheme the key cannot make is a local error.
        #expect(CertificateTestSupport.alert { _ = try p256.sign([1, 2, 3], scheme: .ed25519) } == .internalError)
    }

    @Test("Certificates that cannot be parsed are bad_certificate; unsupported keys unsupported_certificate")
    func badPeerCertificates() throws {
        #expect(CertificateTestSupport.alert { _ = try TLSPublicKey(certificateDER: []) } == .badCertificate)
        #expect(CertificateTestSupport.alert { _ = try TLSPublicKey(certificateDER: [0x30, 0x82, 0xFF, 0xFF, 0x01]) } == .badCertificate)
        var der = try CertificateTestSupport.certificateDER(CertificateFixtures.selfSignedP256Certificate)
        der.removeLast()
        #expect(CertificateTestSupport.alert { _ = try TLSPublicKey(certificateDER: der) } == .badCertificate)
        let p521 = Certificate.PublicKey(P521.Signing.PrivateKey().publicKey)
        #expect(CertificateTestSupport.alert { _ = try TLSPublicKey(p521) } == .unsupportedCertificate)
    }

    @Test("CertificateIdentity pairs a chain with its key and refuses a mismatch")
    func identity() throws {
        for pair in Self.pairs {
            let identity = try CertificateIdentity(certificatePEM: pair.certificate, privateKeyPEM: pair.key)
            let message = identity.certificateMessage()
            #expect(message.certificateRequestContext.isEmpty)
            #expect(message.certificateList.map(\.certificateData) == identity.chain.certificatesDER)
            #expect(identity.privateKey.signatureSchemes == pair.schemes)
        }
        let chained = try CertificateIdentity(
            certificatePEM: CertificateFixtures.leafSignedByTestCA + CertificateFixtures.testCACertificate,
            privateKeyPEM: CertificateFixtures.leafSignedByTestCAKey)
        #expect(chained.certificateMessage(certificateRequestContext: [9]).certificateList.count == 2)
        #expect(CertificateTestSupport.alert {
            _ = try CertificateIdentity(certificatePEM: CertificateFixtures.selfSignedP256Certificate, privateKeyPEM: CertificateFixtures.leafSignedByTestCAKey)
        } == .internalError)
        #expect(CertificateTestSupport.alert {
            _ = try CertificateIdentity(certificatePEM: CertificateFixtures.selfSignedRSACertificate, privateKeyPEM: CertificateFixtures.selfSignedP256Key)
        } == .internalError)
    }

    @Test("Random signatures and certificates never trap")
    func hostileBytes() throws {
        var generator = SplitMix64(state: 0xCE27)
        let content = [UInt8](repeating: 0x42, count: 130)
        let keys = try Self.pairs.map { try TLSPublicKey(certificateDER: CertificateTestSupport.certificateDER($0.certificate)) }
        for round in 0..<300 {
            let count = Int(generator.next() % 600)
            var bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            if round % 2 == 0, bytes.count > 2 { bytes[0] = 0x30; bytes[1] = UInt8(truncatingIfNeeded: bytes.count - 2) }
            for key in keys {
                for scheme in SignatureScheme.certificateVerifySchemes {
                    let alert = CertificateTestSupport.alert { try key.verifySignature(bytes, over: content, scheme: scheme) }
                    #expect(alert == .decryptError || alert == .illegalParameter)
                }
            }
            let certificateAlert = CertificateTestSupport.alert { _ = try TLSPublicKey(certificateDER: bytes) }
            #expect(certificateAlert == .badCertificate)
        }
        // A real certificate with one byte flipped at many positions: parsed or refused, never a trap.
        let der = try CertificateTestSupport.certificateDER(CertificateFixtures.leafSignedByTestCA)
        for position in stride(from: 0, to: der.count, by: 7) {
            var mutated = der
            mutated[position] ^= 0xFF
            let alert = CertificateTestSupport.alert { _ = try TLSPublicKey(certificateDER: mutated) }
            #expect(alert == nil || alert == .badCertificate || alert == .unsupportedCertificate)
        }
    }
}
