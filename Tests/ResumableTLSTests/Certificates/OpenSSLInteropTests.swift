import Foundation
import Testing
@testable import ResumableTLS

@Suite("Certificates: openssl interop")
struct OpenSSLInteropTests {
    /// Writes `files` into a fresh temporary directory and runs `body` with its path.
    func withTemporaryDirectory(_ files: [String: [UInt8]], _ body: (URL) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rtls-openssl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for (name, bytes) in files {
            try Data(bytes).write(to: directory.appendingPathComponent(name))
        }
        try body(directory)
    }

    @Test("openssl verifies our rsa_pss_rsae signatures (salt = hash length, MGF1 with the same hash)",
          .enabled(if: CertificateTestSupport.opensslPath() != nil, "openssl CLI not installed"))
    func rsaPSSVerifiedByOpenSSL() throws {
        let openssl = try #require(CertificateTestSupport.opensslPath())
        let key = try TLSPrivateKey(pemEncoded: CertificateFixtures.selfSignedRSAKey)
        let content = CertificateVerifyContent.signedContent(signer: .server, transcriptHash: TLSHashAlgorithm.sha256.hash([1, 2, 3]))
        for (scheme, digest) in [(SignatureScheme.rsaPSSRSAESHA256, "sha256"), (.rsaPSSRSAESHA384, "sha384"), (.rsaPSSRSAESHA512, "sha512")] {
            let signature = try key.sign(content, scheme: scheme)
            try withTemporaryDirectory([
                "content.bin": content,
                "signature.bin": signature,
                "cert.pem": Array(CertificateFixtures.selfSignedRSACertificate.utf8),
            ]) { directory in
                let cert = directory.appendingPathComponent("cert.pem").path
                let publicKey = directory.appendingPathComponent("public.pem").path
                let extract = try CertificateTestSupport.runOpenSSL(openssl, ["x509", "-in", cert, "-pubkey", "-noout", "-out", publicKey])
                #expect(extract.status == 0, "\(extract.output)")
                let verify = try CertificateTestSupport.runOpenSSL(openssl, [
                    "dgst", "-\(digest)", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest",
                    "-sigopt", "rsa_mgf1_md:\(digest)", "-verify", publicKey,
                    "-signature", directory.appendingPathComponent("signature.bin").path,
                    directory.appendingPathComponent("content.bin").path,
                ])
                #expect(verify.status == 0, "\(scheme): \(verify.output)")
                #expect(verify.output.contains("Verified OK"), "\(scheme): \(verify.output)")
            }
        }
    }

    @Test("We verify openssl's rsa_pss_rsae_sha256 and ECDSA signatures",
          .enabled(if: CertificateTestSupport.opensslPath() != nil, "openssl CLI not installed"))
    func openSSLSignaturesVerifiedByUs() throws {
        let openssl = try #require(CertificateTestSupport.opensslPath())
        let content = CertificateVerifyContent.signedContent(signer: .client, transcriptHash: TLSHashAlgorithm.sha256.hash([4, 5, 6]))
        let cases: [(keyPEM: String, certificatePEM: String, scheme: SignatureScheme, options: [String])] = [
            (CertificateFixtures.selfSignedRSAKey, CertificateFixtures.selfSignedRSACertificate, .rsaPSSRSAESHA256,
             ["-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"]),
            (CertificateFixtures.selfSignedP256Key, CertificateFixtures.selfSignedP256Certificate, .ecdsaSecp256r1SHA256, ["-sha256"]),
            (CertificateFixtures.selfSignedP384Key, CertificateFixtures.selfSignedP384Certificate, .ecdsaSecp384r1SHA384, ["-sha384"]),
        ]
        for item in cases {
            try withTemporaryDirectory(["content.bin": content, "key.pem": Array(item.keyPEM.utf8)]) { directory in
                let signaturePath = directory.appendingPathComponent("signature.bin").path
                let sign = try CertificateTestSupport.runOpenSSL(openssl, ["dgst"] + item.options + [
                    "-sign", directory.appendingPathComponent("key.pem").path, "-out", signaturePath,
                    directory.appendingPathComponent("content.bin").path,
                ])
                #expect(sign.status == 0, "\(sign.output)")
                let signature = try [UInt8](Data(contentsOf: URL(fileURLWithPath: signaturePath)))
                let publicKey = try TLSPublicKey(certificateDER: CertificateTestSupport.certificateDER(item.certificatePEM))
                try publicKey.verifySignature(signature, over: content, scheme: item.scheme)
            }
        }
    }

    @Test("Ed25519 both ways with openssl pkeyutl -rawin",
          .enabled(if: CertificateTestSupport.opensslPath() != nil, "openssl CLI not installed"))
    func ed25519Interop() throws {
        let openssl = try #require(CertificateTestSupport.opensslPath())
        let content = CertificateVerifyContent.signedContent(signer: .server, transcriptHash: TLSHashAlgorithm.sha256.hash([7]))
        let ours = try TLSPrivateKey(pemEncoded: CertificateFixtures.selfSignedEd25519Key).sign(content, scheme: .ed25519)
        try withTemporaryDirectory([
            "content.bin": content,
            "ours.bin": ours,
            "key.pem": Array(CertificateFixtures.selfSignedEd25519Key.utf8),
            "cert.pem": Array(CertificateFixtures.selfSignedEd25519Certificate.utf8),
        ]) { directory in
            func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
            let extract = try CertificateTestSupport.runOpenSSL(openssl, ["x509", "-in", path("cert.pem"), "-pubkey", "-noout", "-out", path("public.pem")])
            #expect(extract.status == 0, "\(extract.output)")
            let verify = try CertificateTestSupport.runOpenSSL(openssl, ["pkeyutl", "-verify", "-rawin", "-pubin", "-inkey", path("public.pem"), "-in", path("content.bin"), "-sigfile", path("ours.bin")])
            #expect(verify.status == 0 && verify.output.contains("Signature Verified Successfully"), "\(verify.output)")
            let sign = try CertificateTestSupport.runOpenSSL(openssl, ["pkeyutl", "-sign", "-rawin", "-inkey", path("key.pem"), "-in", path("content.bin"), "-out", path("theirs.bin")])
            #expect(sign.status == 0, "\(sign.output)")
            let theirs = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path("theirs.bin"))))
            let publicKey = try TLSPublicKey(certificateDER: CertificateTestSupport.certificateDER(CertificateFixtures.selfSignedEd25519Certificate))
            try publicKey.verifySignature(theirs, over: content, scheme: .ed25519)
        }
    }
}
