import Foundation
import NIOCore
import NIOPosix
import NIOResumableTLS
import ResumableTLS
import ResumableTLSRedis

/// `rtls demo --fleet N` (issue 18): N servers in this process behind a random load balancer,
/// first sharing their sessions (through Redis, or through shared ticket keys), then each on
/// its own; prints the resumption rate of each. A client reconnects `count` times, each time to
/// a server chosen at random (seeded, so runs compare), offering the newest session it has.
struct FleetDemoRunner {
    let servers: Int
    let count: Int
    /// `redis://host:port` of a Redis to use; nil starts a `redis-server` on a free port.
    let redisURL: String?

    /// One row of the table: a way to resume, with the rate shared and per server.
    struct Row: Codable, Sendable {
        var mechanism: String
        var shared: Double
        var perServer: Double
    }

    /// What the fleet demo found.
    struct Report: Codable, Sendable {
        var servers: Int
        var connections: Int
        var redis: String
        /// The share of reconnections the load balancer sent to the server of the previous
        /// connection: what servers on their own can resume at best.
        var sameServerShare: Double
        var rows: [Row]

        var table: String {
            var lines = ["fleet of \(servers) servers on 127.0.0.1, \(connections) connections per row to a server chosen at random; sessions shared through \(redis)",
                         "mechanism                                  shared    per-server",]
            for row in rows {
                let name = row.mechanism.padding(toLength: 42, withPad: " ", startingAt: 0)
                lines.append("\(name) \(String(format: "%5.1f", row.shared * 100)) %   \(String(format: "%5.1f", row.perServer * 100)) %")
            }
            lines.append("(on their own, a server resumes only a session it made itself: the load balancer picked the previous connection's server for \(String(format: "%.1f", sameServerShare * 100)) % of reconnections, ~1/\(servers) on average)")
            return lines.joined(separator: "\n")
        }
    }

    /// The ways a fleet shares sessions, each as a server configuration maker: `shared` says
    /// whether this server is part of the sharing fleet.
    private enum Mechanism: CaseIterable {
        case statefulTickets, statelessTickets, singleUseStatelessTickets, tls12SessionIDs

        var name: String {
            switch self {
            case .statefulTickets: return "TLS 1.3 stateful tickets (Redis)"
            case .statelessTickets: return "TLS 1.3 stateless tickets (keys in Redis)"
            case .singleUseStatelessTickets: return "TLS 1.3 single-use stateless tickets"
            case .tls12SessionIDs: return "TLS 1.2 session IDs (Redis)"
            }
        }
    }

