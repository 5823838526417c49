import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import NIOResumableTLS
import ResumableTLS

/// `rtls client`: a TLS 1.3 / 1.2 client like `openssl s_client`, printing `New, ...` or
/// `Reused, ...` for each connection.
struct ClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client",
        abstract: "Connect to a TLS 1.3 or TLS 1.2 server (like openssl s_client).",
        discussion: """
            Each connection does the handshake, sends the --get request if given (printing the
            reply), waits up to --ticket-wait ms for a session ticket, and closes. With
            --reconnect N it then reconnects N times, each time offering the session the
            previous connection ended with.
            --sess-in FILE offers the session in FILE on the first connection (PEM or DER, as
            'openssl s_client -sess_out' writes it); --sess-out FILE writes the newest session
            as PEM after each connection, for 'openssl s_client -sess_in' or a later run.
            --json prints one JSON object per connection instead of the s_client-style lines.
            """
    )

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

    @Option(name: .customLong("sess-in"), help: "Offer the session in this file (PEM or DER) on the first connection.")
    var sessionInput: String?

    @Option(name: .customLong("sess-out"), help: "Write the newest session to this file (PEM) after each connection.")
    var sessionOutput: String?

    @Option(name: .customLong("early-data"), help: "Send this file's contents as TLS 1.3 early data (0-RTT, like openssl s_client -early_data) on each connection that offers a session allowing it; prints whether it was accepted, and re-sends it after the handshake if not. Only requests that are safe to replay belong there.")
    var earlyDataFile: String?

    @OptionGroup var versions: ProtocolVersionOptions

    @Flag(help: "Print one JSON object per connection (one line each) instead of the s_client-style lines.")
    var json = false

    func validate() throws {
        _ = try HostPort(parsing: connect)
        guard !(insecure && cafile != nil) else { throw ValidationError("--cafile and --insecure exclude each other") }
        guard (0...1000).contains(reconnect) else { throw ValidationError("--reconnect must be 0...1000 (got \(reconnect))") }
        guard (0...60_000).contains(ticketWait) else { throw ValidationError("--ticket-wait must be 0...60000 ms") }
        if let get, !get.hasPrefix("/") || get.contains(where: { $0.isNewline || $0 == " " }) {
            throw ValidationError("--get: expected a path like /index.html")
        }
        _ = try parseALPNList(alpn)
        if let sessionInput, sessionInput.isEmpty { throw ValidationError("--sess-in: empty file name") }
        if let sessionOutput, sessionOutput.isEmpty { throw ValidationError("--sess-out: empty file name") }
        if let earlyDataFile, earlyDataFile.isEmpty { throw ValidationError("--early-data: empty file name") }
    }

    /// The most early data `--early-data` reads: what a ticket can allow at most in practice.
    static let maximumEarlyDataFileSize = 1 << 20

    func run() async throws {
        let target = try HostPort(parsing: connect)
        let sessionFile = try sessionInput.map { try SessionFile.load($0, format: nil) }
        // The saved session's suite goes first: a server that picks the suite by the client's
        // order (OpenSSL's default) can then accept the PSK, whose hash must match.
        let context = try makeContext(host: target.host, preferring: try sessionFile?.session(contextID: UUID()).cipherSuite)
        var session = try sessionFile.map { try offerableSession(from: $0, contextID: context.contextID) }
        let earlyData = try earlyDataFile.map(Self.readEarlyData)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var progress = ProgressReporter(label: "rtls client")
        do {
            for attempt in 0...reconnect {
                if attempt > 0 && !json { Console.line("--- reconnect \(attempt)") }
                session = try await connectOnce(attempt: attempt, target: target, context: context, offering: session, group: group,
                                                earlyData: earlyData) ?? session
                if let sessionOutput, let session {
                    try SessionFile.write(session, to: sessionOutput, format: .pem)
                    if !session.isResumable {
                        FileHandle.standardError.write(Data("rtls client: warning: wrote a session that cannot resume to '\(sessionOutput)' (no ticket arrived within --ticket-wait)\n".utf8))
                    }
                }
                if reconnect > 0 { progress.update("connections", done: attempt + 1, total: reconnect + 1) }
            }
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        try? await group.shutdownGracefully()
    }

    /// The `--sess-in` session for `contextID`; warns on stderr when it cannot be offered.
    private func offerableSession(from file: LoadedSessionFile, contextID: UUID) throws -> TLSSession {
        let session = try file.session(contextID: contextID)
        if let reason = SessionFile.reasonNotOfferable(session) {
            FileHandle.standardError.write(Data("rtls client: warning: not offering the session in '\(file.path)': \(reason)\n".utf8))
        }
        return session
    }

    /// The `--early-data` file, bounded.
    private static func readEarlyData(_ path: String) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CLIError("cannot read --early-data file '\(path)'") }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: maximumEarlyDataFileSize + 1)) ?? Data()
        guard data.count <= maximumEarlyDataFileSize else {
            throw CLIError("--early-data file '\(path)' is larger than \(maximumEarlyDataFileSize) bytes")
        }
        return Array(data)
    }

    /// One connection; returns the session it ended with.
    private func connectOnce(attempt: Int, target: HostPort, context: TLSContext, offering session: TLSSession?, group: any EventLoopGroup,
                             earlyData: [UInt8]?) async throws -> TLSSession? {
        let start = ContinuousClock.now
        let connection: TLSAsyncConnection
        // Early data needs a session to go with; without one it is simply sent after the handshake.
        let zeroRTT = session == nil ? nil : earlyData
        do {
            connection = try await TLSClient.connect(host: target.host, port: target.port, context: context, offering: session, group: group,
                                                     earlyData: zeroRTT)
        } catch {
            throw CLIError("cannot connect to \(target.host):\(target.port): \(error)")
        }
        let handshakeTime = ContinuousClock.now - start
        if !json {
            Console.line("CONNECTED(\(target.host):\(target.port))")
            Console.line(SessionSummary.line(connection.negotiated))
            Console.line(SessionSummary.alpnLine(connection.negotiated))
        }
        if let earlyData {
            if zeroRTT != nil, !json {
                // openssl s_client's wording, so scripts written for it read ours.
                Console.line(connection.negotiated.earlyData == .accepted ? "Early data was accepted" : "Early data was rejected")
            }
            if connection.negotiated.earlyData != .accepted {
                try await connection.write(earlyData)   // not delivered as early data: send it now
                if !json { Console.line("Early data sent again after the handshake (\(earlyData.count) bytes)") }
            }
        }
        var reply: String?
        if let get {
            try await connection.write(Array("GET \(get) HTTP/1.0\r\n\r\n".utf8))
            do {
                reply = String(decoding: try await connection.readToEnd(), as: UTF8.self)
            } catch NIOTLSError.uncleanShutdown {
                if !json { Console.line("(the server closed without close_notify)") }
            }
            if let reply, !json { Console.write(reply) }
        }
        let newSession = try await connection.newSession(timeout: .milliseconds(Int64(ticketWait)))
        let resumable = newSession?.isResumable == true
        if json {
            Console.line(ClientConnectionReport(
                connection: attempt, host: target.host, port: target.port, negotiated: connection.negotiated,
                handshakeTime: handshakeTime, sessionResumable: resumable, reply: reply,
                earlyData: earlyData == nil ? nil : connection.negotiated.earlyData == .accepted ? "accepted" : "rejected").json)
        } else {
            Console.line("Session resumable: \(resumable ? "yes" : "no")")
        }
        await connection.close()
        return newSession
    }

    private func makeContext(host: String, preferring preferredSuite: CipherSuite?) throws -> TLSContext {
        var configuration = TLSConfiguration.client(serverName: servername ?? host)
        if let preferredSuite, configuration.cipherSuites.contains(preferredSuite) {
            configuration.cipherSuites = [preferredSuite] + configuration.cipherSuites.filter { $0 != preferredSuite }
        }
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
        versions.apply(to: &configuration)
        do {
            return try TLSContext(configuration)
        } catch {
            throw CLIError("bad client configuration: \(error)")
        }
    }
}

