import Foundation

/// What `openssl s_server` reported about one connection.
struct OpenSSLServerConnectionReport: Equatable, Sendable {
    /// `TLSv1.3` (from the brief report of `.reverseEcho` mode; nil in `.interactive` mode,
    /// where s_server does not print it; the server is TLS 1.3 only unless told otherwise).
    var protocolVersion: String?
    /// `CIPHER is …` / `Ciphersuite: …`, e.g. `TLS_AES_128_GCM_SHA256`.
    var cipher: String?
    /// `ALPN protocols selected: …`.
    var alpn: String?
    /// `Reused session-id` was printed (`.interactive` mode only).
    var reused = false
    /// The client certificate's `subject=` line, e.g. `O = …, CN = test-client`.
    var clientCertificateSubject: String?
    /// Application data the server printed as received (`.interactive` mode), lines joined by "\n".
    var received = ""
    /// The connection ended (`DONE` or `CONNECTION CLOSED` was seen).
    var closed = false
}

/// `openssl s_server -tls1_3` on 127.0.0.1 with a port chosen by the OS.
///
/// `-accept 127.0.0.1:0` makes OpenSSL 3.0 bind an OS-chosen port and print
/// `ACCEPT 127.0.0.1:41231` on stdout, which `start` waits for. (`-brief` suppresses that
/// line, so this wrapper never passes `-brief`.) s_server stops when its stdin reaches end
/// of file, so the wrapper keeps stdin open until `stop()`.
///
/// Modes:
/// - `.interactive` (default): prints, per connection, `ALPN protocols selected: h2`,
///   `Client certificate` + `subject=…`, `CIPHER is …`, `Reused session-id` (on resumption),
///   then the data it receives; `send(_:)` sends text to the connected client.
///   Parsed by `connectionReports`.
/// - `.reverseEcho` (`-rev`): echoes each received line reversed; a line `CLOSE` makes it
///   close the connection (so an `s_client -ign_eof` exits). Reports brief lines
///   (`Protocol version:`, `Ciphersuite:`) on stderr, but not resumption.
/// - `.www` (`-www`): answers any request with an HTML page holding its own view of the
///   connection (`New, TLSv1.3, Cipher is …` or `Reused, …`), then closes.
final class OpenSSLServer {
    enum Mode: Sendable { case interactive, reverseEcho, www }

    /// Client certificate policy.
    enum ClientAuthentication: Sendable {
        case none
        /// `-verify N`: ask for a certificate, accept a client without one.
        case request
        /// `-Verify N`: require a verified client certificate.
        case require
    }

    struct Options: Sendable {
        var certificatePath = TestCertificates.ecdsaP256.certificatePath
        var keyPath = TestCertificates.ecdsaP256.keyPath
        /// `-cert_chain`: extra certificates sent after the leaf.
        var chainPath: String?
        /// `-CAfile`: trust anchors for client certificates.
        var caFile: String? = TestCertificates.caPath
        var mode = Mode.interactive
        var clientAuthentication = ClientAuthentication.none
        /// `-groups`, e.g. `X25519:P-256`.
        var groups: String?
        /// `-ciphersuites` (TLS 1.3), e.g. `TLS_AES_128_GCM_SHA256`.
        var ciphersuites: String?
        /// `-alpn h2,http/1.1` (the server picks its first that the client offers).
        var alpn: [String] = []
        /// `-num_tickets`.
        var numTickets: Int?
        /// `-allow_no_dhe_kex`: accept psk_ke (PSK without (EC)DHE) resumption.
        var allowNoDHEKeyExchange = false
        /// `-naccept`: exit after this many connections.
        var maxConnections: Int?
        /// Appended last.
        var extraArguments: [String] = []
        /// Protocol flag; `-tls1_3` unless replaced.
        var protocolArguments = ["-tls1_3"]

        init() {}

        /// Options for one of the test certificates.
        init(certificate: TestCertificates) {
            certificatePath = certificate.certificatePath
            keyPath = certificate.keyPath
        }

