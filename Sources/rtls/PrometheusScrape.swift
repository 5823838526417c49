import CoreMetrics
import Prometheus
import ResumableTLS

/// What `GET /metrics` of `rtls server --metrics` answers: everything in one Prometheus
/// registry, in the text exposition format.
///
/// The registry is behind swift-metrics (`bootstrapMetricsSystem()`), so whatever the libraries
/// count through swift-metrics lands in it — the Redis store's `tls_session_store_*` counters
/// and latency histograms, the resumption decisions (`ResumptionDecisionCounters`) — and the
/// context's session-cache statistics (S30) are read at each scrape through the library's
/// `SessionCacheMetricsExporter`: counters `tls_session_cache_hits`, `_misses`, `_timeouts`,
/// `_cache_full`, `_accept`, `_accept_good`, `_connect`, … and gauges `tls_session_cache_number`
/// (`SSL_CTX_sess_number`) and `tls_session_cache_cache_size`.
final class PrometheusScrape: Sendable {
    private let registry: PrometheusCollectorRegistry
    private let sessionCache: SessionCacheMetricsExporter

    /// Bootstraps this process's swift-metrics with a fresh Prometheus registry and returns its
    /// factory. Call once, before the context or the session store exists: the library's
    /// metrics take `MetricsSystem.factory` when they are made.
    static func bootstrapMetricsSystem() -> PrometheusMetricsFactory {
        let factory = PrometheusMetricsFactory(registry: PrometheusCollectorRegistry())
        MetricsSystem.bootstrap(factory)
        return factory
    }

    /// The scrape of `factory`'s registry and `context`'s session-cache statistics.
    init(factory: PrometheusMetricsFactory, context: TLSContext) {
        registry = factory.registry
        sessionCache = SessionCacheMetricsExporter(context: context, factory: factory)
        // Every series is there from the first scrape on, at zero.
        sessionCache.export()
    }

    /// The registry in Prometheus text format, the session-cache statistics brought up to date
    /// first (the handshake path pays nothing for them).
    func text() -> [UInt8] {
        sessionCache.export()
        return registry.emitToBuffer()
    }
}
