import CoreMetrics
import Synchronization

/// What a `RedisSessionStore` has done so far (S30 for the fleet store).
public struct RedisSessionStoreStatistics: Sendable, Hashable {
    /// Lookups (`GET`, `GETDEL`) that found a session that opened and decoded.
    public var hits: Int
    /// Lookups that found nothing usable: no key, or a value that does not open here.
    public var misses: Int
    /// Commands that got no reply in time (`RedisError.commandTimedOut`).
    public var timeouts: Int
    /// Commands that failed otherwise: Redis unreachable, in backoff, an error reply.
    public var errors: Int
    /// Sessions written (`SET … PX`).
    public var puts: Int
    /// Sessions not written because Redis failed or timed out: dropped, never queued.
    public var droppedPuts: Int
}

/// The live counters behind `RedisSessionStoreStatistics`, also exported through swift-metrics
/// as they change: counters `<prefix>_hits`, `_misses`, `_timeouts`, `_errors`, `_puts`,
/// `_dropped_puts` and a timer `<prefix>_latency` (dimension `command`) for every command.
final class RedisSessionStoreCounters: Sendable {
    private let values = Mutex(RedisSessionStoreStatistics(hits: 0, misses: 0, timeouts: 0, errors: 0, puts: 0, droppedPuts: 0))
    private let metrics: [String: Counter]
    private let latency: [String: Timer]

    init(labelPrefix: String, dimensions: [(String, String)], factory: any MetricsFactory) {
        var metrics: [String: Counter] = [:]
        for name in ["hits", "misses", "timeouts", "errors", "puts", "dropped_puts"] {
            metrics[name] = Counter(label: "\(labelPrefix)_\(name)", dimensions: dimensions, factory: factory)
        }
        self.metrics = metrics
        var latency: [String: Timer] = [:]
        for command in ["GET", "GETDEL", "SET", "DEL"] {
            latency[command] = Timer(label: "\(labelPrefix)_latency", dimensions: dimensions + [("command", command)], factory: factory)
        }
        self.latency = latency
    }

    var snapshot: RedisSessionStoreStatistics { values.withLock { $0 } }

    func count(_ name: String, _ change: (inout RedisSessionStoreStatistics) -> Void) {
        values.withLock { change(&$0) }
        metrics[name]?.increment()
    }

    func recordLatency(_ command: String, _ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        latency[command]?.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    /// Counts a failed command as a timeout or an error.
    func countFailure(_ error: any Error) {
        if case RedisError.commandTimedOut = error {
            count("timeouts") { $0.timeouts += 1 }
        } else {
            count("errors") { $0.errors += 1 }
        }
    }
}
