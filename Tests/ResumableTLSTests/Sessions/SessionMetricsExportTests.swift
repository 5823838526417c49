import CoreMetrics
import Foundation
import MetricsTestKit
import Testing
@testable import ResumableTLS

/// S30: the `SSL_CTX_sess_*` counters exported through swift-metrics.
@Suite struct SessionMetricsExportTests {
    private func handshake(_ clientContext: TLSContext, _ serverContext: TLSContext, offering session: TLSSession? = nil) async throws -> TLSConnection {
        let client = clientContext.makeConnection()
        try client.offer(session)
        let server = serverContext.makeConnection()
        try await ConnectionPump.run(client, server)
        #expect(client.state == .established && server.state == .established)
        try ConnectionPump.shutDown(client, server)   // released unclosed, they would poison the session (S13)
        return client
    }

    @Test func s30CountersAreExportedAsSwiftMetrics() async throws {
        let metrics = TestMetrics()
        var configuration = InMemoryIdentity.serverConfiguration()
        configuration.ticketMode = .stateful
        let server = try TLSContext(configuration)
        let client = try TLSContext(try InMemoryIdentity.clientConfiguration())
        let exporter = SessionCacheMetricsExporter(context: server, dimensions: [("server", "a")], factory: metrics)

        let first = try await handshake(client, server)
        exporter.export()
        #expect(try metrics.expectCounter("tls_session_cache_accept", [("server", "a")]).totalValue == 1)
        #expect(try metrics.expectCounter("tls_session_cache_accept_good", [("server", "a")]).totalValue == 1)
        #expect(try metrics.expectCounter("tls_session_cache_hits", [("server", "a")]).totalValue == 0)
        #expect(try metrics.expectGauge("tls_session_cache_number", [("server", "a")]).lastValue == 2, "two stateful tickets cached")
        #expect(try metrics.expectGauge("tls_session_cache_cache_size", [("server", "a")]).lastValue == 20_480)

        let resumed = try await handshake(client, server, offering: first.session)
        #expect(resumed.sessionReused)
        // A second export adds only what changed: accept 1 → 2, hits 0 → 1.
        exporter.export()
        exporter.export()
        #expect(try metrics.expectCounter("tls_session_cache_accept", [("server", "a")]).totalValue == 2)
        #expect(try metrics.expectCounter("tls_session_cache_accept_good", [("server", "a")]).totalValue == 2)
        #expect(try metrics.expectCounter("tls_session_cache_hits", [("server", "a")]).totalValue == 1)
        #expect(try metrics.expectCounter("tls_session_cache_misses", [("server", "a")]).totalValue == 0)
        #expect(try metrics.expectGauge("tls_session_cache_number", [("server", "a")]).lastValue == 2, "one taken (S14), one new")
        #expect(server.statistics.hits == 1)
    }

    @Test func s30EveryOpenSSLCounterHasAMetric() throws {
        let metrics = TestMetrics()
        let statistics = SessionCacheStatistics(
            number: 3, capacity: 10, connect: 1, connectGood: 2, connectRenegotiate: 0, accept: 4, acceptGood: 5,
            acceptRenegotiate: 0, hits: 6, misses: 7, timeouts: 8, cacheFull: 9, callbackHits: 10, externalStoreFailures: 11)
        let exporter = SessionCacheMetricsExporter(labelPrefix: "x", factory: metrics) { statistics }
        exporter.export()
        for (name, value) in statistics.namedValues {
            if SessionCacheMetricsExporter.gaugeNames.contains(name) {
                #expect(try metrics.expectGauge("x_\(name)").lastValue == Double(value), "\(name)")
            } else {
                #expect(SessionCacheMetricsExporter.counterNames.contains(name), "\(name)")
                #expect(try metrics.expectCounter("x_\(name)").totalValue == Int64(value), "\(name)")
            }
        }
    }

    @Test func s30ACounterThatGoesBackwardsRestartsInsteadOfGoingNegative() throws {
        let metrics = TestMetrics()
        let hits = LockedValue(5)
        let exporter = SessionCacheMetricsExporter(labelPrefix: "y", factory: metrics) {
            var statistics = SessionCacheStatistics.zero
            statistics.hits = hits.withLock { $0 }
            return statistics
        }
        exporter.export()
        hits.withLock { $0 = 2 }
        exporter.export()
        hits.withLock { $0 = 4 }
        exporter.export()
        #expect(try metrics.expectCounter("y_hits").values == [5, 2, 2])
    }
}
