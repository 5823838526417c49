import Dispatch
import Foundation
import Synchronization
import Testing
@testable import ResumableTLS

/// The cache under many threads at once (S4, S14, S16, S17): run under `-sanitize=thread` in CI.
@Suite struct SessionCacheStressTests {

    final class Tally: Sendable {
        let inserted = Atomic<Int>(0)
        let removed = Atomic<Int>(0)
        let taken = LockedValue<Set<[UInt8]>>([])
        let duplicateTakes = Atomic<Int>(0)
        let overCapacity = Atomic<Int>(0)
        let wrongSession = Atomic<Int>(0)
        let resumed = LockedValue<[[UInt8]: Int]>([:])
    }

    @Test func s16S14S17StressConcurrentInsertLookupTakeFlush() {
        let workers = 8
        let operationsPerWorker = 3_000
        let capacity = 512
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        let tally = Tally()
        let cache = SessionCache(
            configuration: .init(capacity: capacity, shardCount: 16, autoFlushInterval: 64),
            removalObserver: { _, _ in tally.removed.wrappingAdd(1, ordering: .relaxed) })

        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var random = SplitMix64(state: UInt64(worker) &* 7_919 &+ 1)
            for step in 0..<operationsPerWorker {
                // Time moves forward with each step, so sessions expire and get flushed.
                let now = start.addingTimeInterval(Double(step))
                let n = worker * operationsPerWorker + step
                let pick = Int(random.next() % 100)
                // An ID any worker may have inserted recently.
                let recent = CacheFixtures.id(Int(random.next() % UInt64(workers)) * operationsPerWorker + max(0, step - Int(random.next() % 50)))
                switch pick {
                case 0..<45:
                    let session = CacheFixtures.session(n, at: now, timeout: Double(20 + random.next() % 400))
                    if cache.insert(session, now: now) == .inserted {
                        tally.inserted.wrappingAdd(1, ordering: .relaxed)
                    }
                case 45..<75:
                    if let found = cache.lookup(id: recent, now: now), found.sessionID != recent {
                        tally.wrongSession.wrappingAdd(1, ordering: .relaxed)
                    }
                case 75..<90:
                    if let taken = cache.take(id: recent, now: now) {
                        let isNew = tally.taken.withLock { $0.insert(taken.sessionID).inserted }
                        if !isNew { tally.duplicateTakes.wrappingAdd(1, ordering: .relaxed) }
                    }
                case 90..<95:
                    cache.remove(id: recent, reason: .explicit)
                case 95..<98:
                    cache.flush(expiredAt: now)
                default:
                    _ = cache.count
                }
                if cache.occupiedSlots > capacity { tally.overCapacity.wrappingAdd(1, ordering: .relaxed) }
            }
        }

        #expect(tally.overCapacity.load(ordering: .relaxed) == 0)
        #expect(tally.duplicateTakes.load(ordering: .relaxed) == 0)
        #expect(tally.wrongSession.load(ordering: .relaxed) == 0)
        #expect(cache.count <= capacity)
        // No lost sessions: every inserted session is still cached or was reported removed.
        let inserted = tally.inserted.load(ordering: .relaxed)
        let removed = tally.removed.load(ordering: .relaxed)
        #expect(inserted > 0 && removed > 0)
        #expect(inserted == cache.count + removed)
        #expect(cache.sessions.count == cache.count)
        // Once quiet, the slot counter agrees with the shards: fill it up and check the bound.
        let later = start.addingTimeInterval(1_000_000)
        for n in 0..<(capacity * 2) {
            cache.insert(CacheFixtures.session(10_000_000 + n, at: later), now: later)
        }
        #expect(cache.count == capacity)
        #expect(cache.removeAll(reason: .contextTeardown) == capacity)
    }

    @Test func s14S21StressConcurrentCoordinatorResumptions() async {
        let coordinator = SessionCacheCoordinator(
            cacheConfiguration: .init(capacity: 256, shardCount: 8),
            // A get callback that never finds anything: every internal miss goes out and back.
            callbacks: SessionCallbacks(onLookup: { _ in nil }))
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let sessions = (0..<200).map { CacheFixtures.session($0, at: now) }
        for session in sessions { coordinator.sessionEstablished(session, now: now) }
        let winners = Tally()
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for n in 0..<200 {
                        let id = CacheFixtures.id((n + worker * 25) % 200)
                        if let session = await coordinator.resume(id: id, singleUse: true, now: now) {
                            winners.resumed.withLock { $0[session.sessionID, default: 0] += 1 }
                        }
                    }
                }
            }
        }
        // Each single-use session was resumed exactly once, whoever won.
        let counts = winners.resumed.withLock { $0 }
        #expect(counts.count == 200)
        #expect(counts.values.allSatisfy { $0 == 1 })
        #expect(coordinator.cache.count == 0)
        let statistics = coordinator.statistics
        #expect(statistics.hits == 200 && statistics.misses == 8 * 200 - 200)
    }
}
