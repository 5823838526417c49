import Foundation

/// One JSON line from `Fixtures/python/tls_client.py` or `tls_server.py`.
struct PythonConnectionReport: Decodable, Equatable, Sendable {
    var connection: Int
    /// `TLSv1.3`.
    var version: String?
    /// OpenSSL's name, e.g. `TLS_AES_256_GCM_SHA384`.
    var cipher: String?
    var alpn: String?
    var sessionReused: Bool?
    /// Common name of the peer's certificate (client: the server's; server: the client's, if any).
    var peerCommonName: String?
    var received: String?
    /// Set instead of the fields above when the connection failed.
    var error: String?

    enum CodingKeys: String, CodingKey {
        case connection, version, cipher, alpn, received, error
        case sessionReused = "session_reused"
        case peerCommonName = "peer_common_name"
    }

    /// Decodes every line that is a JSON connection report (other lines are ignored).
    static func parseLines(_ lines: [String]) -> [PythonConnectionReport] {
        lines.compactMap { line in
            guard line.hasPrefix("{"), line.contains("\"connection\"") else { return nil }
            return try? JSONDecoder().decode(PythonConnectionReport.self, from: Data(line.utf8))
        }
    }
}

/// Options shared by the Python peers (see `Fixtures/python/tls_common.py`).
struct PythonTLSOptions: Sendable {
    var cafile: String? = TestCertificates.caPath
    /// Own certificate chain and key (server: required; client: for client auth).
    var certificatePath: String?
    var keyPath: String?
    var alpn: [String] = []
    /// TLS 1.3 suites / groups; applied through an OpenSSL config file, since Python 3.11's
    /// `ssl` has no API for them.
    var tls13Ciphersuites: String?
    var groups: String?
    var timeoutSeconds = 10
    /// TLS 1.2 only (`maximum_version = TLSv1_2`), and `OP_NO_TICKET` (session IDs only).
    var tls12 = false
    var noTicket = false

    var arguments: [String] {
        var arguments: [String] = ["--timeout", String(timeoutSeconds)]
        if tls12 { arguments.append("--tls12") }
        if noTicket { arguments.append("--no-ticket") }
        if let cafile { arguments += ["--cafile", cafile] }
        if let certificatePath { arguments += ["--cert", certificatePath] }
        if let keyPath { arguments += ["--key", keyPath] }
        if !alpn.isEmpty { arguments += ["--alpn", alpn.joined(separator: ",")] }
        if let tls13Ciphersuites { arguments += ["--tls13-ciphersuites", tls13Ciphersuites] }
        if let groups { arguments += ["--groups", groups] }
        return arguments
    }
}

/// `python3 Fixtures/python/tls_client.py`: connects `1 + resume` times (each later one
/// offering the previous session), sends `send`, reads the reply, and reports each
/// connection as a `PythonConnectionReport`.
enum PythonTLSClient {
    struct Options: Sendable {
        var port: UInt16
        var common = PythonTLSOptions()
        var serverName = "localhost"
        var resume = 0
        var send = "hello\n"
        /// Read until this many bytes arrived (0: until the server closes).
        var expectBytes = 1

        init(port: UInt16) { self.port = port }
    }

    /// Runs the client to completion (killed after `timeout`); returns one report per
    /// connection, in order. A connection that failed has `error` set (and ends the run).
    static func run(_ options: Options, timeout: Duration = .seconds(15)) throws -> [PythonConnectionReport] {
        let script = TestFixtures.path("python/tls_client.py")
        let arguments = [script, "--port", String(options.port), "--servername", options.serverName,
                         "--resume", String(options.resume), "--send", options.send,
                         "--expect-bytes", String(options.expectBytes)] + options.common.arguments
        let process = try PeerProcess(executable: PeerTool.python3(), arguments: arguments)
        defer { process.terminate() }
        process.closeStdin()
        try process.waitForExit(timeout: timeout)
        let reports = PythonConnectionReport.parseLines(process.lines(of: .stdout))
        guard !reports.isEmpty else { throw PeerError("tls_client.py reported no connection", peer: process) }
        return reports
    }
}

/// `python3 Fixtures/python/tls_server.py`: listens on an OS-chosen port on 127.0.0.1,
/// serves `count` connections (reads a line, echoes it, closes) and reports each.
final class PythonTLSServer {
    struct Options: Sendable {
        var common = PythonTLSOptions(certificatePath: TestCertificates.ecdsaP256.chainPath,
                                      keyPath: TestCertificates.ecdsaP256.keyPath)
        var count = 1
        var requireClientCertificate = false
        var numTickets = 2

        init() {}
    }

    let process: PeerProcess
    /// The port the script bound (its first line, `{"port": N}`).
    let port: UInt16

    /// Starts the server and waits for its port. Call `stop()` (`defer`) or use `run`.
    static func start(_ options: Options = Options(), timeout: Duration = .seconds(10)) throws -> PythonTLSServer {
        var arguments = [TestFixtures.path("python/tls_server.py"), "--count", String(options.count),
                         "--num-tickets", String(options.numTickets)] + options.common.arguments
        if options.requireClientCertificate { arguments.append("--require-client-cert") }
        let process = try PeerProcess(executable: PeerTool.python3(), arguments: arguments)
        do {
            let port = try process.waitFor("the {\"port\": N} line", timeout: timeout) { peer -> UInt16? in
                for line in peer.lines(of: .stdout).dropLast() where line.hasPrefix("{\"port\":") {
                    let digits = line.filter(\.isNumber)
                    return UInt16(digits)
                }
                return nil
            }
            return PythonTLSServer(process: process, port: port)
        } catch {
            process.terminate()
            throw error
        }
    }

    /// Starts a server, runs `body`, and stops the server however `body` ends.
    static func run<R>(_ options: Options = Options(), _ body: (PythonTLSServer) throws -> R) throws -> R {
        let server = try start(options)
        defer { server.stop() }
        return try body(server)
    }

    /// Starts a server, runs `body`, and stops the server however `body` ends.
    static func run<R>(_ options: Options = Options(), _ body: (PythonTLSServer) async throws -> R) async throws -> R {
        let server = try start(options)
        defer { server.stop() }
        return try await body(server)
    }

    private init(process: PeerProcess, port: UInt16) {
        self.process = process
        self.port = port
    }

    /// Reports printed so far.
    var connectionReports: [PythonConnectionReport] { PythonConnectionReport.parseLines(Array(process.lines(of: .stdout).dropLast())) }

    /// Waits until `count` connections were reported; returns all reports.
    func waitForConnectionReports(count: Int, timeout: Duration = .seconds(10)) throws -> [PythonConnectionReport] {
        try process.waitFor("\(count) connection report(s)", timeout: timeout) { _ in
            let reports = self.connectionReports
            return reports.count >= count ? reports : nil
        }
    }

    func stop() { process.terminate() }
}
