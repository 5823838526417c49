import CoreMetrics
import Foundation
import Synchronization
import Testing
import ResumableTLS
@testable import ResumableTLSRedis

/// The store's counters and command latencies reach swift-metrics (S30 for the fleet store).
@Suite(.timeLimit(.minutes(1))) struct RedisStoreMetricsTests {
    /// Records what swift-metrics is given, by label and dimensions.
    final class RecordingFactory: MetricsFactory, Sendable {
        let counts = Mutex<[String: Int64]>([:])
        let timings = Mutex<[String: [Int64]]>([:])

        private static func key(_ label: String, _ dimensions: [(String, String)]) -> String {
            ([label] + dimensions.map { "\($0.0)=\($0.1)" }).joined(separator: ",")
        }

        final class CounterRecorder: CounterHandler, Sendable {
            let key: String
            let factory: RecordingFactory
            init(key: String, factory: RecordingFactory) { self.key = key; self.factory = factory }
            func increment(by amount: Int64) { factory.counts.withLock { $0[key, default: 0] += amount } }
            func reset() { factory.counts.withLock { $0[key] = 0 } }
        }

        final class TimerRecorder: TimerHandler, Sendable {
            let key: String
            let factory: RecordingFactory
            init(key: String, factory: RecordingFactory) { self.key = key; self.factory = factory }
            func recordNanoseconds(_ duration: Int64) { factory.timings.withLock { $0[key, default: []].append(duration) } }
        }

        final class Ignored: RecorderHandler, Sendable {
            func record(_ value: Int64) {}
            func record(_ value: Double) {}
        }

        func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
            CounterRecorder(key: Self.key(label, dimensions), factory: self)
        }
        func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler { Ignored() }
        func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
            TimerRecorder(key: Self.key(label, dimensions), factory: self)
        }
        func destroyCounter(_ handler: any CounterHandler) {}
        func destroyRecorder(_ handler: any RecorderHandler) {}
        func destroyTimer(_ handler: any TimerHandler) {}
    }

    @Test func hitsMissesPutsAndLatencyAreExported() async throws {
        let redis = try await RedisServerProcess.start()
        defer { redis.stop() }
        let factory = RecordingFactory()
        let fleet = UUID()
        let store = RedisSessionStore(client: redis.client(), key: .random(), contextID: fleet,
                                      metricsDimensions: [("fleet", "test")], metricsFactory: factory)
        let session = TLSSession(protocolVersion: .tls13, cipherSuite: .tlsAES128GCMSHA256, secret: [UInt8](repeating: 1, count: 32),
                                 sessionID: [UInt8](repeating: 2, count: 32), ticket: [UInt8](repeating: 2, count: 32),
                                 creationTime: Date(), timeout: 60, contextID: fleet)
        try await store.put(session)
        #expect(try await store.take(id: session.sessionID) != nil)
        #expect(try await store.take(id: session.sessionID) == nil)
        let counts = factory.counts.withLock { $0 }
        #expect(counts["tls_session_store_puts,fleet=test"] == 1)
        #expect(counts["tls_session_store_hits,fleet=test"] == 1)
        #expect(counts["tls_session_store_misses,fleet=test"] == 1)
        let timings = factory.timings.withLock { $0 }
        #expect(timings["tls_session_store_latency,fleet=test,command=SET"]?.count == 1)
        #expect(timings["tls_session_store_latency,fleet=test,command=GETDEL"]?.count == 2)
        #expect(timings.values.joined().allSatisfy { $0 > 0 })
        #expect(store.statistics == RedisSessionStoreStatistics(hits: 1, misses: 1, timeouts: 0, errors: 0, puts: 1, droppedPuts: 0))
    }
}
