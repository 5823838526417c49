import Foundation
import NIOCore
import NIOPosix
import ResumableTLS
import ResumableTLSRedis
import RTLSBenchmarks

/// The workloads of `rtls bench-fleet` (issue 18): resumed TLS 1.3 handshakes in memory whose
/// server keeps its sessions in its own cache or shares them through Redis. A: one handshake
/// at a time, per-handshake latency. B: many concurrent chains, handshakes per second, with the
/// Redis client on 1 and on 2 event loops.
struct FleetBenchRunner {
    let seconds: Double
    let concurrency: Int
    let poolSize: Int
    /// The Redis client's command timeout and the server's store time limit, in milliseconds.
    let storeTimeLimitMilliseconds: Int
    /// `redis://host:port` of a Redis to use; nil starts a `redis-server` on a free port.
    let redisURL: String?
    /// Where progress lines go (nothing with `--json`).
    let progress: @Sendable (String) -> Void

    /// The longest a chain waits for its ticket's write before counting a failure.
    private static let writeWaitLimit = 2.0
    /// Untimed resumptions before each timed run, per chain.
    private static let warmupHandshakes = 20

    /// How a resumption run went: counts and, for workload A, per-handshake latencies.
    private struct Tally: Sendable {
        var handshakes = 0
        var resumed = 0
        var failures = 0
        var latencies: [Double] = []
        var handshakeLatencies: [Double] = []
        /// Wall time of the timed run, seconds (workload A).
        var elapsed = 0.0

        mutating func add(_ other: Tally) {
            handshakes += other.handshakes
            resumed += other.resumed
            failures += other.failures
        }
    }

    func run() async throws -> FleetBenchReport {
        let loadBefore = BenchProbe.loadAverage()
        let redisServer: RedisServerChild?
        var configuration: RedisConfiguration
        if let redisURL {
            redisServer = nil
            configuration = try SessionStoreURL.redisConfiguration(redisURL)
        } else {
            progress("starting redis-server…")
            let started = try await RedisServerChild.start()
            redisServer = started
            configuration = RedisConfiguration(host: "127.0.0.1", port: started.port)
        }
        defer { redisServer?.stop() }
        configuration.poolSize = poolSize
        configuration.commandTimeout = .milliseconds(Int64(storeTimeLimitMilliseconds))
        let storeTimeLimit = Duration.milliseconds(storeTimeLimitMilliseconds)
        let identity = try SelfSignedIdentity()
        let prefix = "rtls:bench-fleet:\(UUID().uuidString.lowercased())"

        var latencyRows: [FleetBenchReport.LatencyRow] = []
        for mode in FleetBenchMode.allCases {
            progress("latency: \(mode.rawValue)…")
            let (tally, lookups, writes) = try await withRedis(configuration, eventLoops: 1) { redis in
                let contexts = try FleetBenchContexts(mode: mode, identity: identity, redis: redis, prefix: prefix, storeTimeLimit: storeTimeLimit)
                return (try await latencyRun(contexts), contexts.lookups.summary(), contexts.writes.summary())
            }
            let latency = LatencySummary(seconds: tally.latencies)
            let baseline = latencyRows.first?.latency ?? latency
            latencyRows.append(FleetBenchReport.LatencyRow(
                mode: mode, handshakes: tally.handshakes, resumed: tally.resumed, failures: tally.failures,
                handshakesPerSecond: Double(tally.handshakes) / tally.elapsed, latency: latency,
                handshakeOnly: LatencySummary(seconds: tally.handshakeLatencies),
                addedP50Microseconds: latency.p50Microseconds - baseline.p50Microseconds,
                addedP99Microseconds: latency.p99Microseconds - baseline.p99Microseconds,
                storeLookup: lookups.count > 0 ? lookups : nil, storeWrite: writes.count > 0 ? writes : nil))
        }

        progress("Redis round trip…")
        let roundTrips = try await withRedis(configuration, eventLoops: 1) { redis in
            try await roundTripRun(redis, key: "\(prefix):absent")
        }

        var throughputRows: [FleetBenchReport.ThroughputRow] = []
        for mode in FleetBenchMode.allCases {
            for eventLoops in mode.usesRedis ? [1, 2] : [0] {
                progress("throughput: \(mode.rawValue), \(concurrency) tasks, " + (eventLoops == 0 ? "no Redis…" : "\(eventLoops) event loop(s)…"))
                let (tally, elapsed) = try await withRedis(configuration, eventLoops: max(1, eventLoops)) { redis in
                    let contexts = try FleetBenchContexts(mode: mode, identity: identity, redis: mode.usesRedis ? redis : nil,
                                                          prefix: prefix, storeTimeLimit: storeTimeLimit)
                    return try await throughputRun(contexts)
                }
                throughputRows.append(FleetBenchReport.ThroughputRow(
                    mode: mode, eventLoops: eventLoops, concurrency: concurrency, handshakes: tally.handshakes,
                    resumed: tally.resumed, failures: tally.failures, handshakesPerSecond: Double(tally.handshakes) / elapsed))
            }
        }

        return FleetBenchReport(
            version: ResumableTLSVersion.string, cpuCount: ProcessInfo.processInfo.activeProcessorCount, cpuModel: BenchProbe.cpuModel(),
            loadAverageBefore: loadBefore, loadAverageAfter: BenchProbe.loadAverage(), secondsPerMode: seconds,
            redis: redisServer == nil ? "Redis at redis://\(configuration.host):\(configuration.port)" : "a redis-server started on 127.0.0.1:\(configuration.port)",
            poolSize: poolSize, storeTimeLimitMilliseconds: storeTimeLimitMilliseconds,
            storeWrite: "stateful-redis: the server context itself runs each new ticket's SET in a background task "
                + "(NewSessionOutcome.externalStoreWrite), whatever drives the connection, the NIO handler included; "
                + "the bench awaits that SET before offering the ticket, inside the timed handshake",
            latency: latencyRows, redisRoundTrip: LatencySummary(seconds: roundTrips), throughput: throughputRows)
    }

