import Foundation
import Testing
@testable import ResumableTLS

/// The in-memory server cache (S14, S16–S18, S20, S30).
@Suite struct SessionCacheTests {
    let clock = TestClock()
    let removals = RemovalRecorder()

    private func makeCache(
        capacity: Int = 20_480, shards: Int = 16, autoFlushInterval: Int = 255, autoClear: Bool = true
    ) -> SessionCache {
        SessionCache(
            configuration: .init(
                capacity: capacity, shardCount: shards, autoFlushInterval: autoFlushInterval,
                removesExpiredAutomatically: autoClear),
            clock: clock, removalObserver: removals.observer)
    }

    @Test func s16DefaultsAreOpenSSLs() {
        let configuration = SessionCacheConfiguration()
        #expect(configuration.capacity == 20_480)
        #expect(configuration.defaultTimeout == 7_200)
        #expect(configuration.autoFlushInterval == 255)
        #expect(configuration.removesExpiredAutomatically)
        // Out-of-range values are clamped, never trapped on.
        let odd = SessionCacheConfiguration(capacity: -5, defaultTimeout: .nan, shardCount: 0, autoFlushInterval: -1)
        #expect(odd.capacity == 0 && odd.defaultTimeout == 7_200 && odd.shardCount == 1 && odd.autoFlushInterval == 0)
    }

    @Test func s16InsertAndLookup() {
        let cache = makeCache()
        let session = CacheFixtures.session(1, at: clock.now())
        #expect(cache.insert(session, now: clock.now()) == .inserted)
        #expect(cache.lookup(id: session.sessionID, now: clock.now()) === session)
        #expect(cache.lookup(id: CacheFixtures.id(2), now: clock.now()) == nil)
        #expect(cache.count == 1)
        #expect(cache.insert(session, now: clock.now()) == .alreadyCached)
        #expect(cache.count == 1)
    }

    @Test func s16SessionsWithoutIDOrAlreadyExpiredAreNotCached() {
        let cache = makeCache()
        let noID = TLSSession(
            protocolVersion: .tls13, cipherSuite: .tlsAES128GCMSHA256, secret: [1], creationTime: clock.now(),
            timeout: 100, contextID: CacheFixtures.contextID)
        #expect(cache.insert(noID, now: clock.now()) == .notCachedWithoutSessionID)
        let old = CacheFixtures.session(1, at: clock.now().addingTimeInterval(-200), timeout: 100)
        #expect(cache.insert(old, now: clock.now()) == .notCachedExpired)
        #expect(cache.count == 0)
        #expect(cache.lookup(id: [], now: clock.now()) == nil)
    }

    @Test(arguments: [1, 4, 16])
    func s16FullCacheEvictsTheEntryClosestToExpiry(shards: Int) {
        let cache = makeCache(capacity: 3, shards: shards)
        let now = clock.now()
        let a = CacheFixtures.session(1, at: now, timeout: 100)
        let b = CacheFixtures.session(2, at: now, timeout: 50)
        let c = CacheFixtures.session(3, at: now, timeout: 300)
        for session in [a, b, c] { cache.insert(session, now: now) }
        #expect(cache.count == 3)

        cache.insert(CacheFixtures.session(4, at: now, timeout: 1_000), now: now)
        #expect(cache.count == 3)
        #expect(removals.all.map(\.id) == [b.sessionID])
        #expect(removals.reasons == [.evicted])
        cache.insert(CacheFixtures.session(5, at: now, timeout: 1_000), now: now)
        #expect(removals.all.map(\.id) == [b.sessionID, a.sessionID])
        #expect(cache.count == 3)
        #expect(cache.statistics.cacheFull == 2)
        #expect(cache.statistics.number == 3)
        #expect(cache.statistics.capacity == 3)
        // S18: eviction does not spoil the evicted session for those who hold it.
        #expect(b.isResumable)
        #expect(!cache.contains(b))
    }

    @Test func s16CapacityZeroMeansUnbounded() {
        let cache = makeCache(capacity: 0)
        for n in 0..<100 { cache.insert(CacheFixtures.session(n, at: clock.now()), now: clock.now()) }
        #expect(cache.count == 100)
        #expect(removals.all.isEmpty)
    }