    func run() async throws -> Report {
        let redis: RedisServerChild?
        let configuration: RedisConfiguration
        if let redisURL {
            redis = nil
            configuration = try SessionStoreURL.redisConfiguration(redisURL)
        } else {
            let started = try await RedisServerChild.start()
            redis = started
            configuration = RedisConfiguration(host: "127.0.0.1", port: started.port)
        }
        defer { redis?.stop() }
        let client = RedisClient(configuration: configuration)
        defer { client.close() }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            var rows: [Row] = []
            for mechanism in Mechanism.allCases {
                let shared = try await rate(mechanism, sharing: true, redis: client, group: group)
                let alone = try await rate(mechanism, sharing: false, redis: client, group: group)
                rows.append(Row(mechanism: mechanism.name, shared: shared, perServer: alone))
            }
            var generator = SplitMix(seed: 1)
            let picks = (0..<count).map { _ in Int(generator.next() % UInt64(servers)) }
            let repeats = zip(picks, picks.dropFirst()).filter { $0 == $1 }.count
            try await group.shutdownGracefully()
            return Report(servers: servers, connections: count, redis: redis == nil ? "redis://\(configuration.host):\(configuration.port)" : "a redis-server started on 127.0.0.1:\(configuration.port)",
                          sameServerShare: Double(repeats) / Double(max(1, count - 1)), rows: rows)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// The fraction of connections after the first that resumed.
    private func rate(_ mechanism: Mechanism, sharing: Bool, redis: RedisClient, group: any EventLoopGroup) async throws -> Double {
        let identity = try SelfSignedIdentity()
        let fleet = UUID()
        let key = SessionSealingKey.random()
        var contexts: [TLSContext] = []
        for _ in 0..<servers {
            var configuration = TLSConfiguration.server(chain: identity.chain, key: identity.privateKey)
            switch mechanism {
            case .statefulTickets, .tls12SessionIDs:
                if mechanism == .statefulTickets { configuration.ticketMode = .stateful } else { configuration.maximumVersion = .tls12 }
                if sharing {
                    configuration.sessionStore = RedisSessionStore(client: redis, key: key, contextID: fleet, prefix: "rtls:demo:\(fleet)")
                    configuration.sessionCacheMode = [.server, .noInternalStore]
                }
            case .statelessTickets, .singleUseStatelessTickets:
                // Shared: every server loads the fleet's keys from Redis (one mints them), and
                // records single use there. Alone: its own keys, its own memory of used tickets.
                if sharing {
                    let source = RedisTicketKeySource(sender: redis, sealingKey: key, prefix: "rtls:demo:\(fleet):ticket-keys")
                    configuration.ticketKeys = try await TicketKeyRing.loading(from: source)
                }
                if mechanism == .singleUseStatelessTickets {
                    configuration.statelessTicketReuse = sharing
                        ? .singleUseAcrossFleet(RedisTicketReplayRegistry(sender: redis, prefix: "rtls:demo:\(fleet):used-ticket"))
                        : .singleUse
                }
            }
            contexts.append(try TLSContext(configuration, contextID: sharing ? fleet : UUID()))
        }
        var clientConfiguration = TLSConfiguration.client(serverName: "localhost")
        clientConfiguration.certificateVerification = .fullVerification(trustRoots: try .certificates([identity.certificateDER]))
        if mechanism == .tls12SessionIDs {
            clientConfiguration.maximumVersion = .tls12
            clientConfiguration.tls12SessionTickets = false
        }
        let clientContext = try TLSContext(clientConfiguration)

        var listeners: [TLSServer] = []
        do {
            for context in contexts {
                listeners.append(try await TLSServer.bind(host: "127.0.0.1", port: 0, context: context, group: group) { connection in
                    _ = try? await connection.readToEnd(maximumBytes: 1024)
                })
            }
            var generator = SplitMix(seed: 1)
            var session: TLSSession?
            var resumed = 0
            for index in 0..<count {
                let server = listeners[Int(generator.next() % UInt64(listeners.count))]
                let connection = try await TLSClient.connect(host: "127.0.0.1", port: server.port, context: clientContext, offering: session, group: group)
                if index > 0, connection.sessionReused { resumed += 1 }
                if let next = try await connection.newSession(timeout: .milliseconds(500)), next.isResumable { session = next }
                await connection.close()
            }
            for listener in listeners { await listener.close() }
            return Double(resumed) / Double(max(1, count - 1))
        } catch {
            for listener in listeners { await listener.close() }
            throw error
        }
    }
}

/// A seeded generator, so that every run sends its connections to the same servers.
private struct SplitMix {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A `redis-server` the demo starts on a free loopback port and stops.
final class RedisServerChild: @unchecked Sendable {
    let port: Int
    private let process: Process

    private init(port: Int, process: Process) {
        self.port = port
        self.process = process
    }

    static func start() async throws -> RedisServerChild {
        guard let executable = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw CLIError("--fleet needs redis-server (apt-get install redis-server) or --redis redis://host:port")
        }
        let probe = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = probe.localAddress?.port ?? 0
        try await probe.close()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let server = RedisServerChild(port: port, process: process)
        var configuration = RedisConfiguration(host: "127.0.0.1", port: port)
        configuration.poolSize = 1
        configuration.initialBackoff = .milliseconds(20)
        configuration.maximumBackoff = .milliseconds(20)
        let client = RedisClient(configuration: configuration)
        defer { client.close() }
        for _ in 0..<250 {
            if case .simpleString("PONG")? = try? await client.send("PING") { return server }
            try await Task.sleep(for: .milliseconds(20))
        }
        server.stop()
        throw CLIError("redis-server on 127.0.0.1:\(port) did not start")
    }

    /// Stops the server: nothing is persisted, so SIGKILL.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
