import CoreMetrics
import Synchronization

/// What a `RedisTicketReplayRegistry` has done so far.
public struct RedisTicketReplayStatistics: Sendable, Hashable {
    /// Tickets whose first use was recorded (they resumed).
    public var firstUses: Int
    /// Tickets presented again after their first use (declined as replayed).
    public var replays: Int
    /// Commands that got no reply in time.
    public var timeouts: Int
    /// Commands that failed otherwise (Redis unreachable, in backoff, an error reply).
    public var errors: Int
}

/// The counters behind `RedisTicketReplayStatistics`, also exported through swift-metrics:
/// counters `tls_ticket_replay_registry_first_uses`, `_replays`, `_timeouts`, `_errors` and a
/// timer `tls_ticket_replay_registry_latency`.
final class RedisTicketReplayCounters: Sendable {
    enum Event: String, CaseIterable { case firstUse = "first_uses", replay = "replays", timeout = "timeouts", error = "errors" }

    private let values = Mutex(RedisTicketReplayStatistics(firstUses: 0, replays: 0, timeouts: 0, errors: 0))
    private let metrics: [Event: Counter]
    private let latency: CoreMetrics.Timer

    init(dimensions: [(String, String)], factory: any MetricsFactory) {
        let label = "tls_ticket_replay_registry"
        var metrics: [Event: Counter] = [:]
        for event in Event.allCases {
            metrics[event] = Counter(label: "\(label)_\(event.rawValue)", dimensions: dimensions, factory: factory)
        }
        self.metrics = metrics
        latency = CoreMetrics.Timer(label: "\(label)_latency", dimensions: dimensions, factory: factory)
    }

    var snapshot: RedisTicketReplayStatistics { values.withLock { $0 } }

    func count(_ event: Event) {
        values.withLock { values in
            switch event {
            case .firstUse: values.firstUses += 1
            case .replay: values.replays += 1
            case .timeout: values.timeouts += 1
            case .error: values.errors += 1
            }
        }
        metrics[event]?.increment()
    }

    func countFailure(_ error: any Error) {
        if case RedisError.commandTimedOut = error { count(.timeout) } else { count(.error) }
    }

    func recordLatency(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        latency.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