    @Test func s16PerSessionTimeoutIsRespected() {
        // The cache's default (7,200 s) is for new sessions; a cached one keeps its own.
        let cache = makeCache()
        let short = CacheFixtures.session(1, at: clock.now(), timeout: 10)
        let long = CacheFixtures.session(2, at: clock.now(), timeout: 20_000)
        cache.insert(short, now: clock.now())
        cache.insert(long, now: clock.now())
        clock.advance(by: 9)
        #expect(cache.lookup(id: short.sessionID, now: clock.now()) === short)
        clock.advance(by: 1)
        #expect(cache.lookup(id: short.sessionID, now: clock.now()) == nil)
        clock.advance(by: 10_000)
        #expect(cache.lookup(id: long.sessionID, now: clock.now()) === long)
    }

    @Test func s16LookupOfExpiredSessionReturnsNilRemovesItAndCountsATimeout() {
        let cache = makeCache()
        let session = CacheFixtures.session(1, at: clock.now(), timeout: 60)
        cache.insert(session, now: clock.now())
        clock.advance(by: 61)
        guard case .expired(let expired) = cache.lookupOutcome(id: session.sessionID, now: clock.now()) else {
            Issue.record("expected .expired")
            return
        }
        #expect(expired === session)
        #expect(!cache.contains(id: session.sessionID))
        #expect(cache.count == 0)
        #expect(cache.statistics.timeouts == 1)
        #expect(removals.reasons == [.expired])
        #expect(cache.lookup(id: session.sessionID, now: clock.now()) == nil)
        #expect(cache.statistics.timeouts == 1)  // gone now: a plain miss
    }

    @Test func s15NoAutoClearKeepsExpiredSessionsUntilAFlush() {
        let cache = makeCache(autoFlushInterval: 1, autoClear: false)
        let session = CacheFixtures.session(1, at: clock.now(), timeout: 60)
        cache.insert(session, now: clock.now())
        clock.advance(by: 61)
        #expect(cache.lookup(id: session.sessionID, now: clock.now()) == nil)
        #expect(cache.statistics.timeouts == 1)
        cache.insert(CacheFixtures.session(2, at: clock.now()), now: clock.now())  // no auto flush either
        #expect(cache.contains(session))
        #expect(removals.all.isEmpty)
        #expect(cache.flush(expiredAt: clock.now()) == 1)
        #expect(removals.reasons == [.expired])
    }

    @Test func s17AutomaticFlushEveryNInserts() {
        let cache = makeCache(autoFlushInterval: 3)
        let shortLived = CacheFixtures.session(1, at: clock.now(), timeout: 5)
        cache.insert(shortLived, now: clock.now())
        clock.advance(by: 10)
        cache.insert(CacheFixtures.session(2, at: clock.now()), now: clock.now())
        #expect(cache.contains(shortLived))
        cache.insert(CacheFixtures.session(3, at: clock.now()), now: clock.now())  // third insert: flush
        #expect(!cache.contains(shortLived))
        #expect(removals.reasons == [.expired])
        #expect(cache.count == 2)
    }

    @Test func s17FlushRemovesExpiredInExpiryOrderAndStopsAtTheFirstLiveEntry() {
        let cache = makeCache(shards: 1)
        let start = clock.now()
        // Inserted out of order: the list keeps them by expiry.
        for (n, timeout) in [(3, 30.0), (1, 10.0), (4, 40.0), (2, 20.0)] {
            cache.insert(CacheFixtures.session(n, at: start, timeout: timeout), now: start)
        }
        #expect(cache.sessions.map(\.sessionID) == [1, 2, 3, 4].map(CacheFixtures.id))
        #expect(cache.flush(expiredAt: start.addingTimeInterval(25)) == 2)
        #expect(removals.all.map(\.id) == [1, 2].map(CacheFixtures.id))
        #expect(removals.reasons == [.expired, .expired])
        #expect(cache.sessions.map(\.sessionID) == [3, 4].map(CacheFixtures.id))
        #expect(cache.flush(expiredAt: start.addingTimeInterval(25)) == 0)
        #expect(cache.flush(expiredAt: start.addingTimeInterval(40)) == 2)  // expiry is inclusive
        #expect(cache.count == 0)
    }