        var arguments: [String] {
            var arguments = ["s_server", "-accept", "127.0.0.1:0"] + protocolArguments
            arguments += ["-cert", certificatePath, "-key", keyPath]
            if let chainPath { arguments += ["-cert_chain", chainPath] }
            if let caFile { arguments += ["-CAfile", caFile] }
            switch mode {
            case .interactive: break
            case .reverseEcho: arguments.append("-rev")
            case .www: arguments.append("-www")
            }
            switch clientAuthentication {
            case .none: break
            case .request: arguments += ["-verify", "4"]
            case .require: arguments += ["-Verify", "4", "-verify_return_error"]
            }
            if let groups { arguments += ["-groups", groups] }
            if let ciphersuites { arguments += ["-ciphersuites", ciphersuites] }
            if !alpn.isEmpty { arguments += ["-alpn", alpn.joined(separator: ",")] }
            if let numTickets { arguments += ["-num_tickets", String(numTickets)] }
            if allowNoDHEKeyExchange { arguments.append("-allow_no_dhe_kex") }
            if let maxConnections { arguments += ["-naccept", String(maxConnections)] }
            return arguments + extraArguments
        }
    }

    let options: Options
    /// The underlying process (captured output, `transcript`).
    let process: PeerProcess
    /// The port s_server reported on its `ACCEPT` line.
    let port: UInt16

    /// Starts the server and waits (at most `timeout`) for its `ACCEPT` line.
    /// Call `stop()` when done (`defer`), or use `OpenSSLServer.run(_:_:)`.
    static func start(_ options: Options = Options(), timeout: Duration = .seconds(10)) throws -> OpenSSLServer {
        let process = try PeerProcess(executable: PeerTool.openssl(), arguments: options.arguments)
        do {
            let line = try process.waitForLine(in: .stdout, timeout: timeout) { $0.hasPrefix("ACCEPT ") }
            guard let colon = line.lastIndex(of: ":"), let port = UInt16(line[line.index(after: colon)...]), port != 0 else {
                throw PeerError("cannot read the port from s_server's line \"\(line)\"", peer: process)
            }
            return OpenSSLServer(options: options, process: process, port: port)
        } catch {
            process.terminate()
            throw error
        }
    }

    /// Starts a server, runs `body`, and stops the server however `body` ends.
    static func run<R>(_ options: Options = Options(), _ body: (OpenSSLServer) throws -> R) throws -> R {
        let server = try start(options)
        defer { server.stop() }
        return try body(server)
    }

    /// Starts a server, runs `body`, and stops the server however `body` ends.
    static func run<R>(_ options: Options = Options(), _ body: (OpenSSLServer) async throws -> R) async throws -> R {
        let server = try start(options)
        defer { server.stop() }
        return try await body(server)
    }

    private init(options: Options, process: PeerProcess, port: UInt16) {
        self.options = options
        self.process = process
        self.port = port
    }

    /// Stops the server (never throws; safe to call twice).
    func stop() { process.terminate() }

    /// `.interactive` mode: sends `text` to the connected client (s_server forwards its stdin).
    func send(_ text: String) throws { try process.write(text) }

    /// The connections reported so far, parsed from stdout (`.interactive`) or stderr
    /// (`.reverseEcho`). Empty in `.www` mode (read the page instead: `OpenSSLServer.parseWWWPage`).
    var connectionReports: [OpenSSLServerConnectionReport] {
        switch options.mode {
        case .interactive: return Self.parseInteractiveReports(process.lines(of: .stdout))
        case .reverseEcho: return Self.parseBriefReports(process.lines(of: .stderr))
        case .www: return []
        }
    }

    /// Waits until `count` connections have been reported and closed; returns all reports.
    func waitForConnectionReports(count: Int, timeout: Duration = .seconds(10)) throws -> [OpenSSLServerConnectionReport] {
        try process.waitFor("\(count) closed connection report(s)", timeout: timeout) { _ in
            let reports = self.connectionReports
            return reports.filter(\.closed).count >= count ? reports : nil
        }
    }

