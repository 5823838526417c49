import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import NIOResumableTLS
import ResumableTLS

/// `rtls client`: a TLS 1.3 client like `openssl s_client`, printing `New, ...` or
/// `Reused, ...` for each connection.
struct ClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client",
        abstract: "Connect to a TLS 1.3 server (like openssl s_client).",
        discussion: """
            Each connection does the handshake, sends the --get request if given (printing the
            reply), waits up to --ticket-wait ms for a session ticket, and closes. With
            --reconnect N it then reconnects N times, each time offering the session the
            previous connection ended with.
            """
    )
    // TODO(sessions): --sess-in FILE / --sess-out FILE, once the session file codec lands
    // (another engineer is writing it): read the session to offer from FILE, and write the
    // last connection's `session` to FILE.

    @Option(help: "host:port to connect to ([ipv6]:port for IPv6).")
    var connect: String

    @Option(help: "Server name for SNI and certificate checks (default: the host).")
    var servername: String?

    @Option(help: "Trust the certificates in this PEM file instead of the system roots.")
    var cafile: String?

    @Flag(help: "Do not verify the server's certificate (testing only).")
    var insecure = false

    @Option(help: "Reconnect this many times after the first connection, offering the last session.")
    var reconnect: Int = 0

    @Option(help: "ALPN protocols to offer, comma-separated, in preference order.")
    var alpn: String?

    @Option(help: "Send 'GET PATH HTTP/1.0' on each connection and print the reply.")
    var get: String?

    @Option(name: .customLong("ticket-wait"), help: "Milliseconds to wait for a session ticket before closing.")
    var ticketWait: Int = 1000

    func validate() throws {
        _ = try HostPort(parsing: connect)
        guard !(insecure && cafile != nil) else { throw ValidationError("--cafile and --insecure exclude each other") }
        guard (0...1000).contains(reconnect) else { throw ValidationError("--reconnect must be 0...1000 (got \(reconnect))") }
        guard (0...60_000).contains(ticketWait) else { throw ValidationError("--ticket-wait must be 0...60000 ms") }
        if let get, !get.hasPrefix("/") || get.contains(where: { $0.isNewline || $0 == " " }) {
            throw ValidationError("--get: expected a path like /index.html")
        }
        _ = try parseALPNList(alpn)
    }

    func run() async throws {
        let target = try HostPort(parsing: connect)
        let context = try makeContext(host: target.host)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            var session: TLSSession?
            for attempt in 0...reconnect {
                if attempt > 0 { Console.line("--- reconnect \(attempt)") }
                session = try await connectOnce(target: target, context: context, offering: session, group: group) ?? session
            }
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        try? await group.shutdownGracefully()
    }

    /// One connection; returns the session it ended with.
    private func connectOnce(target: HostPort, context: TLSContext, offering session: TLSSession?, group: any EventLoopGroup) async throws -> TLSSession? {
        let connection: TLSAsyncConnection
        do {
            connection = try await TLSClient.connect(host: target.host, port: target.port, context: context, offering: session, group: group)
        } catch {
            throw CLIError("cannot connect to \(target.host):\(target.port): \(error)")
        }
        Console.line("CONNECTED(\(target.host):\(target.port))")
        Console.line(SessionSummary.line(connection.negotiated))
        Console.line(SessionSummary.alpnLine(connection.negotiated))
        if let get {
            try await connection.write(Array("GET \(get) HTTP/1.0\r\n\r\n".utf8))
            do {
                let reply = try await connection.readToEnd()
                Console.write(String(decoding: reply, as: UTF8.self))
            } catch NIOTLSError.uncleanShutdown {
                Console.line("(the server closed without close_notify)")
            }
        }
        let newSession = await connection.newSession(timeout: .milliseconds(Int64(ticketWait)))
        Console.line("Session resumable: \(newSession?.isResumable == true ? "yes" : "no")")
        await connection.close()
        return newSession
    }

    private func makeContext(host: String) throws -> TLSContext {
        var configuration = TLSConfiguration.client(serverName: servername ?? host)
        if insecure {
            configuration.certificateVerification = .noVerificationForTestingOnly
        } else if let cafile {
            do {
                configuration.certificateVerification = .fullVerification(trustRoots: try .pem(path: cafile))
            } catch {
                throw CLIError("cannot read CA file '\(cafile)': \(error)")
            }
        }
        configuration.applicationProtocols = try parseALPNList(alpn)
        do {
            return try TLSContext(configuration)
        } catch {
            throw CLIError("bad client configuration: \(error)")
        }
    }
}
