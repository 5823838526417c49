import Foundation
import Testing

/// Bad files and bad arguments end in one error line on stderr and a non-zero exit: 1 for a
/// runtime error, 64 for a usage error. Never a trap (which would exit by a signal).
@Suite struct BadInputTests {
    typealias Support = RTLSTestSupport

    /// Writes `contents` to a new file in `directory`; returns its path.
    private func file(_ contents: String, in directory: URL) throws -> String {
        let path = directory.appendingPathComponent(UUID().uuidString).path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("sess-id on a missing file: exit 1 and an error line naming the file")
    func missingFile() throws {
        let result = try Support.rtls(["sess-id", "--in", "/nonexistent/session.pem", "--text"])
        #expect(result.status == 1, "\(result.transcript)")
        #expect(result.stderr.contains("Error: cannot read session from '/nonexistent/session.pem': no such file"), "\(result.transcript)")
        #expect(result.stdout.isEmpty)
    }

    @Test("sess-id on garbage: exit 1 and an error line", arguments: [
        "-----BEGIN SSL SESSION PARAMETERS-----\nZm9vYmFy\n-----END SSL SESSION PARAMETERS-----\n",  // base64 of "foobar"
        "-----BEGIN SSL SESSION PARAMETERS-----\n!!!not base64!!!\n-----END SSL SESSION PARAMETERS-----\n",
        "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n",
        "just some text\n",
        "-----BEGIN SSL SESSION PARAMETERS-----\nMAMCAQE=\n",  // no END line
    ])
    func garbage(contents: String) throws {
        let directory = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try file(contents, in: directory)
        let result = try Support.rtls(["sess-id", "--in", path, "--text"])
        #expect(result.status == 1, "\(result.transcript)")
        #expect(result.stderr.hasPrefix("Error: cannot read session from '\(path)'"), "\(result.transcript)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.transcript)")
    }

    @Test("sess-id on random binary bytes read as DER: exit 1")
    func randomDER() throws {
        let directory = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("random.der").path
        var generator = SystemRandomNumberGenerator()
        let bytes = [0x30, 0x82, 0x01, 0x00] + (0..<300).map { _ in UInt8.random(in: 0...255, using: &generator) }
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        let result = try Support.rtls(["sess-id", "--in", path, "--inform", "DER", "--json"])
        #expect(result.status == 1, "\(result.transcript)")
        #expect(result.stderr.hasPrefix("Error: cannot read session from"), "\(result.transcript)")
    }

    @Test("client --sess-in with a missing or bad file: exit 1 before connecting")
    func clientBadSessionInput() throws {
        let directory = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Port 9 on loopback: nothing listens; the error must be about the file, not the connection.
        let missing = try Support.rtls(["client", "--connect", "127.0.0.1:9", "--insecure", "--sess-in", directory.appendingPathComponent("none.pem").path])
        #expect(missing.status == 1, "\(missing.transcript)")
        #expect(missing.stderr.contains("cannot read session from"), "\(missing.transcript)")
        let garbage = try file("-----BEGIN SSL SESSION PARAMETERS-----\nZm9vYmFy\n-----END SSL SESSION PARAMETERS-----\n", in: directory)
        let bad = try Support.rtls(["client", "--connect", "127.0.0.1:9", "--insecure", "--sess-in", garbage])
        #expect(bad.status == 1, "\(bad.transcript)")
        #expect(bad.stderr.contains("cannot read session from"), "\(bad.transcript)")
    }

    @Test("usage errors exit 64", arguments: [
        ["sess-id"],
        ["sess-id", "--in", "x", "--inform", "XML"],
        ["sess-id", "--in", "x", "--text", "--json"],
        ["ticket-keys"],
        ["ticket-keys", "--out", "x", "--rotate", "--force"],
        ["server", "--ticket-key-file", "k", "--tickets", "stateful"],
        ["client", "--connect", "nohost"],
    ])
    func usageErrors(arguments: [String]) throws {
        let result = try Support.rtls(arguments)
        #expect(result.status == 64, "\(result.transcript)")
        #expect(result.stderr.contains("Error:"), "\(result.transcript)")
    }

    @Test("server --ticket-key-file with a bad file: exit 1 and an error line")
    func serverBadKeyFile() throws {
        let directory = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try file("not a key file\n", in: directory)
        let result = try Support.rtls(["server", "--port", "0", "--ticket-key-file", path], timeout: .seconds(15))
        #expect(result.status == 1, "\(result.transcript)")
        #expect(result.stderr.contains("Error: cannot load ticket keys: ticket key file line 1"), "\(result.transcript)")
    }
}

/// Security review L15: `rtls server --www` answers a malformed request once and closes.
@Suite(.serialized) struct MalformedRequestTests {
    typealias Support = RTLSTestSupport

    @Test("a malformed request line gets one 400 Bad Request and the connection is closed")
    func malformedRequestIsAnsweredOnceAndClosed() throws {
        let (server, port) = try Support.startRTLSServer()
        defer { server.stop() }
        // -ign_eof: s_client leaves only when the server closes; two bad lines would get two 400s.
        let result = try Support.openssl(["s_client", "-connect", "127.0.0.1:\(port)", "-tls1_3", "-ign_eof", "-quiet"],
                                         input: "GARBAGE\r\n\r\nMORE GARBAGE\r\n\r\n", timeout: .seconds(20))
        #expect(result.stdout.components(separatedBy: "400 Bad Request").count - 1 == 1, "\(result.transcript)")
        #expect(result.stdout.contains("Connection: close"), "\(result.transcript)")
    }
}

/// `rtls server --www` adds its HTTP handlers when a connection's first request bytes arrive
/// (an idle connection holds none): the first request is answered through them, and a second
/// request on the same kept-alive connection reaches the handlers the first one installed.
@Suite(.serialized) struct DeferredHTTPPipelineTests {
    typealias Support = RTLSTestSupport

    @Test("two requests on one kept-alive connection each get the page")
    func twoRequestsOnOneConnection() throws {
        let (server, port) = try Support.startRTLSServer()
        defer { server.stop() }
        let result = try Support.curl(["-sv", "-k", "--http1.1", "https://127.0.0.1:\(port)/", "https://127.0.0.1:\(port)/again"])
        #expect(result.stdout.components(separatedBy: "rtls server -www").count - 1 == 2, "\(result.transcript)")
        #expect(result.stderr.contains("Re-using existing connection") || result.stderr.contains("Reusing existing connection"),
                "\(result.transcript)")
    }
}
