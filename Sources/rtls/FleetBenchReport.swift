import Foundation
import RTLSBenchmarks

/// What one `rtls bench-fleet` run measured, with the conditions it ran under (`--json`).
struct FleetBenchReport: Codable, Sendable {
    /// Workload A: one mode's resumed handshakes, one at a time.
    struct LatencyRow: Codable, Sendable {
        var mode: FleetBenchMode
        /// Handshakes attempted in the timed run (each offering a fresh ticket).
        var handshakes: Int
        /// Of those, the ones both sides resumed.
        var resumed: Int
        /// Attempts that failed: an error, no resumption, no new ticket, or its write to Redis
        /// failing. Each is followed by an untimed full handshake for a fresh ticket.
        var failures: Int
        var handshakesPerSecond: Double
        /// Per handshake, until both sides established and, with the Redis session store, the
        /// new ticket's SET finished.
        var latency: LatencySummary
        /// Per handshake, until both sides established (the SET still in flight).
        var handshakeOnly: LatencySummary
        /// `latency`'s p50 and p99 minus those of `stateful-memory` (0 for it).
        var addedP50Microseconds: Double
        var addedP99Microseconds: Double
        /// The Redis lookup (`GETDEL`, or the registry's `SET NX`) as the store or registry saw
        /// it, inside the handshake's pending work; nil without Redis.
        var storeLookup: LatencySummary?
        /// The new ticket's `SET` as the store saw it; nil without a Redis session store.
        var storeWrite: LatencySummary?
    }

    /// Workload B: one mode's resumed handshakes from many tasks at once.
    struct ThroughputRow: Codable, Sendable {
        var mode: FleetBenchMode
        /// Event loops of the Redis client's group; 0 for the mode without Redis.
        var eventLoops: Int
        var concurrency: Int
        var handshakes: Int
        var resumed: Int
        var failures: Int
        var handshakesPerSecond: Double
    }

    var version: String
    var cpuCount: Int
    var cpuModel: String
    /// /proc/loadavg (1, 5 and 15 minutes) at the start and at the end.
    var loadAverageBefore: [Double]
    var loadAverageAfter: [Double]
    var secondsPerMode: Double
    /// Which Redis: one this run started, or the `--redis` URL's.
    var redis: String
    var poolSize: Int
    var storeTimeLimitMilliseconds: Int
    /// How the new ticket's SET runs and how the bench waits for it.
    var storeWrite: String
    var latency: [LatencyRow]
    /// One `GET` through the Redis client at a time (1 event loop, no TLS): a lookup's round
    /// trip on its own.
    var redisRoundTrip: LatencySummary
    var throughput: [ThroughputRow]

    /// The report as pretty-printed JSON with sorted keys.
    func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// The plain table.
    var table: String {
        var lines = [
            "rtls bench-fleet \(version): \(cpuCount) CPUs (\(cpuModel)), \(secondsPerMode) s per mode, \(redis)",
            "load average before: \(Self.numbers(loadAverageBefore))  after: \(Self.numbers(loadAverageAfter))",
            "Redis client: pool of \(poolSize) pipelined connections; command timeout and server store time limit \(storeTimeLimitMilliseconds) ms",
            "store write: \(storeWrite)",
            "",
            "== latency: resumed TLS 1.3 handshakes one at a time, client + server in memory in one task (Redis client on 1 event loop)",
            Self.row([("mode", -28), ("hs/s", 9), ("p50 µs", 9), ("p99 µs", 9), ("+p50 µs", 9), ("+p99 µs", 9),
                      ("hs only p50/p99 µs", 20), ("handshakes", 12), ("resumed", 9), ("failures", 9)]),
        ]
        for row in latency {
            let handshakeOnly = "\(Self.micro(row.handshakeOnly.p50Microseconds))/\(Self.micro(row.handshakeOnly.p99Microseconds))"
            lines.append(Self.row([
                (row.mode.rawValue, -28), (BenchFormat.rate(row.handshakesPerSecond), 9),
                (Self.micro(row.latency.p50Microseconds), 9), (Self.micro(row.latency.p99Microseconds), 9),
                (Self.added(row.addedP50Microseconds), 9), (Self.added(row.addedP99Microseconds), 9),
                (handshakeOnly, 20), ("\(row.handshakes)", 12), ("\(row.resumed)", 9), ("\(row.failures)", 9),
            ]))
        }
        for mode in FleetBenchMode.allCases { lines.append("  \(mode.rawValue): \(mode.summary)") }
        for row in latency {
            if let lookup = row.storeLookup {
                var text = "  \(row.mode.rawValue): the Redis lookup itself p50 \(Self.micro(lookup.p50Microseconds)) µs, p99 \(Self.micro(lookup.p99Microseconds)) µs"
                if let write = row.storeWrite {
                    text += "; the SET itself p50 \(Self.micro(write.p50Microseconds)) µs, p99 \(Self.micro(write.p99Microseconds)) µs"
                }
                lines.append(text)
            }
        }
        lines.append("  one Redis GET through RedisClient, one at a time: p50 \(Self.micro(redisRoundTrip.p50Microseconds)) µs, "
                     + "p99 \(Self.micro(redisRoundTrip.p99Microseconds)) µs (\(redisRoundTrip.count) commands)")
        lines.append("")
        let concurrency = throughput.first?.concurrency ?? 0
        lines.append("== throughput: resumed TLS 1.3 handshakes from \(concurrency) concurrent tasks, Redis client on 1 or 2 event loops")
        lines.append(Self.row([("mode", -28), ("event loops", 12), ("hs/s", 9), ("handshakes", 12), ("resumed", 9), ("failures", 9)]))
        for row in throughput {
            lines.append(Self.row([
                (row.mode.rawValue, -28), (row.eventLoops == 0 ? "-" : "\(row.eventLoops)", 12),
                (BenchFormat.rate(row.handshakesPerSecond), 9), ("\(row.handshakes)", 12), ("\(row.resumed)", 9), ("\(row.failures)", 9),
            ]))
        }
        return lines.joined(separator: "\n")
    }

    /// Cells padded to their widths: a negative width pads on the right (left-aligned text).
    private static func row(_ cells: [(String, Int)]) -> String {
        cells.map { text, width in BenchFormat.pad(text, abs(width), left: width < 0) }.joined()
    }

    private static func micro(_ value: Double) -> String { String(format: "%.0f", value) }

    private static func added(_ value: Double) -> String { String(format: "%+.0f", value) }

    private static func numbers(_ values: [Double]) -> String { values.map { String($0) }.joined(separator: " ") }
}