    /// Runs `body` with a Redis client on a new group of `eventLoops` threads, then closes the
    /// client and shuts the group down.
    private func withRedis<T: Sendable>(_ configuration: RedisConfiguration, eventLoops: Int,
                                        _ body: (RedisClient) async throws -> T) async throws -> T {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: eventLoops)
        let client = RedisClient(configuration: configuration, group: group)
        do {
            let result = try await body(client)
            client.close()
            try await group.shutdownGracefully()
            return result
        } catch {
            client.close()
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// Fails the waits for ticket writes that never came, every 100 ms, until cancelled.
    private func startWatchdog(_ contexts: FleetBenchContexts) -> Task<Void, Never>? {
        guard let store = contexts.awaitedStore else { return nil }
        return Task {
            while !Task.isCancelled {
                do { try await Task.sleep(for: .milliseconds(100)) } catch { return }
                store.failWaiters(olderThan: Self.writeWaitLimit)
            }
        }
    }

    /// Workload A: one chain, one handshake at a time, for `seconds`.
    private func latencyRun(_ contexts: FleetBenchContexts) async throws -> Tally {
        let watchdog = startWatchdog(contexts)
        defer { watchdog?.cancel() }
        var chain = try await ResumptionChain(contexts: contexts)
        try await warm(&chain)
        contexts.lookups.reset()
        contexts.writes.reset()
        var tally = Tally()
        tally.latencies.reserveCapacity(200_000)
        tally.handshakeLatencies.reserveCapacity(200_000)
        let start = BenchProbe.now()
        let deadline = start + seconds
        while BenchProbe.now() < deadline {
            let attempt = await chain.resume()
            Self.record(attempt, in: &tally)
            tally.latencies.append(attempt.seconds)
            tally.handshakeLatencies.append(attempt.handshakeSeconds)
            if !attempt.succeeded { try await chain.prime() }
        }
        tally.elapsed = BenchProbe.now() - start
        return tally
    }

    /// One Redis command at a time through the client (`GET` of a key that is never set),
    /// for `seconds` after 100 untimed ones: what a lookup's round trip costs without TLS.
    private func roundTripRun(_ redis: RedisClient, key: String) async throws -> [Double] {
        let command = [Array("GET".utf8), Array(key.utf8)]
        for _ in 0..<100 { _ = try await redis.send(command) }
        var latencies: [Double] = []
        latencies.reserveCapacity(200_000)
        let deadline = BenchProbe.now() + seconds
        while BenchProbe.now() < deadline {
            let start = BenchProbe.now()
            _ = try await redis.send(command)
            latencies.append(BenchProbe.now() - start)
        }
        return latencies
    }

    /// Workload B: `concurrency` chains at once for `seconds`; returns the tally and the wall
    /// time until the last chain stopped.
    private func throughputRun(_ contexts: FleetBenchContexts) async throws -> (Tally, Double) {
        let watchdog = startWatchdog(contexts)
        defer { watchdog?.cancel() }
        var chains: [ResumptionChain] = []
        for _ in 0..<concurrency {
            var chain = try await ResumptionChain(contexts: contexts)
            try await warm(&chain)
            chains.append(chain)
        }
        let start = BenchProbe.now()
        let deadline = start + seconds
        let total = try await withThrowingTaskGroup(of: Tally.self) { group in
            for chain in chains {
                group.addTask {
                    var chain = chain
                    var tally = Tally()
                    while BenchProbe.now() < deadline {
                        let attempt = await chain.resume()
                        Self.record(attempt, in: &tally)
                        if !attempt.succeeded { try await chain.prime() }
                    }
                    return tally
                }
            }
            var total = Tally()
            for try await tally in group { total.add(tally) }
            return total
        }
        return (total, BenchProbe.now() - start)
    }

    /// Untimed resumptions, so that caches, lazies and Redis connections are warm.
    private func warm(_ chain: inout ResumptionChain) async throws {
        for _ in 0..<Self.warmupHandshakes {
            let attempt = await chain.resume()
            if !attempt.succeeded { try await chain.prime() }
        }
    }

    private static func record(_ attempt: ResumptionChain.Attempt, in tally: inout Tally) {
        tally.handshakes += 1
        if attempt.resumed { tally.resumed += 1 }
        if !attempt.succeeded { tally.failures += 1 }
    }
}