    /// Parses `.interactive` stdout: one report per connection, ended by `CONNECTION CLOSED`.
    static func parseInteractiveReports(_ lines: [String]) -> [OpenSSLServerConnectionReport] {
        var reports: [OpenSSLServerConnectionReport] = []
        var current = OpenSSLServerConnectionReport()
        var started = false
        var inData = false
        var inPEM = false
        var afterClientCertificate = false
        var received: [String] = []
        for line in lines {
            if line.hasPrefix("-----BEGIN") { inPEM = true; started = true; continue }
            if line.hasPrefix("-----END") { inPEM = false; continue }
            if inPEM { continue }
            // `DONE` ends a connection's data (the client closed). s_server's stdout is
            // buffered, so the `shutting down SSL` / `CONNECTION CLOSED` that follow may
            // only appear with the next connection's output: do not wait for them.
            if (inData && line == "DONE") || (started && line == "CONNECTION CLOSED") {
                current.received = received.joined(separator: "\n")
                current.closed = true
                reports.append(current)
                current = OpenSSLServerConnectionReport(); started = false; inData = false; received = []
                continue
            }
            if line == "shutting down SSL" || line == "CONNECTION CLOSED" { continue }
            if inData {
                received.append(line)
                continue
            }
            if line.hasPrefix("ALPN protocols selected: ") {
                current.alpn = String(line.dropFirst("ALPN protocols selected: ".count)); started = true
            } else if line == "Client certificate" {
                afterClientCertificate = true
            } else if afterClientCertificate, line.hasPrefix("subject=") {
                current.clientCertificateSubject = String(line.dropFirst("subject=".count)); afterClientCertificate = false
            } else if line.hasPrefix("CIPHER is ") {
                current.cipher = String(line.dropFirst("CIPHER is ".count)); started = true
            } else if line == "Reused session-id" {
                current.reused = true
            } else if line.hasPrefix("Secure Renegotiation IS") {
                inData = true
            }
        }
        if started || current.cipher != nil {
            current.received = received.joined(separator: "\n")
            reports.append(current)
        }
        return reports
    }

    /// Parses the brief report (`CONNECTION ESTABLISHED`, `Protocol version:`, `Ciphersuite:`,
    /// `Peer certificate:`, `CONNECTION CLOSED`) that `-rev` mode prints on stderr.
    static func parseBriefReports(_ lines: [String]) -> [OpenSSLServerConnectionReport] {
        var reports: [OpenSSLServerConnectionReport] = []
        for line in lines {
            if line == "CONNECTION ESTABLISHED" {
                reports.append(OpenSSLServerConnectionReport())
            } else if !reports.isEmpty {
                if line.hasPrefix("Protocol version: ") {
                    reports[reports.count - 1].protocolVersion = String(line.dropFirst("Protocol version: ".count))
                } else if line.hasPrefix("Ciphersuite: ") {
                    reports[reports.count - 1].cipher = String(line.dropFirst("Ciphersuite: ".count))
                } else if line.hasPrefix("Peer certificate: ") {
                    reports[reports.count - 1].clientCertificateSubject = String(line.dropFirst("Peer certificate: ".count))
                } else if line == "CONNECTION CLOSED" {
                    reports[reports.count - 1].closed = true
                }
            }
        }
        return reports
    }

    /// Reads the server's view from a `-www` page: (`reused`, protocol, cipher) from its
    /// `New, TLSv1.3, Cipher is …` / `Reused, …` line; nil if the page has no such line.
    static func parseWWWPage(_ page: String) -> (reused: Bool, protocolVersion: String, cipher: String)? {
        for line in page.split(separator: "\n").map(String.init) {
            if let summary = OpenSSLClientReport.parseSessionLine(line) { return summary }
        }
        return nil
    }
}
