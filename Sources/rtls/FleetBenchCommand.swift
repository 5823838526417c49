import ArgumentParser
import Foundation

/// `rtls bench-fleet` (issue 18): what sharing sessions through Redis costs a resumed TLS 1.3
/// handshake, measured in one process. Build with `-c release`; debug figures mean nothing.
struct FleetBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-fleet",
        abstract: "Measure resumed handshakes whose server shares its sessions through Redis.",
        discussion: """
            Starts a redis-server on a free loopback port (stopped at the end) unless --redis
            names one. Client and server TLSConnections are pumped in memory, no sockets; the
            server's Redis lookup runs as the connection's pending work, as under the NIO
            handler. Every handshake offers the ticket the previous one left and must resume.
            Modes: stateful-memory (stateful tickets in the server's own cache, the baseline),
            stateful-redis (stateful tickets in Redis only: GETDEL per lookup, SET per new
            ticket, the SET run by the server context in the background and awaited before
            the ticket is offered), stateless-single-use-redis (stateless tickets used once
            across the fleet: SET NX per resumption).
            latency: one handshake at a time per mode; handshakes/s, p50 and p99 per
            handshake, and what each adds over stateful-memory.
            throughput: --concurrency chains at once; the Redis client on a
            MultiThreadedEventLoopGroup of 1, then 2 event loops, commands pipelined on a pool
            of --pool-size connections.
            """
    )

    @Option(help: "Seconds per mode and workload.")
    var seconds: Double = 2

    @Option(help: "Concurrent handshake chains in the throughput workload.")
    var concurrency: Int = 32

    @Option(name: .customLong("pool-size"), help: "Connections in the Redis client's pool.")
    var poolSize: Int = 4

    @Option(name: .customLong("store-time-limit-ms"), help: "The Redis command timeout and the server's store time limit, in milliseconds (a timeout is a failed resumption).")
    var storeTimeLimitMilliseconds: Int = 1_000

    @Option(help: "redis://host:port of a Redis to use instead of starting a redis-server (keys under rtls:bench-fleet:<uuid>, expiring within 5 minutes).")
    var redis: String?

    @Flag(help: "Print the results as JSON.")
    var json = false

    func validate() throws {
        guard seconds > 0, seconds <= 600 else { throw ValidationError("--seconds must be in (0, 600]") }
        guard (1...1_024).contains(concurrency) else { throw ValidationError("--concurrency must be 1...1024") }
        guard (1...64).contains(poolSize) else { throw ValidationError("--pool-size must be 1...64") }
        guard (1...60_000).contains(storeTimeLimitMilliseconds) else { throw ValidationError("--store-time-limit-ms must be 1...60000") }
    }

    func run() async throws {
        let quiet = json
        let runner = FleetBenchRunner(
            seconds: seconds, concurrency: concurrency, poolSize: poolSize, storeTimeLimitMilliseconds: storeTimeLimitMilliseconds,
            redisURL: redis,
            progress: { text in if !quiet { FileHandle.standardError.write(Data("rtls bench-fleet: \(text)\n".utf8)) } })
        let report = try await runner.run()
        print(json ? try report.jsonText() : report.table)
    }
}
