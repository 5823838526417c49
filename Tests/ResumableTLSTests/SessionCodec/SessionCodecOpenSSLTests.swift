import Foundation
import SwiftASN1
import Testing
@testable import ResumableTLS

/// S7 Serialization against the real tool: `openssl sess_id` reads what we write, and we read
/// what `openssl s_client -sess_out` writes (live, against `openssl s_server`). A missing
/// `openssl` fails these tests; it never skips them.
@Suite struct SessionCodecOpenSSLTests {
    typealias Support = SessionCodecTestSupport

    @Test("S7: openssl sess_id reads our PEM and shows our values; its DER re-encoding is our DER")
    func opensslReadsOurSession() throws {
        let session = Support.sampleSession(leaf: try Support.leafDER())
        let directory = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ours = directory.appendingPathComponent("ours.pem").path
        try session.pemEncoded().write(toFile: ours, atomically: true, encoding: .utf8)

        let text = try Support.openssl(["sess_id", "-in", ours, "-text", "-noout"])
        #expect(text.status == 0, "\(text.output)")
        let output = text.output
        #expect(Support.textValue(output, "Protocol  :") == "TLSv1.3")
        #expect(Support.textValue(output, "Cipher    :") == "TLS_AES_128_GCM_SHA256")
        #expect(Support.textValue(output, "Session-ID:") == session.sessionID.hexString.uppercased())
        #expect(Support.textValue(output, "Session-ID-ctx:") == session.sessionIDContext.hexString.uppercased())
        #expect(Support.textValue(output, "Resumption PSK:") == session.secret.hexString.uppercased())
        #expect(Support.textValue(output, "TLS session ticket lifetime hint:") == "7200 (seconds)")
        #expect(Support.ticketFromText(output) == session.ticket)
        #expect(Support.textValue(output, "Start Time:") == "1795000000")
        #expect(Support.textValue(output, "Timeout   :") == "7200 (sec)")
        #expect(Support.textValue(output, "Max Early Data:") == "16384")
        #expect(Support.textValue(output, "Verify return code:") == "0 (ok)")

        // OpenSSL 3.0's text form has no SNI, ALPN, age_add or group: read them with asn1parse.
        let parsed = try Support.openssl(["asn1parse", "-in", ours])
        #expect(parsed.status == 0, "\(parsed.output)")
        #expect(Support.asn1parseValue(parsed.output, tag: 6) == "example.com")
        #expect(Support.asn1parseValue(parsed.output, tag: 16) == "h2")
        #expect(Support.asn1parseValue(parsed.output, tag: 14) == "89ABCDEF")
        #expect(Support.asn1parseValue(parsed.output, tag: 19) == "1D")

        // d2i_SSL_SESSION then i2d_SSL_SESSION by OpenSSL gives back our exact bytes: it read
        // every field (SNI, ALPN, age_add, max_early_data, group, peer) as we meant it.
        let theirDER = directory.appendingPathComponent("again.der").path
        let reencoded = try Support.openssl(["sess_id", "-in", ours, "-outform", "DER", "-out", theirDER])
        #expect(reencoded.status == 0, "\(reencoded.output)")
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: theirDER))) == session.derEncoded())
        // And its PEM output is ours, character for character.
        let theirPEM = try Support.openssl(["sess_id", "-in", ours])
        #expect(theirPEM.output == (try session.pemEncoded()))
    }

    @Test("S7: openssl reads our DER form too (sess_id -inform DER)")
    func opensslReadsOurDER() throws {
        let session = Support.sampleSession(leaf: try Support.leafDER())
        let directory = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ours = directory.appendingPathComponent("ours.der")
        try Data(session.derEncoded()).write(to: ours)
        let text = try Support.openssl(["sess_id", "-inform", "DER", "-in", ours.path, "-text", "-noout"])
        #expect(text.status == 0, "\(text.output)")
        #expect(Support.textValue(text.output, "Resumption PSK:") == session.secret.hexString.uppercased())
    }

    /// One live session: s_server (`server`) and s_client `-sess_out`; returns the PEM text.
    private func liveSession(server: OpenSSLServer, directory: URL, name: String, configure: (inout OpenSSLClient.Options) -> Void = { _ in }) throws -> String {
        let path = directory.appendingPathComponent(name).path
        var options = OpenSSLClient.Options(port: server.port)
        options.sessionOut = path
        configure(&options)
        let report = try OpenSSLClient.run(options, input: "GET / HTTP/1.0\r\n\r\n")
        #expect(report.exitStatus == 0, "\(report.stdout)\n\(report.stderr)")
        #expect(report.verifyReturnCode == 0)
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    @Test("S7: a live s_client -sess_out session (ALPN) is read with OpenSSL's values, re-encodes byte for byte, and resumes from our PEM")
    func weReadLiveSessionWithALPN() throws {
        var serverOptions = OpenSSLServer.Options()
        serverOptions.mode = .www
        serverOptions.alpn = ["h2", "http/1.1"]
        serverOptions.ciphersuites = "TLS_AES_256_GCM_SHA384"
        serverOptions.groups = "P-256"
        serverOptions.numTickets = 1
        let directory = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try OpenSSLServer.run(serverOptions) { server in
            let pem = try liveSession(server: server, directory: directory, name: "theirs.pem") { $0.alpn = ["h2"] }
            let theirs = directory.appendingPathComponent("theirs.pem").path
            let contextID = UUID()
            let session = try TLSSession.decode(pem: pem, contextID: contextID)

            // OpenSSL's own view of the file.
            let text = try Support.openssl(["sess_id", "-in", theirs, "-text", "-noout"]).output
            let parsed = try Support.openssl(["asn1parse", "-in", theirs]).output
            #expect(session.protocolVersion == .tls13)
            #expect(Support.textValue(text, "Protocol  :") == "TLSv1.3")
            #expect(session.cipherSuite == .tlsAES256GCMSHA384)
            #expect(Support.textValue(text, "Cipher    :") == "TLS_AES_256_GCM_SHA384")
            #expect(session.sessionID.hexString.uppercased() == Support.textValue(text, "Session-ID:"))
            #expect(session.secret.hexString.uppercased() == Support.textValue(text, "Resumption PSK:"))
            #expect(session.secret.count == 48)  // SHA-384 PSK
            #expect(!session.ticket.isEmpty)
            #expect(session.ticket == Support.ticketFromText(text))
            #expect(Support.textValue(text, "TLS session ticket lifetime hint:") == "\(session.ticketLifetime) (seconds)")
            #expect(session.ticketLifetime == 7200)
            #expect(Support.textValue(text, "Timeout   :") == "\(Int(session.timeout)) (sec)")
            #expect(Support.textValue(text, "Start Time:") == "\(Int(session.creationTime.timeIntervalSince1970))")
            #expect(Support.asn1parseValue(parsed, tag: 14).flatMap { UInt32($0, radix: 16) } == session.ticketAgeAdd)
            #expect(session.applicationProtocol == "h2")
            #expect(Support.asn1parseValue(parsed, tag: 16) == "h2")
            #expect(session.group == .secp256r1)
            #expect(session.serverName == nil)  // s_server did not acknowledge SNI, so OpenSSL stored none
            #expect(session.peerCertificates == [try Support.leafDER()])
            #expect(session.contextID == contextID)
            #expect(session.isResumable)

            // OpenSSL's DER re-encoding of its own file equals our re-encoding of what we read
            // (the client verified the server, so there is no verify_result [5] to drop).
            let theirDERPath = directory.appendingPathComponent("theirs.der").path
            #expect(try Support.openssl(["sess_id", "-in", theirs, "-outform", "DER", "-out", theirDERPath]).status == 0)
            let theirDER = [UInt8](try Data(contentsOf: URL(fileURLWithPath: theirDERPath)))
            #expect(try session.derEncoded() == theirDER)
            #expect(try session.pemEncoded() == pem)

            // s_client resumes from the session as we wrote it.
            let ours = directory.appendingPathComponent("ours.pem").path
            try session.pemEncoded().write(toFile: ours, atomically: true, encoding: .utf8)
            var resume = OpenSSLClient.Options(port: server.port)
            resume.sessionIn = ours
            resume.alpn = ["h2"]
            let report = try OpenSSLClient.run(resume, input: "GET / HTTP/1.0\r\n\r\n")
            #expect(report.exitStatus == 0, "\(report.stdout)\n\(report.stderr)")
            #expect(report.reused, "\(report.stdout)")
            #expect(report.stdout.contains("Reused, TLSv1.3"), "\(report.stdout)")
        }
    }

    @Test("S7: a live s_client -sess_out session with SNI and a certificate chain: host name read, only the leaf stored")
    func weReadLiveSessionWithSNI() throws {
        var serverOptions = OpenSSLServer.Options()
        serverOptions.mode = .www
        serverOptions.ciphersuites = "TLS_AES_128_GCM_SHA256"
        serverOptions.chainPath = TestCertificates.ecdsaP256.chainPath
        serverOptions.numTickets = 1
        // A servername callback makes s_server acknowledge SNI, so s_client stores the name.
        serverOptions.extraArguments = [
            "-servername", "localhost",
            "-cert2", TestCertificates.ecdsaP256.certificatePath, "-key2", TestCertificates.ecdsaP256.keyPath,
        ]
        let directory = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try OpenSSLServer.run(serverOptions) { server in
            let pem = try liveSession(server: server, directory: directory, name: "theirs.pem")
            let theirs = directory.appendingPathComponent("theirs.pem").path
            let session = try TLSSession.decode(pem: pem, contextID: UUID())
            let parsed = try Support.openssl(["asn1parse", "-in", theirs]).output
            #expect(session.protocolVersion == .tls13)
            #expect(session.cipherSuite == .tlsAES128GCMSHA256)
            #expect(session.secret.count == 32)
            #expect(session.serverName == "localhost")
            #expect(Support.asn1parseValue(parsed, tag: 6) == "localhost")
            #expect(session.applicationProtocol == nil)
            #expect(session.ticketLifetime == 7200)
            #expect(Support.asn1parseValue(parsed, tag: 14).flatMap { UInt32($0, radix: 16) } == session.ticketAgeAdd)
            #expect(session.peerCertificates == [try Support.leafDER()])  // the CA sent in the chain is not stored
            let theirDERPath = directory.appendingPathComponent("theirs.der").path
            #expect(try Support.openssl(["sess_id", "-in", theirs, "-outform", "DER", "-out", theirDERPath]).status == 0)
            #expect(try session.derEncoded() == [UInt8](try Data(contentsOf: URL(fileURLWithPath: theirDERPath))))
        }
    }
}
