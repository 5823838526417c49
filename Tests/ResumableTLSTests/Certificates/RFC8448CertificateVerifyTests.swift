import Crypto
import SwiftASN1
import Testing
import _CryptoExtras
@testable import ResumableTLS

@Suite("Certificates: RFC 8448 §3 CertificateVerify")
struct RFC8448CertificateVerifyTests {
    struct Handshake {
        let clientHello, serverHello, encryptedExtensions, certificate, certificateVerify: [UInt8]

        init() throws {
            clientHello = try RFC8448.value(section: 3, role: "client", step: "construct a ClientHello", label: "ClientHello")
            serverHello = try RFC8448.value(section: 3, role: "server", step: "construct a ServerHello", label: "ServerHello")
            encryptedExtensions = try RFC8448.value(section: 3, role: "server", step: "construct an EncryptedExtensions", label: "EncryptedExtensions")
            certificate = try RFC8448.value(section: 3, role: "server", step: "construct a Certificate", label: "Certificate")
            certificateVerify = try RFC8448.value(section: 3, role: "server", step: "construct a CertificateVerify", label: "CertificateVerify")
        }

        /// Transcript-Hash(ClientHello .. Certificate) with SHA-256 (TLS_AES_128_GCM_SHA256).
        var transcriptHash: [UInt8] {
            TLSHashAlgorithm.sha256.hash(clientHello + serverHello + encryptedExtensions + certificate)
        }

        func parsedCertificateVerify() throws -> CertificateVerify {
            var reader = ByteReader(Array(certificateVerify.dropFirst(4)))
            return try CertificateVerify(parsing: &reader)
        }

        func parsedCertificate() throws -> CertificateMessage {
            var reader = ByteReader(Array(certificate.dropFirst(4)))
            return try CertificateMessage(parsing: &reader)
        }

        /// The RSA key of the RFC's certificate. It is 1024 bits, which swift-certificates (and
        /// `TLSPublicKey(certificateDER:)`) refuse, so the test reads the SubjectPublicKeyInfo
        /// with swift-asn1 and builds the key with `_RSA`'s unsafe (>= 1024 bit) initializer.
        func serverPublicKey() throws -> TLSPublicKey {
            let message = try parsedCertificate()
            let der = try #require(message.certificateList.first?.certificateData)
            let root = try DER.parse(der)
            guard case .constructed(let certificateFields) = root.content,
                  let tbs = certificateFields.first(where: { _ in true }),
                  case .constructed(let tbsFields) = tbs.content else {
                throw TLSError.decodeError("certificate layout")
            }
            // TBSCertificate: [0] version, serial, signature, issuer, validity, subject, spki.
            let spki = try #require(Array(tbsFields).dropFirst(6).first)
            let rsa = try _RSA.Signing.PublicKey(unsafeDERRepresentation: Array(spki.encodedBytes))
            #expect(rsa.keySizeInBits == 1024)
            return TLSPublicKey(rsa)
        }
    }

    @Test("The RFC's rsa_pss_rsae_sha256 signature verifies over our signed content")
    func verifiesRFCSignature() throws {
        let handshake = try Handshake()
        let message = try handshake.parsedCertificateVerify()
        #expect(message.algorithm == .rsaPSSRSAESHA256)
        let key = try handshake.serverPublicKey()
        try key.verifyCertificateVerify(message, signer: .server, transcriptHash: handshake.transcriptHash, offeredSchemes: SignatureScheme.certificateVerifySchemes)
    }

    @Test("The RFC's signature fails with the client context, a tampered byte or a wrong hash")
    func rfcSignatureNegative() throws {
        let handshake = try Handshake()
        let message = try handshake.parsedCertificateVerify()
        let key = try handshake.serverPublicKey()
        let offered = SignatureScheme.certificateVerifySchemes
        #expect(CertificateTestSupport.alert {
            try key.verifyCertificateVerify(message, signer: .client, transcriptHash: handshake.transcriptHash, offeredSchemes: offered)
        } == .decryptError)
        var tampered = message
        tampered.signature[10] ^= 0x80
        #expect(CertificateTestSupport.alert {
            try key.verifyCertificateVerify(tampered, signer: .server, transcriptHash: handshake.transcriptHash, offeredSchemes: offered)
        } == .decryptError)
        #expect(CertificateTestSupport.alert {
            try key.verifyCertificateVerify(message, signer: .server, transcriptHash: TLSHashAlgorithm.sha256.hash(handshake.clientHello), offeredSchemes: offered)
        } == .decryptError)
        // The same bytes claimed as SHA-384 PSS do not verify either.
        var relabelled = message
        relabelled.algorithm = .rsaPSSRSAESHA384
        #expect(CertificateTestSupport.alert {
            try key.verifyCertificateVerify(relabelled, signer: .server, transcriptHash: handshake.transcriptHash, offeredSchemes: offered)
        } == .decryptError)
    }

    @Test("The RFC's 1024-bit certificate is refused by the certificate parser (bad_certificate)")
    func weakCertificateRefused() throws {
        let handshake = try Handshake()
        let der = try #require(try handshake.parsedCertificate().certificateList.first?.certificateData)
        #expect(CertificateTestSupport.alert { _ = try TLSPublicKey(certificateDER: der) } == .badCertificate)
    }
}
