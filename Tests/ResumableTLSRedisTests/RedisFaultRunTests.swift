import Foundation
import NIOCore
import NIOPosix
import NIOResumableTLS
import Synchronization
import Testing
import ResumableTLS
@testable import ResumableTLSRedis

/// Issue 18's fault run: 1,000 reconnections over loopback to a server whose stateful tickets
/// live in Redis only, while Redis is stopped (SIGSTOP: it hangs), continued, killed and
/// restarted. No handshake may fail, every store call must end within its bound, and
/// resumption must come back each time Redis does.
///
/// It times lookups, so `scripts/test.sh` runs it alone: started beside the other suites on two
/// cores, a lookup's continuation can wait seconds for a thread (a CI run saw 3 s at handshake 1).
@Suite(.serialized, .timeLimit(.minutes(3))) struct RedisFaultRunTests {
    /// A `SessionStore` that times every call to the one it wraps, failures included.
    final class TimedStore: SessionStore {
        let inner: RedisSessionStore
        private let durations = Mutex<[(index: Int, duration: Duration)]>([])
        /// The handshake the loop is at, recorded with each call (to say which phase a slow one was in).
        let currentIndex = Atomic<Int>(0)

        init(_ inner: RedisSessionStore) { self.inner = inner }

        var recorded: [Duration] { durations.withLock { $0.map(\.duration) } }

        /// The `count` slowest calls, slowest first, each with the handshake it started in.
        func slowest(_ count: Int) -> [(index: Int, duration: Duration)] {
            durations.withLock { Array($0.sorted { $0.duration > $1.duration }.prefix(count)) }
        }

        private func timed<T>(_ body: () async throws -> T) async throws -> T {
            let start = ContinuousClock.now
            let index = currentIndex.load(ordering: .relaxed)
            defer { let elapsed = ContinuousClock.now - start; durations.withLock { $0.append((index, elapsed)) } }
            return try await body()
        }

        func put(_ session: TLSSession) async throws { try await inner.put(session) }
        func get(id: [UInt8]) async throws -> TLSSession? { try await timed { try await inner.get(id: id) } }
        func take(id: [UInt8]) async throws -> TLSSession? { try await timed { try await inner.take(id: id) } }
        func remove(id: [UInt8]) async throws { try await inner.remove(id: id) }
    }

    @Test("S23, S27: 1,000 resumed handshakes while Redis hangs, returns, dies and restarts: none fails, every lookup is bounded, resumption returns")
    func thousandHandshakesThroughRedisFaults() async throws {
        let redis = try await RedisServerProcess.start()
        defer { redis.stop() }
        // The bound: 50 ms to connect and 50 ms per command, as the default.
        let pool = redis.client {
            $0.connectTimeout = .milliseconds(50)
            $0.commandTimeout = .milliseconds(50)
            $0.initialBackoff = .milliseconds(20)
            $0.maximumBackoff = .milliseconds(100)
        }
        let store = TimedStore(RedisSessionStore(client: pool, key: .random(), contextID: UUID()))
        var configuration = TLSConfiguration.server(chain: InMemoryHandshake.identity.chain, key: InMemoryHandshake.identity.privateKey)
        configuration.ticketMode = .stateful
        configuration.sessionCacheMode = [.server, .noInternalStore]
        configuration.sessionStore = store
        configuration.sessionStoreTimeLimit = .milliseconds(100)
        let serverContext = try TLSContext(configuration, contextID: store.inner.contextID)
        let clientContext = try InMemoryHandshake.client()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await TLSServer.bind(host: "127.0.0.1", port: 0, context: serverContext, group: group) { connection in
            _ = try? await connection.readToEnd(maximumBytes: 1024)
        }

        let total = 1_000
        var failures: [String] = []
        var resumed = [Bool](repeating: false, count: total)
        var handshakeTimes: [Duration] = []
        var session: TLSSession?
        for index in 0..<total {
            switch index {
            case 200: redis.signal(SIGSTOP)
            case 350: redis.signal(SIGCONT)
            case 500: redis.stop()
            case 650: try await redis.restart()
            default: break
            }
            store.currentIndex.store(index, ordering: .relaxed)
            let start = ContinuousClock.now
            do {
                let connection = try await TLSClient.connect(host: "127.0.0.1", port: server.port, context: clientContext,
                                                             offering: session, group: group)
                handshakeTimes.append(ContinuousClock.now - start)
                resumed[index] = connection.sessionReused
                if let next = try await connection.newSession(timeout: .seconds(2)), next.isResumable { session = next }
                await connection.close()
            } catch {
                failures.append("handshake \(index): \(error)")
            }
        }
        await server.close()
        try await group.shutdownGracefully()

        func rate(_ range: Range<Int>) -> Double { Double(resumed[range].filter { $0 }.count) / Double(range.count) }
        let lookups = store.recorded.sorted()
        let handshakes = handshakeTimes.sorted()
        func percentile(_ sorted: [Duration], _ p: Double) -> Duration {
            sorted.isEmpty ? .zero : sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
        }
        print("""
            fault run: \(total) handshakes, \(failures.count) failed; resumed \(resumed.filter { $0 }.count) \
            (before 200: \(rate(100..<200)), stopped 200–349: \(rate(210..<350)), continued: \(rate(400..<500)), \
            killed 500–649: \(rate(510..<650)), restarted: \(rate(750..<1000))); \
            store lookups \(lookups.count): p50 \(percentile(lookups, 0.5)), p99 \(percentile(lookups, 0.99)), max \(lookups.last ?? .zero); \
            handshakes p50 \(percentile(handshakes, 0.5)), p99 \(percentile(handshakes, 0.99)), max \(handshakes.last ?? .zero); \
            slowest lookups (handshake: duration) \(store.slowest(3).map { "\($0.index): \($0.duration)" })
            """)
        #expect(failures.isEmpty, "\(failures.prefix(5))")
        #expect(rate(100..<200) >= 0.9, "Redis up: resumed")
        #expect(rate(210..<350) <= 0.1, "Redis hung: full handshakes")
        #expect(rate(400..<500) >= 0.9, "Redis continued: resumption returns")
        #expect(rate(510..<650) == 0, "Redis gone: full handshakes")
        #expect(rate(750..<1000) >= 0.9, "Redis restarted: resumption returns")
        // Each lookup ends within connect + command timeout (100 ms), with room for a loaded machine.
        #expect(lookups.count >= 900 && percentile(lookups, 0.99) < .milliseconds(150), "p99 \(percentile(lookups, 0.99))")
        // An unbounded lookup would wait for as long as Redis is stopped (the run is sequential:
        // for ever); run alone, the slowest takes about the 50 ms command limit.
        #expect((lookups.last ?? .zero) < .seconds(2), "max \(lookups.last ?? .zero)")
        let statistics = store.inner.statistics
        #expect(statistics.timeouts >= 1 && statistics.errors >= 1 && statistics.droppedPuts >= 1, "\(statistics)")
    }
}
