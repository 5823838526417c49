import Foundation
import Testing

/// `rtls sess-id` and `rtls client --sess-in/--sess-out` against the real OpenSSL tools, live
/// on loopback. Every server a test starts is stopped before it returns.
@Suite(.serialized) struct SessionFileCommandTests {
    typealias Support = RTLSTestSupport

    /// A session `openssl s_client -sess_out` wrote against a live `openssl s_server -www`,
    /// with that server still running (the caller stops it), and the cipher s_client reported.
    private func opensslSession(in directory: URL) throws -> (server: ChildProcess, port: Int, sessionFile: String, cipher: String) {
        let (certificate, key) = try Support.makeCertificate(in: directory)
        let (server, port) = try Support.startOpenSSLServer(certificate: certificate, key: key)
        do {
            let sessionFile = directory.appendingPathComponent("openssl-session.pem").path
            let client = try Support.opensslGet(port: port, ["-sess_out", sessionFile])
            guard client.status == 0, let cipher = Support.value(client.stdout, after: "New, TLSv1.3, Cipher is") else {
                throw ChildProcessError(description: "openssl s_client did not make a new TLS 1.3 session\n\(client.transcript)")
            }
            guard FileManager.default.fileExists(atPath: sessionFile) else {
                throw ChildProcessError(description: "openssl s_client wrote no session file\n\(client.transcript)")
            }
            return (server, port, sessionFile, cipher)
        } catch {
            server.stop()
            throw error
        }
    }

    @Test("sess-id --text shows the protocol, cipher and ticket of a session openssl s_client wrote")
    func sessIDTextOnOpenSSLSession() throws {
        let directory = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (server, _, sessionFile, cipher) = try opensslSession(in: directory)
        server.stop()

        let ours = try Support.rtls(["sess-id", "--in", sessionFile, "--text"])
        #expect(ours.status == 0, "\(ours.transcript)")
        let theirs = try Support.openssl(["sess_id", "-in", sessionFile, "-text", "-noout"])
        #expect(theirs.status == 0, "\(theirs.transcript)")

        #expect(Support.value(ours.stdout, after: "Protocol  :") == "TLSv1.3")
        #expect(Support.value(ours.stdout, after: "Cipher    :") == cipher)
        for label in ["Session-ID:", "Resumption PSK:", "TLS session ticket lifetime hint:", "Start Time:", "Timeout   :", "Max Early Data:"] {
            #expect(Support.value(ours.stdout, after: label) == Support.value(theirs.stdout, after: label), "\(label)\n\(ours.stdout)\n\(theirs.stdout)")
        }
        let ticket = Support.ticketDump(ours.stdout)
        #expect(!ticket.isEmpty, "\(ours.stdout)")
        #expect(ticket == Support.ticketDump(theirs.stdout), "ticket dump differs\n\(ours.stdout)\n\(theirs.stdout)")

        // --json for scripts: the same values.
        let json = try Support.rtls(["sess-id", "--in", sessionFile, "--json"])
        #expect(json.status == 0, "\(json.transcript)")
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["protocol"] as? String == "TLSv1.3")
        #expect(object?["cipher"] as? String == cipher)
        #expect((object?["ticketLength"] as? Int ?? 0) > 0)

