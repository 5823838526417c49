import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import NIOResumableTLS
import ResumableTLS

/// `rtls demo`: a server and a client in one process, N full then N resumed handshakes, and a
/// table of what they cost.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run full and resumed TLS 1.3 (or, with --tls1_2, TLS 1.2) handshakes over loopback and compare them.",
        discussion: """
            Starts a server on 127.0.0.1 (OS-chosen port) with a fresh self-signed certificate,
            then makes --count full and --count resumed connections with its own client (each:
            handshake, a short request, the reply, close). Latency is TCP connect + handshake,
            measured by the client. Server CPU is measured with getrusage(RUSAGE_THREAD) on the
            server's single event-loop thread around each phase, divided by the count.
            With --tls1_2 both sides speak TLS 1.2 and the table has two resumed rows: by ticket
            (RFC 5077) and by session ID (a client with tickets off).
            Exits 1 if a resumed handshake was not resumed or a full one was. Runs longer than a
            few seconds print a progress line on stderr about once a second.
            """
    )

    @Option(help: "Handshakes of each kind (1...10000).")
    var count: Int = 20

    @Option(help: "How the server's tickets carry the session: stateless or stateful.")
    var tickets: TicketModeArgument = .stateless

    @Flag(name: .customLong("tls1_2"), help: "Run over TLS 1.2: full, ticket-resumed and session-ID-resumed rows.")
    var tls12 = false

    @Flag(help: "Print the results as JSON.")
    var json = false

    @Option(help: "Run N servers sharing their sessions (through Redis, and through shared ticket keys) behind a random load balancer, and compare with N servers on their own (2...16).")
    var fleet: Int?

    @Option(help: "With --fleet: the Redis to use, redis://host:port (default: a redis-server started on a free loopback port and stopped).")
    var redis: String?

    func validate() throws {
        guard (1...10_000).contains(count) else { throw ValidationError("--count must be 1...10000 (got \(count))") }
        if let fleet, !(2...16).contains(fleet) { throw ValidationError("--fleet must be 2...16 (got \(fleet))") }
        if redis != nil && fleet == nil { throw ValidationError("--redis goes with --fleet") }
    }

    /// Prints `report` as JSON with `--json`, else as `table`.
    private func show(_ report: some Encodable, table: String) throws {
        guard json else {
            print(table)
            return
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try encoder.encode(report), as: UTF8.self))
    }

    func run() async throws {
        if let fleet {
            let report = try await FleetDemoRunner(servers: fleet, count: max(count, 2), redisURL: redis).run()
            try show(report, table: report.table)
            return
        }
        let report = try await DemoRunner(count: count, ticketMode: tickets, tls12: tls12).run()
        try show(report, table: report.table)
        if !report.allAsExpected {
            FileHandle.standardError.write(Data("rtls demo: FAILED: \(report.failureSummary)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// The results of one phase of the demo.
struct DemoPhaseResult: Codable, Sendable {
    /// "full", "resumed" (TLS 1.3), or "ticket" / "session_id" (TLS 1.2 resumptions).
    var mode: String
    /// Connections made.
    var count: Int
    /// How many of them resumed a session.
    var resumed: Int
    /// Median TCP connect + handshake time seen by the client, in milliseconds.
    var medianHandshakeMilliseconds: Double
    /// Median time for the whole connection (handshake, request, reply, close), in milliseconds.
    var medianConnectionMilliseconds: Double
    /// Server event-loop CPU time per handshake, in milliseconds.
    var serverCPUMillisecondsPerHandshake: Double
}

/// Everything `rtls demo` measured.
struct DemoReport: Codable, Sendable {
    /// `TLSv1.3` or `TLSv1.2`.
    var version: String
    /// The ticket mode the server used.
    var ticketMode: String
    /// How server CPU was measured.
    var cpuMeasurement: String
    /// Full handshakes, then resumed ones.
    var phases: [DemoPhaseResult]

    /// Whether every full handshake was full and every resumed one resumed.
    var allAsExpected: Bool {
        phases.allSatisfy { $0.mode == "full" ? $0.resumed == 0 : $0.resumed == $0.count }
    }

    /// What went wrong, for the error message.
    var failureSummary: String {
        phases.map { "\($0.mode): \($0.resumed)/\($0.count) resumed" }.joined(separator: ", ")
    }

    /// The human-readable table.
    var table: String {
        func pad(_ text: String, _ width: Int) -> String {
            text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
        }
        func ms(_ value: Double) -> String { String(format: "%.3f", value) }
        var lines = [
            "rtls demo: \(version) over 127.0.0.1, tickets \(ticketMode)",
            "mode        count  resumed  median handshake ms  median connection ms  server CPU ms/handshake",
        ]
        for phase in phases {
            lines.append(
                phase.mode.padding(toLength: 10, withPad: " ", startingAt: 0)
                    + pad("\(phase.count)", 7) + pad("\(phase.resumed)", 9)
                    + pad(ms(phase.medianHandshakeMilliseconds), 21)
                    + pad(ms(phase.medianConnectionMilliseconds), 22)
                    + pad(ms(phase.serverCPUMillisecondsPerHandshake), 25))
        }
        lines.append("handshake = TCP connect + TLS handshake (client clock); server CPU: \(cpuMeasurement), divided by count")
        return lines.joined(separator: "\n")
    }
}

/// Runs the demo: one server, one client, two phases.
struct DemoRunner {
    let count: Int
    let ticketMode: TicketModeArgument
    var tls12 = false

    /// One connection's timings and outcome.
    private struct ConnectionSample {
        var handshakeSeconds: Double
        var totalSeconds: Double
        var resumed: Bool
        var session: TLSSession?
    }

    func run() async throws -> DemoReport {
        let identity = try SelfSignedIdentity()
        var serverConfiguration = TLSConfiguration.server(chain: identity.chain, key: identity.privateKey)
        serverConfiguration.ticketMode = ticketMode.ticketMode
        if tls12 { serverConfiguration.maximumVersion = .tls12 }
        let serverContext = try TLSContext(serverConfiguration)
        var clientConfiguration = TLSConfiguration.client(serverName: "localhost")
        clientConfiguration.certificateVerification = .fullVerification(trustRoots: try .certificates([identity.certificateDER]))
        if tls12 { clientConfiguration.maximumVersion = .tls12 }
        let clientContext = try TLSContext(clientConfiguration)
        // TLS 1.2's session-ID row: a client that does not take tickets.
        clientConfiguration.tls12SessionTickets = false
        let sessionIDClientContext = try TLSContext(clientConfiguration)

        let serverGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let clientGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            let report = try await measure(serverContext: serverContext, clientContext: clientContext, sessionIDClientContext: sessionIDClientContext,
                                           serverGroup: serverGroup, clientGroup: clientGroup)
            try await clientGroup.shutdownGracefully()
            try await serverGroup.shutdownGracefully()
            return report
        } catch {
            try? await clientGroup.shutdownGracefully()
            try? await serverGroup.shutdownGracefully()
            throw error
        }
    }

    private func measure(
        serverContext: TLSContext, clientContext: TLSContext, sessionIDClientContext: TLSContext,
        serverGroup: MultiThreadedEventLoopGroup, clientGroup: MultiThreadedEventLoopGroup
    ) async throws -> DemoReport {
        let server = try await TLSServer.bind(host: "127.0.0.1", port: 0, context: serverContext, group: serverGroup) { connection in
            // Read the request (one short line), answer, return: the server then closes.
            var request: [UInt8] = []
            do {
                for try await chunk in connection.inbound {
                    request.append(contentsOf: chunk.readableBytesView)
                    if request.contains(UInt8(ascii: "\n")) || request.count > 1024 { break }
                }
                try await connection.write(Array("pong \(connection.sessionReused ? "Reused" : "New")\n".utf8))
            } catch {
                // The client went away; nothing to answer.
            }
        }
        let port = server.port
        let serverLoop = serverGroup.next()
        func serverCPU() async throws -> Double { try await serverLoop.submit { ThreadCPUTime.now() }.get() }

        do {
            // Warm-up (not measured): first-use costs (code paths, allocator) stay out of the table.
            var session = try await connectOnce(port: port, context: clientContext, offering: nil, group: clientGroup).session

            var progress = ProgressReporter(label: "rtls demo")
            var full: [ConnectionSample] = []
            let fullStart = try await serverCPU()
            for index in 0..<count {
                let sample = try await connectOnce(port: port, context: clientContext, offering: nil, group: clientGroup)
                session = sample.session
                full.append(sample)
                progress.update("full", done: index + 1, total: count)
            }
            let fullCPU = try await serverCPU() - fullStart

            /// `count` resumptions, each offering the session the previous connection ended with
            /// (its newest ticket), so single-use stateful tickets work too.
            func resumptions(_ name: String, context: TLSContext, from start: TLSSession?) async throws -> DemoPhaseResult {
                var session = start
                var samples: [ConnectionSample] = []
                let cpuStart = try await serverCPU()
                for index in 0..<count {
                    let sample = try await connectOnce(port: port, context: context, offering: session, group: clientGroup)
                    if let next = sample.session { session = next }
                    samples.append(sample)
                    progress.update(name, done: index + 1, total: count)
                }
                return phase(name, samples, cpu: try await serverCPU() - cpuStart)
            }
            var phases = [phase("full", full, cpu: fullCPU)]
            if tls12 {
                phases.append(try await resumptions("ticket", context: clientContext, from: session))
                let idSession = try await connectOnce(port: port, context: sessionIDClientContext, offering: nil, group: clientGroup).session
                phases.append(try await resumptions("session_id", context: sessionIDClientContext, from: idSession))
            } else {
                phases.append(try await resumptions("resumed", context: clientContext, from: session))
            }
            await server.close()
            return DemoReport(
                version: tls12 ? "TLSv1.2" : "TLSv1.3", ticketMode: ticketMode.rawValue, cpuMeasurement: ThreadCPUTime.source,
                phases: phases)
        } catch {
            await server.close()
            throw error
        }
    }

    private func phase(_ mode: String, _ samples: [ConnectionSample], cpu: Double) -> DemoPhaseResult {
        DemoPhaseResult(
            mode: mode, count: samples.count, resumed: samples.filter(\.resumed).count,
            medianHandshakeMilliseconds: median(samples.map(\.handshakeSeconds)) * 1000,
            medianConnectionMilliseconds: median(samples.map(\.totalSeconds)) * 1000,
            serverCPUMillisecondsPerHandshake: cpu * 1000 / Double(max(samples.count, 1)))
    }

    private func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// One connection: handshake (offering `session`), request, reply, close.
    private func connectOnce(port: Int, context: TLSContext, offering session: TLSSession?, group: any EventLoopGroup) async throws -> ConnectionSample {
        let start = ContinuousClock.now
        let connection = try await TLSClient.connect(host: "127.0.0.1", port: port, context: context, offering: session, group: group)
        let handshakeDone = ContinuousClock.now
        try await connection.write(Array("ping\n".utf8))
        let reply = try await connection.readToEnd(maximumBytes: 4096)
        let expected = "pong \(connection.sessionReused ? "Reused" : "New")\n"
        guard reply == Array(expected.utf8) else {
            throw CLIError("unexpected reply from the demo server: \(String(decoding: reply, as: UTF8.self).debugDescription)")
        }
        let newSession = try await connection.session()
        await connection.close()
        let end = ContinuousClock.now
        return ConnectionSample(
            handshakeSeconds: seconds(handshakeDone - start), totalSeconds: seconds(end - start),
            resumed: connection.sessionReused, session: newSession)
    }

    private func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
