import CoreMetrics
import Synchronization

/// Exports a context's session statistics (S30) through swift-metrics: every
/// `SSL_CTX_sess_*` counter as a `Counter` and the cache's size and bound as `Gauge`s.
///
/// The exporter reads `SessionCacheStatistics` snapshots and pushes what changed since the last
/// export, so the handshake path pays nothing for metrics. Call `export()` on a timer, or run
/// `run(every:)` in a task (for example a swift-service-lifecycle service). Labels are
/// `<prefix>_<OpenSSL name>`: `tls_session_cache_hits`, `tls_session_cache_accept_good`,
/// `tls_session_cache_number`, …; every metric carries `dimensions`.
///
/// Counters that a snapshot shows lower than the last one (the statistics source was replaced)
/// restart from the new value instead of exporting a negative increment.
public final class SessionCacheMetricsExporter: Sendable {
    /// The counters exported as swift-metrics `Counter`s, by OpenSSL name.
    public static let counterNames = [
        "connect", "connect_good", "connect_renegotiate", "accept", "accept_good", "accept_renegotiate",
        "hits", "misses", "timeouts", "cache_full", "cb_hits", "external_store_failures",
    ]
    /// The values exported as swift-metrics `Gauge`s: `SSL_CTX_sess_number` and the bound.
    public static let gaugeNames = ["number", "cache_size"]

    private let statistics: @Sendable () -> SessionCacheStatistics
    private let counters: [String: Counter]
    private let gauges: [String: Gauge]
    private let lastExported: Mutex<[String: Int]>

    /// An exporter of `statistics` (for example `{ context.statistics }`) through `factory`
    /// (the bootstrapped `MetricsSystem.factory` by default).
    public init(
        labelPrefix: String = "tls_session_cache",
        dimensions: [(String, String)] = [],
        factory: any MetricsFactory = MetricsSystem.factory,
        statistics: @escaping @Sendable () -> SessionCacheStatistics
    ) {
        self.statistics = statistics
        var counters: [String: Counter] = [:]
        for name in Self.counterNames {
            counters[name] = Counter(label: "\(labelPrefix)_\(name)", dimensions: dimensions, factory: factory)
        }
        var gauges: [String: Gauge] = [:]
        for name in Self.gaugeNames {
            gauges[name] = Gauge(label: "\(labelPrefix)_\(name)", dimensions: dimensions, factory: factory)
        }
        self.counters = counters
        self.gauges = gauges
        self.lastExported = Mutex([:])
    }

    /// An exporter of `context`'s statistics (`TLSContext.statistics`).
    public convenience init(
        context: TLSContext,
        labelPrefix: String = "tls_session_cache",
        dimensions: [(String, String)] = [],
        factory: any MetricsFactory = MetricsSystem.factory
    ) {
        self.init(labelPrefix: labelPrefix, dimensions: dimensions, factory: factory) { [weak context] in
            context?.statistics ?? SessionCacheStatistics.zero
        }
    }

    /// Reads the statistics once and pushes the counters' increments since the last export and
    /// the gauges' current values. Safe to call from any thread; concurrent calls are serialised.
    public func export() {
        let snapshot = statistics()
        lastExported.withLock { last in
            for (name, value) in snapshot.namedValues {
                if let gauge = gauges[name] {
                    gauge.record(value)
                } else if let counter = counters[name] {
                    let previous = last[name] ?? 0
                    let increment = value >= previous ? value - previous : value
                    if increment > 0 { counter.increment(by: increment) }
                    last[name] = value
                }
            }
        }
    }

    /// Exports every `interval` until the task is cancelled, then once more.
    public func run(every interval: Duration) async {
        while !Task.isCancelled {
            export()
            try? await Task.sleep(for: interval)
        }
        export()
    }
}

extension SessionCacheStatistics {
    /// Every counter at zero: what a context that no longer exists reports.
    public static let zero = SessionCacheStatistics(
        number: 0, capacity: 0, connect: 0, connectGood: 0, connectRenegotiate: 0, accept: 0, acceptGood: 0,
        acceptRenegotiate: 0, hits: 0, misses: 0, timeouts: 0, cacheFull: 0, callbackHits: 0, externalStoreFailures: 0)
}