        // Without --text/--json it writes the session back: PEM that openssl reads, and DER.
        let pem = try Support.rtls(["sess-id", "--in", sessionFile])
        #expect(pem.status == 0 && pem.stdout.hasPrefix("-----BEGIN SSL SESSION PARAMETERS-----"), "\(pem.transcript)")
        let derFile = directory.appendingPathComponent("session.der").path
        let toDER = try Support.rtls(["sess-id", "--in", sessionFile, "--out", derFile, "--outform", "DER"])
        #expect(toDER.status == 0, "\(toDER.transcript)")
        let fromDER = try Support.openssl(["sess_id", "-in", derFile, "-inform", "DER", "-text", "-noout"])
        #expect(Support.ticketDump(fromDER.stdout) == Support.ticketDump(theirs.stdout), "\(fromDER.transcript)")
    }

    @Test("rtls client --sess-in resumes a session openssl s_client wrote, against the same openssl s_server")
    func clientResumesOpenSSLSession() throws {
        let directory = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (server, port, sessionFile, cipher) = try opensslSession(in: directory)
        defer { server.stop() }

        let client = try Support.rtls(["client", "--connect", "127.0.0.1:\(port)", "--insecure", "--sess-in", sessionFile, "--get", "/"])
        #expect(client.status == 0, "\(client.transcript)")
        #expect(client.stdout.contains("Reused, TLSv1.3, Cipher is \(cipher)"), "\(client.transcript)")
        #expect(!client.stderr.contains("warning"), "\(client.transcript)")
    }

    @Test("openssl s_client -sess_in resumes a session rtls client --sess-out wrote, against rtls server --www")
    func opensslResumesRTLSSession() throws {
        let directory = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (server, port) = try Support.startRTLSServer()
        defer { server.stop() }
        let sessionFile = directory.appendingPathComponent("rtls-session.pem").path

        let client = try Support.rtls(["client", "--connect", "127.0.0.1:\(port)", "--insecure", "--sess-out", sessionFile, "--get", "/"])
        #expect(client.status == 0, "\(client.transcript)")
        #expect(client.stdout.contains("New, TLSv1.3"), "\(client.transcript)")
        let pem = try String(contentsOfFile: sessionFile, encoding: .utf8)
        #expect(pem.hasPrefix("-----BEGIN SSL SESSION PARAMETERS-----"))
        let permissions = try FileManager.default.attributesOfItem(atPath: sessionFile)[.posixPermissions] as? Int
        #expect(permissions == 0o600)

        let resumed = try Support.opensslGet(port: port, ["-sess_in", sessionFile])
        #expect(resumed.status == 0, "\(resumed.transcript)")
        #expect(resumed.stdout.contains("Reused, TLSv1.3"), "\(resumed.transcript)")
        // The server's -www page agrees.
        #expect(resumed.stdout.contains("rtls server -www"), "\(resumed.transcript)")
    }

    @Test("rtls client --reconnect --json: one JSON line per connection, the later ones resumed")
    func clientJSONLines() throws {
        let (server, port) = try Support.startRTLSServer(["--tickets", "stateful"])
        defer { server.stop() }
        let client = try Support.rtls(["client", "--connect", "127.0.0.1:\(port)", "--insecure", "--reconnect", "2", "--json", "--get", "/"])
        #expect(client.status == 0, "\(client.transcript)")
        let lines = client.stdout.split(separator: "\n")
        #expect(lines.count == 3, "\(client.transcript)")
        let objects = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(objects.count == 3)
        #expect(objects.map { $0["reused"] as? Bool } == [false, true, true], "\(client.transcript)")
        #expect(objects.map { $0["connection"] as? Int } == [0, 1, 2])
        #expect(objects.allSatisfy { $0["protocol"] as? String == "TLSv1.3" && $0["sessionResumable"] as? Bool == true })
    }

    @Test("rtls server logs each handshake as full or resumed and why it declined a session (S30)")
    func serverLogsWhyItDeclined() throws {
        let directory = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let sessionFile = directory.appendingPathComponent("session.pem").path
        let (first, firstPort) = try Support.startRTLSServer()
        defer { first.stop() }
        let fresh = try Support.rtls(["client", "--connect", "127.0.0.1:\(firstPort)", "--insecure", "--sess-out", sessionFile])
        #expect(fresh.status == 0, "\(fresh.transcript)")
        let resumed = try Support.rtls(["client", "--connect", "127.0.0.1:\(firstPort)", "--insecure", "--sess-in", sessionFile])
        #expect(resumed.stdout.contains("Reused, TLSv1.3"), "\(resumed.transcript)")

        // Another server has other ticket keys: it cannot open the ticket.
        let (second, secondPort) = try Support.startRTLSServer(["--log-level", "debug"])
        defer { second.stop() }
        let declined = try Support.rtls(["client", "--connect", "127.0.0.1:\(secondPort)", "--insecure", "--sess-in", sessionFile])
        #expect(declined.status == 0 && declined.stdout.contains("New, TLSv1.3"), "\(declined.transcript)")

        first.stop()
        second.stop()
        let firstLog = first.stderr.split(separator: "\n").filter { $0.contains("handshake ") }
        #expect(firstLog.count == 2, "\(first.stderr)")
        #expect(firstLog.first.map { $0.contains("handshake full") && $0.contains("resumption=not_offered") } == true, "\(first.stderr)")
        #expect(firstLog.last.map { $0.contains("handshake resumed") && $0.contains("resumption=resumed") } == true, "\(first.stderr)")
        let secondLog = second.stderr.split(separator: "\n")
        #expect(secondLog.contains { $0.contains("handshake full") && $0.contains("declined=unknown_ticket") }, "\(second.stderr)")
        // --log-level debug adds the library's own decision line.
        #expect(secondLog.contains { $0.contains("handshake completed") && $0.contains("role=server") && $0.contains("declined=unknown_ticket") }, "\(second.stderr)")
    }
}
