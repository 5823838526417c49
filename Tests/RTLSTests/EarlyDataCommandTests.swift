import Foundation
import Testing

/// S29 on the wire with real peers: `openssl s_client -early_data` and `gnutls-cli --earlydata`
/// against `rtls server --early-data --www`, a server that declines (same ticket keys, no
/// `--early-data`), and `rtls client --early-data` against `openssl s_server` with and without
/// `-early_data`. Every process a test starts is stopped before it returns.
@Suite(.serialized) struct EarlyDataCommandTests {
    typealias Support = RTLSTestSupport

    static let request = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"

    /// A directory with a ticket key file and the request in `request.txt`.
    private static func prepare() throws -> (directory: URL, keys: String, request: String) {
        let directory = try Support.temporaryDirectory()
        let keys = directory.appendingPathComponent("ticket.keys").path
        let made = try Support.rtls(["ticket-keys", "--out", keys])
        guard made.status == 0 else { throw ChildProcessError(description: "rtls ticket-keys failed\n\(made.transcript)") }
        let request = directory.appendingPathComponent("request.txt").path
        try Self.request.write(toFile: request, atomically: true, encoding: .utf8)
        return (directory, keys, request)
    }

    @Test("S29: openssl s_client -early_data: accepted by rtls server --early-data (the request arrives as early data); rejected and skipped by a server without it, which answers in 1-RTT")
    func opensslClientAgainstOurServer() async throws {
        try await Support.offPool { try Self.opensslClientAgainstOurServerBody() }
    }

    private static func opensslClientAgainstOurServerBody() throws {
        let (directory, keys, request) = try prepare()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (accepting, acceptingPort) = try Support.startRTLSServer(["--early-data", "--ticket-key-file", keys])
        defer { accepting.stop() }
        let (declining, decliningPort) = try Support.startRTLSServer(["--ticket-key-file", keys])
        defer { declining.stop() }
        let session = directory.appendingPathComponent("session.pem").path

        let made = try Support.opensslGet(port: acceptingPort, ["-sess_out", session])
        #expect(made.stdout.contains("New, TLSv1.3"), "\(made.transcript)")
        #expect(Support.value(made.stdout, after: "Max Early Data:") == "16384", "the ticket allows 16 KiB of early data")

        let early = try Support.openssl(["s_client", "-connect", "127.0.0.1:\(acceptingPort)", "-tls1_3", "-ign_eof",
                                         "-sess_in", session, "-early_data", request], input: "", timeout: .seconds(20))
        #expect(early.stdout.contains("Reused, TLSv1.3") && early.stdout.contains("Early data was accepted"), "\(early.transcript)")
        #expect(early.stdout.contains("HTTP/1.1 200 OK") && early.stdout.contains("this request arrived as early data (0-RTT)"), "\(early.transcript)")

        // The same ticket at a server with the same keys but without --early-data: the early data
        // is skipped, the handshake resumes in 1-RTT and the request sent after it is answered.
        let declined = try Support.openssl(["s_client", "-connect", "127.0.0.1:\(decliningPort)", "-tls1_3", "-ign_eof",
                                            "-sess_in", session, "-early_data", request], input: Self.request, timeout: .seconds(20))
        #expect(declined.stdout.contains("Reused, TLSv1.3") && declined.stdout.contains("Early data was rejected"), "\(declined.transcript)")
        #expect(declined.stdout.contains("HTTP/1.1 200 OK") && declined.stdout.contains("arrived after the handshake (1-RTT)"), "\(declined.transcript)")
    }

    @Test("S29: gnutls-cli --earlydata (3.7) against rtls server --early-data: the request arrives as early data")
    func gnutlsClientAgainstOurServer() async throws {
        try await Support.offPool { try Self.gnutlsClientAgainstOurServerBody() }
    }

    private static func gnutlsClientAgainstOurServerBody() throws {
        let (directory, keys, request) = try prepare()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (server, port) = try Support.startRTLSServer(["--early-data", "--ticket-key-file", keys])
        defer { server.stop() }
        let result = try runCommand("/usr/bin/gnutls-cli", ["--insecure", "--port", "\(port)", "127.0.0.1", "--resume",
                                                            "--earlydata", request], input: "", timeout: .seconds(20))
        #expect(result.stdout.contains("this request arrived as early data (0-RTT)"), "\(result.transcript)")
    }

