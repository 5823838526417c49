import Foundation

/// `gnutls-serv --http` on a loopback port (install: `apt-get install -y gnutls-bin`).
///
/// gnutls-serv cannot report a port the OS chose (`-p 0` prints `port 0`), so the port is one
/// the OS just handed to a listener we closed; a server that cannot bind it is retried on
/// another. It runs under `stdbuf -oL` (coreutils) so that its stdout is line-buffered. It listens on all interfaces (it has no address option); the tests talk to it over
/// 127.0.0.1 only. Its `--http` page includes the session ID and whether the session resumed.
final class GnuTLSServer: @unchecked Sendable {   // lets only; the process is driven from one test
    struct Options: Sendable {
        var certificate = TestCertificates.ecdsaP256
        /// `--priority`; TLS 1.2 only by default.
        var priority = "NORMAL:-VERS-ALL:+VERS-TLS1.2"
        /// `--noticket`: session IDs only.
        var noTicket = false
    }

    let process: PeerProcess
    let port: UInt16

    private init(process: PeerProcess, port: UInt16) {
        self.process = process
        self.port = port
    }

    /// Starts the server and waits until it accepts connections.
    static func start(_ options: Options, attempts: Int = 3) throws -> GnuTLSServer {
        var lastError: (any Error)?
        for _ in 0..<attempts {
            let port = try LoopbackListener().port   // closed at once: the port is free now
            var arguments = ["-p", String(port), "--http", "--x509certfile", options.certificate.certificatePath,
                             "--x509keyfile", options.certificate.keyPath, "--priority", options.priority]
            if options.noTicket { arguments.append("--noticket") }
            // gnutls-serv buffers stdout on a pipe: stdbuf makes it line-buffered, so its
            // "listening" and "*** This is a resumed session" lines arrive as they happen.
            let process = try PeerProcess(executable: "/usr/bin/stdbuf", arguments: ["-oL", try PeerTool.gnutlsServ()] + arguments)
            do {
                _ = try process.waitFor("gnutls-serv listening", timeout: .seconds(10)) { peer -> Bool? in
                    // The "listening" lines go to stderr, the per-connection reports to stdout.
                    if peer.lines(of: .stderr).contains(where: { $0.contains("listening on IPv4") && $0.contains("done") }) { return true }
                    if !peer.isRunning { return false }
                    return nil
                }
                if process.isRunning { return GnuTLSServer(process: process, port: port) }
                lastError = PeerError("gnutls-serv exited: \(process.stdout)\n\(process.stderr)")
                process.terminate()
            } catch {
                lastError = error
                process.terminate()
            }
        }
        throw PeerError("gnutls-serv did not start: \(lastError.map { "\($0)" } ?? "port taken")")
    }

    /// Starts a server, runs `body`, and stops the server however `body` ends.
    static func run<R>(_ options: Options, _ body: (GnuTLSServer) async throws -> R) async throws -> R {
        // Starting blocks while it waits for the server: not on the cooperative pool.
        let server = try await runOnThread { try start(options) }
        defer { server.process.terminate() }
        return try await body(server)
    }
}