/// One connection of `rtls client --json`.
struct ClientConnectionReport: Encodable {
    /// 0 for the first connection, then 1, 2, … for each reconnect.
    var connection: Int
    /// The host connected to.
    var host: String
    /// The port connected to.
    var port: Int
    /// Whether the handshake resumed the offered session.
    var reused: Bool
    /// `TLSv1.3` or `TLSv1.2`.
    var `protocol`: String
    /// `TLS_AES_128_GCM_SHA256`.
    var cipher: String
    /// The key-exchange group, or nil for a psk_ke resumption.
    var group: String?
    /// The ALPN protocol agreed, if any.
    var alpn: String?
    /// TCP connect and handshake, in milliseconds.
    var handshakeMilliseconds: Double
    /// Whether the connection ended with a session that can resume the next one.
    var sessionResumable: Bool
    /// The reply to `--get`, if any.
    var reply: String?
    /// With `--early-data`: `accepted`, or `rejected` (then sent after the handshake).
    var earlyData: String?

    init(connection: Int, host: String, port: Int, negotiated: NegotiatedParameters, handshakeTime: Duration, sessionResumable: Bool, reply: String?,
         earlyData: String? = nil) {
        self.earlyData = earlyData
        self.connection = connection
        self.host = host
        self.port = port
        reused = negotiated.isResumed
        self.protocol = "\(negotiated.version)"
        cipher = "\(negotiated.cipherSuite)"
        group = negotiated.group.map { "\($0)" }
        alpn = negotiated.applicationProtocol
        let parts = handshakeTime.components
        let milliseconds = Double(parts.seconds) * 1000 + Double(parts.attoseconds) / 1e15
        handshakeMilliseconds = (milliseconds * 1000).rounded() / 1000
        self.sessionResumable = sessionResumable
        self.reply = reply
    }

    /// One line of JSON with sorted keys.
    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