    /// `openssl s_server` in echo mode (stdin kept open), printing what it receives.
    private static func startOpenSSLEchoServer(certificate: String, key: String, earlyData: Bool) throws -> (server: ChildProcess, port: Int) {
        let server = try ChildProcess(try Support.opensslPath(), ["s_server", "-accept", "127.0.0.1:0", "-tls1_3", "-cert", certificate, "-key", key]
                                      + (earlyData ? ["-early_data"] : []))
        do {
            let line = try server.waitForStdoutLine { $0.hasPrefix("ACCEPT ") }
            guard let colon = line.lastIndex(of: ":"), let port = Int(line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)) else {
                throw ChildProcessError(description: "bad ACCEPT line '\(line)'")
            }
            return (server, port)
        } catch {
            server.stop()
            throw error
        }
    }

    @Test("S29: rtls client --early-data: accepted by openssl s_server -early_data; without -early_data rejected, sent again after the handshake", arguments: [true, false])
    func ourClientAgainstOpenSSLServer(earlyData: Bool) async throws {
        try await Support.offPool { try Self.ourClientAgainstOpenSSLServerBody(earlyData: earlyData) }
    }

    private static func ourClientAgainstOpenSSLServerBody(earlyData: Bool) throws {
        let (directory, _, request) = try prepare()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (certificate, key) = try Support.makeCertificate(in: directory)
        let (server, port) = try startOpenSSLEchoServer(certificate: certificate, key: key, earlyData: earlyData)
        defer { server.stop() }
        let session = directory.appendingPathComponent("session.pem").path
        let first = try Support.rtls(["client", "--connect", "127.0.0.1:\(port)", "--cafile", certificate, "--sess-out", session])
        #expect(first.status == 0 && first.stdout.contains("Session resumable: yes"), "\(first.transcript)")

        let resumed = try Support.rtls(["client", "--connect", "127.0.0.1:\(port)", "--cafile", certificate, "--sess-in", session,
                                        "--early-data", request])
        #expect(resumed.status == 0 && resumed.stdout.contains("Reused, TLSv1.3"), "\(resumed.transcript)")
        if earlyData {
            #expect(resumed.stdout.contains("Early data was accepted"), "\(resumed.transcript)")
            _ = try server.waitForStdoutLine { $0.contains("Early data received") }
        } else {
            #expect(resumed.stdout.contains("Early data was rejected") && resumed.stdout.contains("Early data sent again after the handshake"),
                    "\(resumed.transcript)")
            #expect(!server.stdout.contains("Early data received"))
        }
        // Either way, s_server got the request.
        _ = try server.waitForStdoutLine { $0.contains("GET / HTTP/1.1") }
    }

    private struct FirstByteFigure: Decodable {
        var mode: String
        var connections: Int
        var p50Microseconds: Double
        var p99Microseconds: Double
        var resumed: Int
        var earlyDataAccepted: Int
    }

    @Test("rtls bench-first-byte: full, resumed and 0-RTT connections each answered; every resumed one resumed, every 0-RTT one accepted")
    func firstByteBenchmark() async throws {
        let result = try await Support.offPool { try Support.rtls(["bench-first-byte", "--seconds", "0.2", "--json"], timeout: .seconds(120)) }
        #expect(result.status == 0, "\(result.transcript)")
        let figures = try JSONDecoder().decode([FirstByteFigure].self, from: Data(result.stdout.utf8))
        #expect(figures.map(\.mode) == ["full", "resumed", "0-rtt"])
        for figure in figures {
            #expect(figure.connections >= 10 && figure.p99Microseconds >= figure.p50Microseconds && figure.p50Microseconds > 0, "\(figure)")
        }
        #expect(figures[0].resumed == 0 && figures[0].earlyDataAccepted == 0)
        #expect(figures[1].resumed == figures[1].connections && figures[1].earlyDataAccepted == 0)
        #expect(figures[2].resumed == figures[2].connections && figures[2].earlyDataAccepted == figures[2].connections)
    }

    @Test("Bad --early-data arguments are usage errors", arguments: [
        ["server", "--port", "0", "--max-early-data", "100"],
        ["server", "--port", "0", "--early-data", "--max-early-data", "0"],
        ["client", "--connect", "127.0.0.1:1", "--early-data", ""],
    ])
    func badArguments(arguments: [String]) async throws {
        let result = try await Support.offPool { try Support.rtls(arguments) }
        #expect(result.status == 64, "\(result.transcript)")
        #expect(result.stderr.contains("early-data"), "\(result.transcript)")
    }
}