    @Test func s17ExplicitRemovalByIDAndByIdentity() {
        let cache = makeCache()
        let a = CacheFixtures.session(1, at: clock.now())
        let b = CacheFixtures.session(2, at: clock.now())
        cache.insert(a, now: clock.now())
        cache.insert(b, now: clock.now())
        #expect(cache.remove(id: a.sessionID, reason: .explicit) === a)
        #expect(cache.remove(id: a.sessionID, reason: .explicit) == nil)
        // S3: a copy is not in the cache, so removing it removes nothing.
        #expect(!cache.remove(b.copy(), reason: .explicit))
        #expect(cache.contains(b))
        #expect(cache.remove(b, reason: .explicit))
        #expect(removals.reasons == [.explicit, .explicit])
        #expect(cache.count == 0)
    }

    @Test func s17RemoveAllReportsEverySession() {
        let cache = makeCache()
        for n in 0..<50 { cache.insert(CacheFixtures.session(n, at: clock.now()), now: clock.now()) }
        #expect(cache.removeAll(reason: .contextTeardown) == 50)
        #expect(cache.count == 0)
        #expect(removals.reasons == Array(repeating: .contextTeardown, count: 50))
        #expect(Set(removals.all.map(\.id)) == Set((0..<50).map(CacheFixtures.id)))
    }

    @Test func s14TakeIsSingleUse() {
        let cache = makeCache()
        let session = CacheFixtures.session(1, at: clock.now())
        cache.insert(session, now: clock.now())
        #expect(cache.take(id: session.sessionID, now: clock.now()) === session)
        #expect(cache.take(id: session.sessionID, now: clock.now()) == nil)
        #expect(cache.lookup(id: session.sessionID, now: clock.now()) == nil)
        #expect(removals.reasons == [.singleUse])
        #expect(session.isResumable)  // taken to be resumed, not spoiled
    }

    @Test func s3S18CacheHoldsTheObjectNotCopies() {
        let cache = makeCache()
        let session = CacheFixtures.session(1, at: clock.now())
        cache.insert(session, now: clock.now())
        let copy = session.copy()
        #expect(cache.contains(session))
        #expect(!cache.contains(copy))
        #expect(cache.contains(id: copy.sessionID))
        // Inserting a different object with the same ID replaces the first (reported).
        #expect(cache.insert(copy, now: clock.now()) == .inserted)
        #expect(cache.contains(copy) && !cache.contains(session))
        #expect(removals.reasons == [.replaced])
        #expect(cache.count == 1)
        // S18: removal stops resumption from this cache, nothing else.
        cache.remove(copy, reason: .explicit)
        #expect(copy.isResumable)
        #expect(cache.lookup(id: copy.sessionID, now: clock.now()) == nil)
    }

    @Test(arguments: [1, 3])
    func s16S17ExpiryListMatchesAModelUnderRandomOperations(shards: Int) {
        let cache = makeCache(capacity: 0, shards: shards, autoFlushInterval: 0)
        var model: [[UInt8]: TLSSession] = [:]
        var random = SplitMix64(state: 42)
        let start = clock.now()
        var now = start
        for step in 0..<4_000 {
            let id = Int(random.next() % 300)
            switch random.next() % 10 {
            case 0..<5:
                let session = CacheFixtures.session(id, at: now, timeout: Double(1 + random.next() % 500))
                cache.insert(session, now: now)
                model[session.sessionID] = session
            case 5..<7:
                #expect((cache.remove(id: CacheFixtures.id(id), reason: .explicit) != nil) == (model.removeValue(forKey: CacheFixtures.id(id)) != nil))
            case 7:
                cache.flush(expiredAt: now)
                model = model.filter { !$0.value.isExpired(at: now) }
            default:
                now = now.addingTimeInterval(Double(random.next() % 20))
            }
            if step % 97 == 0 {
                let cached = cache.sessions
                #expect(cached.count == model.count)
                #expect(Set(cached.map(\.sessionID)) == Set(model.keys))
                if shards == 1 {
                    #expect(zip(cached, cached.dropFirst()).allSatisfy { $0.expirationTime <= $1.expirationTime })
                }
            }
        }
        #expect(cache.count == model.count)
    }

    @Test func s23CacheIsASessionStore() async throws {
        let cache = makeCache()
        let store: any SessionStore = cache
        let session = CacheFixtures.session(1, at: clock.now(), timeout: 30)
        try await store.put(session)
        #expect(try await store.get(id: session.sessionID) === session)
        #expect(try await store.take(id: session.sessionID) === session)
        #expect(try await store.take(id: session.sessionID) == nil)
        try await store.put(session)
        try await store.remove(id: session.sessionID)
        #expect(try await store.get(id: session.sessionID) == nil)
        #expect(removals.reasons == [.singleUse, .explicit])
    }
}
