import Foundation
import Testing

/// TLS 1.2 session files between `rtls` and OpenSSL (issue 13): a session `openssl s_client
/// -tls1_2 -sess_out` wrote resumes with `rtls client --sess-in`, a session `rtls client --tls1_2
/// --sess-out` wrote resumes with `openssl s_client -sess_in`, each with a ticket and with a
/// session ID only; `rtls sess-id --text` prints what `openssl sess_id -text` prints.
@Suite(.serialized) struct TLS12SessionFileCommandTests {
    typealias Support = RTLSTestSupport

    enum Variant: String, CaseIterable, CustomTestStringConvertible {
        case ticket, sessionID
        var testDescription: String { rawValue }
        /// s_client's switch for this variant.
        var opensslArguments: [String] { self == .sessionID ? ["-no_ticket"] : [] }
        /// rtls's switch for this variant.
        var rtlsArguments: [String] { self == .sessionID ? ["--no-ticket"] : [] }
    }

    @Test("rtls client --sess-in resumes a TLS 1.2 session openssl s_client wrote; sess-id --text agrees with openssl", arguments: Variant.allCases)
    func clientResumesOpenSSLSession(_ variant: Variant) throws {
        let directory = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (certificate, key) = try Support.makeCertificate(in: directory)
        let (server, port) = try Support.startOpenSSLServer(certificate: certificate, key: key, protocolArguments: ["-tls1_2"] + variant.opensslArguments)
        defer { server.stop() }
        let sessionFile = directory.appendingPathComponent("openssl-session.pem").path
        let first = try Support.opensslGet(port: port, ["-sess_out", sessionFile] + variant.opensslArguments, protocolArguments: ["-tls1_2"])
        let cipher = try #require(Support.value(first.stdout, after: "New, TLSv1.2, Cipher is"), "\(first.transcript)")

        let ours = try Support.rtls(["sess-id", "--in", sessionFile, "--text"])
        let theirs = try Support.openssl(["sess_id", "-in", sessionFile, "-text", "-noout"])
        #expect(ours.status == 0 && theirs.status == 0, "\(ours.transcript)\n\(theirs.transcript)")
        #expect(Support.value(ours.stdout, after: "Protocol  :") == "TLSv1.2")
        for label in ["Session-ID:", "Master-Key:", "Start Time:", "Timeout   :", "Extended master secret:"] {
            #expect(Support.value(ours.stdout, after: label) == Support.value(theirs.stdout, after: label), "\(label)\n\(ours.stdout)\n\(theirs.stdout)")
        }
        #expect(Support.value(ours.stdout, after: "Extended master secret:") == "yes")
        #expect(Support.ticketDump(ours.stdout) == Support.ticketDump(theirs.stdout))
        #expect(Support.ticketDump(ours.stdout).isEmpty == (variant == .sessionID), "\(ours.stdout)")

        let client = try Support.rtls(["client", "--connect", "127.0.0.1:\(port)", "--insecure", "--tls1_2", "--sess-in", sessionFile, "--get", "/"] + variant.rtlsArguments)
        #expect(client.status == 0, "\(client.transcript)")
        #expect(client.stdout.contains("Reused, TLSv1.2, Cipher is"), "\(client.transcript)")
        #expect(client.stdout.contains(cipher), "s_server's page names the cipher\n\(client.transcript)")
        #expect(!client.stderr.contains("warning"), "\(client.transcript)")
    }

    @Test("openssl s_client -tls1_2 -sess_in resumes a session rtls client --tls1_2 --sess-out wrote, against rtls server", arguments: Variant.allCases)
    func opensslResumesRTLSSession(_ variant: Variant) throws {
        let directory = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (server, port) = try Support.startRTLSServer()
        defer { server.stop() }
        let sessionFile = directory.appendingPathComponent("rtls-session.pem").path
        let client = try Support.rtls(["client", "--connect", "127.0.0.1:\(port)", "--insecure", "--tls1_2", "--sess-out", sessionFile, "--get", "/"] + variant.rtlsArguments)
        #expect(client.status == 0, "\(client.transcript)")
        #expect(client.stdout.contains("New, TLSv1.2"), "\(client.transcript)")
        #expect(client.stdout.contains("Session resumable: yes"), "\(client.transcript)")

        let resumed = try Support.opensslGet(port: port, ["-sess_in", sessionFile] + variant.opensslArguments, protocolArguments: ["-tls1_2"])
        #expect(resumed.status == 0, "\(resumed.transcript)")
        #expect(resumed.stdout.contains("Reused, TLSv1.2"), "\(resumed.transcript)")
        // Our server logs which mechanism resumed.
        server.stop()
        let mechanism = variant == .ticket ? "mechanism=ticket" : "mechanism=session_id"
        #expect(server.stderr.contains(mechanism), "\(server.transcript)")
    }
}
