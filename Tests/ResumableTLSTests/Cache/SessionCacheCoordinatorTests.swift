import Foundation
import Synchronization
import Testing
@testable import ResumableTLS

/// The cache policy: modes, callbacks, external stores, statistics (S13–S23, S30).
@Suite struct SessionCacheCoordinatorTests {
    let clock = TestClock()
    let removals = RemovalRecorder()

    private func makeCoordinator(
        mode: SessionCacheMode = .default, role: TLSConfiguration.Role = .server,
        onNew: (@Sendable (TLSSession) -> NewSessionDecision)? = nil,
        onLookup: (@Sendable (SessionLookupRequest) async throws -> SessionLookupResult?)? = nil,
        store: (any SessionStore)? = nil, timeLimit: Duration = .milliseconds(100),
        capacity: Int = 20_480
    ) -> SessionCacheCoordinator {
        var newCallback: (@Sendable (TLSSession, TLSConnection?) -> NewSessionDecision)?
        if let onNew { newCallback = { session, _ in onNew(session) } }
        return SessionCacheCoordinator(
            mode: mode, role: role, cacheConfiguration: .init(capacity: capacity),
            callbacks: SessionCallbacks(onNew: newCallback, onRemove: { session, reason, _ in removals.observer(session, reason) }, onLookup: onLookup),
            externalStore: store, externalTimeLimit: timeLimit, clock: clock)
    }

    // MARK: S15 modes

    @Test func s15ModeValuesAndDefaultAreOpenSSLs() {
        #expect(SessionCacheMode.off.rawValue == 0)
        #expect(SessionCacheMode.client.rawValue == 0x1)
        #expect(SessionCacheMode.server.rawValue == 0x2)
        #expect(SessionCacheMode.both.rawValue == 0x3)
        #expect(SessionCacheMode.noAutoClear.rawValue == 0x80)
        #expect(SessionCacheMode.noInternalLookup.rawValue == 0x100)
        #expect(SessionCacheMode.noInternalStore.rawValue == 0x200)
        #expect(SessionCacheMode.noInternal.rawValue == 0x300)
        #expect(SessionCacheMode.default == .server)
        #expect(SessionCacheMode().isEmpty)
        #expect(SessionCacheMode.default.isCaching(for: .server))
        #expect(!SessionCacheMode.default.isCaching(for: .client))
        #expect("\(SessionCacheMode.both.union(.noInternal))" == "client|server|noInternalLookup|noInternalStore")
        #expect("\(SessionCacheMode.off)" == "off")
        let coordinator = SessionCacheCoordinator()
        #expect(coordinator.mode == .server)
        #expect(coordinator.role == .server)
        #expect(coordinator.cache.configuration.capacity == 20_480)
        #expect(coordinator.externalTimeLimit == .milliseconds(100))
    }

    struct ModeCase: Sendable, CustomTestStringConvertible {
        let mode: SessionCacheMode
        let role: TLSConfiguration.Role
        let stores: Bool
        let callsNew: Bool
        let findsInternally: Bool
        var testDescription: String { "\(role) \(mode)" }
    }

    static let modeCases: [ModeCase] = [
        .init(mode: .server, role: .server, stores: true, callsNew: true, findsInternally: true),
        .init(mode: .both, role: .server, stores: true, callsNew: true, findsInternally: true),
        .init(mode: .off, role: .server, stores: false, callsNew: false, findsInternally: false),
        .init(mode: .client, role: .server, stores: false, callsNew: false, findsInternally: false),
        .init(mode: [.server, .noInternalStore], role: .server, stores: false, callsNew: true, findsInternally: false),
        .init(mode: [.server, .noInternalLookup], role: .server, stores: true, callsNew: true, findsInternally: false),
        .init(mode: [.server, .noInternal], role: .server, stores: false, callsNew: true, findsInternally: false),
        .init(mode: [.server, .noAutoClear], role: .server, stores: true, callsNew: true, findsInternally: true),
        // Clients: OpenSSL's default leaves client caching off; a client never looks up.
        .init(mode: .default, role: .client, stores: false, callsNew: false, findsInternally: false),
        .init(mode: .client, role: .client, stores: true, callsNew: true, findsInternally: false),
        .init(mode: .both, role: .client, stores: true, callsNew: true, findsInternally: false),
    ]

    @Test(arguments: modeCases)
    func s15WhatEachModeStoresAndLooksUp(_ modeCase: ModeCase) async {
        let newCalls = CallCounter()
        let coordinator = makeCoordinator(mode: modeCase.mode, role: modeCase.role, onNew: { _ in
            newCalls.bump()
            return .kept
        })
        let session = CacheFixtures.session(1, at: clock.now())
        let outcome = coordinator.sessionEstablished(session, now: clock.now())
        #expect(outcome.isCachedInternally == modeCase.stores)
        #expect(coordinator.cache.contains(session) == modeCase.stores)
        #expect(newCalls.count == (modeCase.callsNew ? 1 : 0))
        #expect(outcome.decision == (modeCase.callsNew ? .kept : nil))
        let resumed = await coordinator.resume(id: session.sessionID, singleUse: false, now: clock.now())
        #expect((resumed === session) == modeCase.findsInternally)
        #expect(coordinator.statistics.hits == (modeCase.findsInternally ? 1 : 0))
    }

    // MARK: S16 timeouts

    @Test func s16ContextTimeoutForNewSessionsIsCappedForTLS13() {
        #expect(SessionCacheCoordinator().timeout(for: .tls13) == 7_200)
        let long = SessionCacheCoordinator(cacheConfiguration: .init(defaultTimeout: 30 * 86_400))
        #expect(long.timeout(for: .tls12) == 30 * 86_400)
        #expect(long.timeout(for: .tls13) == 604_800)
    }

    @Test func s16ExpiredInternalSessionIsATimeoutNotAMiss() async {
        let lookups = CallCounter()
        let coordinator = makeCoordinator(onLookup: { _ in lookups.bump(); return nil })
        let session = CacheFixtures.session(1, at: clock.now(), timeout: 10)
        coordinator.sessionEstablished(session, now: clock.now())
        clock.advance(by: 11)
        #expect(await coordinator.resume(id: session.sessionID, singleUse: false, now: clock.now()) == nil)
        let statistics = coordinator.statistics
        #expect(statistics.timeouts == 1 && statistics.misses == 0 && statistics.hits == 0)
        #expect(lookups.count == 0)
        #expect(removals.reasons == [.expired])
    }

    // MARK: S19 new callback

    @Test func s19NewCallbackKeptLeavesTheSessionCached() {
        let seen = LockedValue<[TLSSession]>([])
        let coordinator = makeCoordinator(onNew: { session in
            seen.withLock { $0.append(session) }
            return .kept
        })
        let session = CacheFixtures.session(1, at: clock.now())
        let outcome = coordinator.sessionEstablished(session, now: clock.now())
        #expect(outcome.decision == .kept && outcome.isCachedInternally)
        #expect(seen.withLock { $0.count == 1 && $0[0] === session })
        #expect(coordinator.cache.contains(session))
        #expect(removals.all.isEmpty)
    }

    @Test func s19S20NewCallbackNotKeptTakesTheSessionOutAgain() async {
        let coordinator = makeCoordinator(onNew: { _ in .notKept })
        let session = CacheFixtures.session(1, at: clock.now())
        let outcome = coordinator.sessionEstablished(session, now: clock.now())
        #expect(outcome.decision == .notKept && !outcome.isCachedInternally)
        #expect(!coordinator.cache.contains(session))
        #expect(removals.reasons == [.rejectedByNewCallback])
        #expect(session.isResumable)  // the application may still hold and use it
        #expect(await coordinator.resume(id: session.sessionID, singleUse: false, now: clock.now()) == nil)
    }

    // MARK: S21 get callback

    @Test func s21GetCallbackIsAskedOnAMissAndCounted() async {
        let external = CacheFixtures.session(7, at: clock.now())
        let asked = LockedValue<[[UInt8]]>([])
        let coordinator = makeCoordinator(onLookup: { request in
            let id = request.sessionID
            asked.withLock { $0.append(id) }
            return SessionLookupResult(external, insertIntoInternalCache: true)
        })
        let id = external.sessionID
        guard case .lookUpExternally(let lookup) = coordinator.resumeFromInternalCache(id: id, singleUse: false, now: clock.now()) else {
            Issue.record("expected an external lookup")
            return
        }
        #expect(lookup.id == id && !lookup.singleUse)
        #expect(await lookup.run() === external)
        #expect(asked.withLock { $0 } == [id])
        // Inserted, as asked: the next resumption is an internal hit.
        #expect(coordinator.cache.contains(external))
        #expect(await coordinator.resume(id: id, singleUse: false, now: clock.now()) === external)
        #expect(asked.withLock { $0.count } == 1)
        let statistics = coordinator.statistics
        #expect(statistics.misses == 1 && statistics.callbackHits == 1 && statistics.hits == 2)
    }

    @Test func s21InsertFlagFalseKeepsTheSessionOutOfTheInternalCache() async {
        let external = CacheFixtures.session(7, at: clock.now())
        let coordinator = makeCoordinator(onLookup: { _ in SessionLookupResult(external, insertIntoInternalCache: false) })
        #expect(await coordinator.resume(id: external.sessionID, singleUse: false, now: clock.now()) === external)
        #expect(!coordinator.cache.contains(external))
        #expect(coordinator.cache.count == 0)
    }

    @Test func s21GetCallbackIsAskedWithInternalLookupOff() async {
        let external = CacheFixtures.session(7, at: clock.now())
        let coordinator = makeCoordinator(
            mode: [.server, .noInternalLookup], onLookup: { _ in SessionLookupResult(external) })
        let cached = CacheFixtures.session(7, at: clock.now())
        coordinator.sessionEstablished(cached, now: clock.now())
        #expect(coordinator.cache.contains(cached))
        // The internal cache holds ID 7, but is not searched: the callback answers.
        #expect(await coordinator.resume(id: external.sessionID, singleUse: false, now: clock.now()) === external)
        #expect(coordinator.statistics.misses == 0)  // as in OpenSSL: misses count internal lookups
        #expect(coordinator.statistics.callbackHits == 1)
    }

    @Test func s21GetCallbackIsAskedEvenWithCachingOff() async {
        let external = CacheFixtures.session(7, at: clock.now())
        let coordinator = makeCoordinator(mode: .off, onLookup: { _ in SessionLookupResult(external) })
        #expect(await coordinator.resume(id: external.sessionID, singleUse: false, now: clock.now()) === external)
        // As OpenSSL's lookup_sess_in_cache: only SSL_SESS_CACHE_NO_INTERNAL_STORE keeps a found
        // session out of the internal cache, whatever the rest of the mode (S21).
        #expect(coordinator.cache.contains(external))
    }

    @Test func s21AFoundSessionIsCachedUnlessNoInternalStore() async {
        let external = CacheFixtures.session(7, at: clock.now())
        let storing = makeCoordinator(mode: .server, onLookup: { _ in SessionLookupResult(external) })
        #expect(await storing.resume(id: external.sessionID, singleUse: false, now: clock.now()) === external)
        #expect(storing.cache.contains(external))
        let notStoring = makeCoordinator(mode: [.server, .noInternalStore], onLookup: { _ in SessionLookupResult(external) })
        #expect(await notStoring.resume(id: external.sessionID, singleUse: false, now: clock.now()) === external)
        #expect(notStoring.cache.count == 0)
        // A consumed single-use session is never re-cached.
        let singleUse = makeCoordinator(mode: .server, onLookup: { _ in SessionLookupResult(external) })
        #expect(await singleUse.resume(id: external.sessionID, singleUse: true, now: clock.now()) === external)
        #expect(singleUse.cache.count == 0)
    }

    @Test func s14ATicketTakenFromTheInternalCacheLeavesTheStoreToo() async throws {
        let store = DictionaryStore()
        let coordinator = makeCoordinator(store: store, timeLimit: .seconds(5))
        let session = CacheFixtures.session(3, at: clock.now())
        _ = await coordinator.sessionEstablished(session, now: clock.now()).externalStoreWrite?.run()
        #expect(try await store.get(id: session.sessionID) === session)
        #expect(await coordinator.resume(id: session.sessionID, singleUse: true, now: clock.now()) === session)
        // The store's copy goes in the background (bounded wait): it cannot resume the ticket again.
        for _ in 0..<200 where try await store.get(id: session.sessionID) != nil { try await Task.sleep(for: .milliseconds(10)) }
        #expect(try await store.get(id: session.sessionID) == nil)
        #expect(await coordinator.resume(id: session.sessionID, singleUse: true, now: clock.now()) == nil)
    }

    @Test func s5ASessionOfAnotherContextFromTheCallbackIsRefused() async {
        let owner = UUID()
        let mine = CacheFixtures.session(7, at: clock.now()).copy(ownedBy: owner)
        let foreign = CacheFixtures.session(8, at: clock.now())
        let coordinator = SessionCacheCoordinator(
            callbacks: SessionCallbacks(onLookup: { request in
                SessionLookupResult(request.sessionID == mine.sessionID ? mine : foreign)
            }),
            clock: clock, contextID: owner)
        #expect(await coordinator.resume(id: mine.sessionID, singleUse: false, now: clock.now()) === mine)
        #expect(await coordinator.resume(id: foreign.sessionID, singleUse: false, now: clock.now()) == nil)
        #expect(!coordinator.cache.contains(foreign))
        // Re-owned explicitly, it resumes.
        let adopted = foreign.copy(ownedBy: owner)
        #expect(adopted.hasSameParameters(as: foreign.copy(ownedBy: owner)) && adopted.contextID == owner)
        let adopting = SessionCacheCoordinator(
            callbacks: SessionCallbacks(onLookup: { _ in SessionLookupResult(adopted) }), clock: clock, contextID: owner)
        #expect(await adopting.resume(id: foreign.sessionID, singleUse: false, now: clock.now()) === adopted)
    }

    @Test func s21ClientsNeverLookUp() async {
        let lookups = CallCounter()
        let coordinator = makeCoordinator(mode: .both, role: .client, onLookup: { _ in lookups.bump(); return nil })
        guard case .fullHandshake = coordinator.resumeFromInternalCache(id: CacheFixtures.id(1), singleUse: false, now: clock.now()) else {
            Issue.record("expected a full handshake")
            return
        }
        #expect(lookups.count == 0)
    }

    @Test func s21ExpiredExternalSessionIsATimeoutAndNotCached() async {
        let stale = CacheFixtures.session(7, at: clock.now().addingTimeInterval(-100), timeout: 50)
        let coordinator = makeCoordinator(onLookup: { _ in SessionLookupResult(stale) })
        #expect(await coordinator.resume(id: stale.sessionID, singleUse: false, now: clock.now()) == nil)
        #expect(coordinator.statistics.timeouts == 1 && coordinator.statistics.callbackHits == 1)
        #expect(coordinator.cache.count == 0)
    }

    // MARK: S23 slow and failing stores

    @Test func s23SlowGetCallbackDegradesToAMiss() async {
        let external = CacheFixtures.session(7, at: clock.now())
        let coordinator = makeCoordinator(
            onLookup: { _ in
                try await Task.sleep(for: .seconds(30))
                return SessionLookupResult(external)
            }, timeLimit: .milliseconds(50))
        let started = ContinuousClock.now
        #expect(await coordinator.resume(id: external.sessionID, singleUse: false, now: clock.now()) == nil)
        // Waiting for the callback would take 30 s; a loaded machine (the whole suite runs in
        // parallel on 2 cores) can delay the time limit's task by many seconds, not by 30.
        #expect(ContinuousClock.now - started < .seconds(29))
        #expect(coordinator.statistics.externalStoreFailures == 1)
        #expect(coordinator.statistics.hits == 0)
    }

    @Test func s23StoreThatIgnoresCancellationStillDegradesToAMissInTime() async {
        let external = CacheFixtures.session(7, at: clock.now())
        let coordinator = makeCoordinator(
            store: SlowStore(session: external, delay: .seconds(30)), timeLimit: .milliseconds(50))
        let started = ContinuousClock.now
        #expect(await coordinator.resume(id: external.sessionID, singleUse: false, now: clock.now()) == nil)
        #expect(ContinuousClock.now - started < .seconds(29), "the store takes 30 s")
        #expect(coordinator.statistics.externalStoreFailures == 1)
    }

    @Test func s23ThrowingGetCallbackAndStoreDegradeToAMiss() async {
        let coordinator = makeCoordinator(onLookup: { _ in throw StoreUnavailable() }, store: ThrowingStore())
        #expect(await coordinator.resume(id: CacheFixtures.id(1), singleUse: false, now: clock.now()) == nil)
        #expect(coordinator.statistics.externalStoreFailures == 2)
        // Writes to a throwing store are swallowed too.
        let outcome = coordinator.sessionEstablished(CacheFixtures.session(1, at: clock.now()), now: clock.now())
        #expect(outcome.isCachedInternally)
        #expect(await outcome.externalStoreWrite?.run() == false)
        #expect(coordinator.statistics.externalStoreFailures == 3)
    }

    @Test func s23ExternalStoreIsWrittenAndReadLikeTheCallbacks() async throws {
        let store = DictionaryStore()
        let coordinator = makeCoordinator(mode: [.server, .noInternal], store: store)
        let session = CacheFixtures.session(1, at: clock.now())
        let outcome = coordinator.sessionEstablished(session, now: clock.now())
        #expect(!outcome.isCachedInternally)
        #expect(await outcome.externalStoreWrite?.run() == true)
        #expect(await coordinator.resume(id: session.sessionID, singleUse: false, now: clock.now()) === session)
        // S14 across the store: take, once.
        #expect(await coordinator.resume(id: session.sessionID, singleUse: true, now: clock.now()) === session)
        #expect(await coordinator.resume(id: session.sessionID, singleUse: true, now: clock.now()) == nil)
        #expect(await store.calls == ["put", "get", "take", "take"])
    }

    // MARK: S13, S14, S17

    @Test func s13UncleanShutdownRemovesAndMarksNotResumable() async {
        let store = DictionaryStore()
        let coordinator = makeCoordinator(store: store)
        let session = CacheFixtures.session(1, at: clock.now())
        await coordinator.sessionEstablished(session, now: clock.now()).externalStoreWrite?.run()
        let removal = coordinator.invalidate(session)
        #expect(!session.isResumable)
        #expect(!coordinator.cache.contains(session))
        #expect(removals.reasons == [.uncleanShutdown])
        #expect(await removal?.run() == true)
        #expect(await store.sessions.isEmpty)
        #expect(await coordinator.resume(id: session.sessionID, singleUse: false, now: clock.now()) == nil)
    }

    @Test func s13SessionMarkedBadWhileCachedIsNotResumed() async {
        let coordinator = makeCoordinator()
        let session = CacheFixtures.session(1, at: clock.now())
        coordinator.sessionEstablished(session, now: clock.now())
        session.markNotResumable()
        #expect(await coordinator.resume(id: session.sessionID, singleUse: false, now: clock.now()) == nil)
        #expect(!coordinator.cache.contains(session))
        #expect(removals.reasons == [.uncleanShutdown])
    }

    @Test func s14SingleUseResumptionTakesTheSession() async {
        let coordinator = makeCoordinator()
        let session = CacheFixtures.session(1, at: clock.now())
        coordinator.sessionEstablished(session, now: clock.now())
        #expect(await coordinator.resume(id: session.sessionID, singleUse: true, now: clock.now()) === session)
        #expect(await coordinator.resume(id: session.sessionID, singleUse: true, now: clock.now()) == nil)
        #expect(removals.reasons == [.singleUse])
        #expect(coordinator.statistics.hits == 1 && coordinator.statistics.misses == 1)
    }

    @Test func s14SingleUseExternalResultIsNotReinserted() async {
        let external = CacheFixtures.session(7, at: clock.now())
        let coordinator = makeCoordinator(onLookup: { _ in SessionLookupResult(external, insertIntoInternalCache: true) })
        #expect(await coordinator.resume(id: external.sessionID, singleUse: true, now: clock.now()) === external)
        #expect(coordinator.cache.count == 0)
    }

    @Test func s17ExplicitRemovalAndFlush() {
        let coordinator = makeCoordinator()
        let a = CacheFixtures.session(1, at: clock.now(), timeout: 10)
        let b = CacheFixtures.session(2, at: clock.now(), timeout: 100)
        coordinator.sessionEstablished(a, now: clock.now())
        coordinator.sessionEstablished(b, now: clock.now())
        clock.advance(by: 20)
        #expect(coordinator.flush(now: clock.now()) == 1)
        let copy = b.copy()
        coordinator.remove(b)
        #expect(!b.isResumable)
        #expect(copy.isResumable)  // S3: the copy is independent
        #expect(removals.all.map(\.id) == [a.sessionID, b.sessionID])
        #expect(removals.reasons == [.expired, .explicit])
        #expect(coordinator.cache.count == 0)
    }

    @Test func s17RemovalByAnotherObjectWithTheSameIDRemovesTheCachedSession() {
        // As current OpenSSL's SSL_CTX_remove_session: the ID decides, so a session re-read
        // from a store (another object) removes the cached one (issue 15).
        let coordinator = makeCoordinator()
        let cached = CacheFixtures.session(3, at: clock.now(), timeout: 100)
        coordinator.sessionEstablished(cached, now: clock.now())
        let reread = cached.copy()
        coordinator.remove(reread)
        #expect(coordinator.cache.count == 0)
        #expect(!cached.isResumable && !reread.isResumable)
        #expect(removals.all.map(\.id) == [cached.sessionID])
        #expect(removals.reasons == [.explicit])
        // Removing an ID the cache does not hold removes nothing and reports nothing.
        coordinator.remove(CacheFixtures.session(4, at: clock.now()))
        #expect(removals.reasons == [.explicit])
    }

    @Test func s17S20TeardownRemovesEverySessionAndCallsOnRemoveForEach() {
        let coordinator = makeCoordinator()
        let sessions = (0..<100).map { CacheFixtures.session($0, at: clock.now()) }
        for session in sessions { coordinator.sessionEstablished(session, now: clock.now()) }
        #expect(coordinator.teardown() == 100)
        #expect(coordinator.cache.count == 0)
        #expect(removals.reasons == Array(repeating: .contextTeardown, count: 100))
        #expect(Set(removals.all.map(\.id)) == Set(sessions.map(\.sessionID)))
    }

    @Test func s20EveryRemovalPathReportsItsReason() async {
        let coordinator = makeCoordinator(onNew: { $0.sessionID == CacheFixtures.id(6) ? .notKept : .kept }, capacity: 8)
        let now = clock.now()
        func establish(_ n: Int, timeout: TimeInterval = 1_000) -> TLSSession {
            let session = CacheFixtures.session(n, at: now, timeout: timeout)
            coordinator.sessionEstablished(session, now: now)
            return session
        }
        let expiring = establish(1, timeout: 5)
        let flushed = establish(2, timeout: 5)
        let unclean = establish(3)
        let single = establish(4)
        let explicit = establish(5)
        _ = establish(6)  // not kept
        let replaced = establish(7)
        clock.advance(by: 6)
        _ = await coordinator.resume(id: expiring.sessionID, singleUse: false, now: clock.now())
        coordinator.flush(now: clock.now())
        coordinator.invalidate(unclean)
        _ = await coordinator.resume(id: single.sessionID, singleUse: true, now: clock.now())
        coordinator.invalidate(explicit, reason: .explicit)
        coordinator.sessionEstablished(replaced.copy(), now: clock.now())
        // One session left; fill to capacity (8) and one more: the earliest-expiring goes.
        for n in 10..<18 { _ = establish(n, timeout: 2_000 + Double(n)) }
        coordinator.teardown()
        let reasons = removals.reasons
        #expect(removals.reasons(for: CacheFixtures.id(1)) == [.expired])
        #expect(removals.reasons(for: CacheFixtures.id(2)) == [.expired])
        #expect(removals.reasons(for: CacheFixtures.id(3)) == [.uncleanShutdown])
        #expect(removals.reasons(for: CacheFixtures.id(4)) == [.singleUse])
        #expect(removals.reasons(for: CacheFixtures.id(5)) == [.explicit])
        #expect(removals.reasons(for: CacheFixtures.id(6)) == [.rejectedByNewCallback])
        #expect(removals.reasons(for: CacheFixtures.id(7)) == [.replaced, .evicted])
        #expect(reasons.filter { $0 == .contextTeardown }.count == 8)
        #expect(Set(reasons) == [.expired, .uncleanShutdown, .singleUse, .explicit, .rejectedByNewCallback, .replaced, .evicted, .contextTeardown])
        _ = flushed
    }

    // MARK: S22, S30

    @Test func s22ConfiguredCallbacksAndStoreAreReadable() {
        let store = DictionaryStore()
        let coordinator = makeCoordinator(mode: .both, onNew: { _ in .kept }, onLookup: { _ in nil }, store: store, timeLimit: .seconds(2))
        #expect(coordinator.callbacks.onNew != nil)
        #expect(coordinator.callbacks.onRemove != nil)
        #expect(coordinator.callbacks.onLookup != nil)
        #expect((coordinator.externalStore as? DictionaryStore) === store)
        #expect(coordinator.externalTimeLimit == .seconds(2))
        #expect(coordinator.mode == .both)
        #expect(coordinator.storesInternally && coordinator.looksUpInternally && coordinator.looksUpExternally)
        let bare = SessionCacheCoordinator()
        #expect(bare.callbacks.onNew == nil && bare.callbacks.onRemove == nil && bare.callbacks.onLookup == nil)
        #expect(bare.externalStore == nil && !bare.looksUpExternally)
    }

    @Test func s22AContextReadsBackWhatItWasConfiguredWith() throws {
        var configuration = InMemoryIdentity.serverConfiguration()
        let store = DictionaryStore()
        configuration.sessionCacheMode = [.server, .noAutoClear]
        configuration.sessionCacheSize = 99
        configuration.sessionTimeout = 300
        configuration.sessionCallbacks = SessionCallbacks(onNew: { _, _ in .kept }, onRemove: { _, _, _ in }, onLookup: { _ in nil })
        configuration.sessionStore = store
        configuration.sessionStoreTimeLimit = .milliseconds(750)
        let context = try TLSContext(configuration)
        // SSL_CTX_sess_get_new_cb / _remove_cb / _get_cb, SSL_CTX_get_session_cache_mode,
        // SSL_CTX_sess_get_cache_size, SSL_CTX_get_timeout.
        #expect(context.sessionCache.callbacks.onNew != nil)
        #expect(context.sessionCache.callbacks.onRemove != nil)
        #expect(context.sessionCache.callbacks.onLookup != nil)
        #expect((context.sessionCache.externalStore as? DictionaryStore) === store)
        #expect(context.sessionCache.externalTimeLimit == .milliseconds(750))
        #expect(context.sessionCache.mode == [.server, .noAutoClear])
        #expect(context.statistics.capacity == 99)
        #expect(context.sessionCache.timeout(for: .tls13) == 300)
        let plain = try TLSContext(InMemoryIdentity.serverConfiguration())
        #expect(plain.sessionCache.callbacks.onNew == nil && plain.sessionCache.externalStore == nil)
    }

    @Test func s30StatisticsCountLikeOpenSSL() async {
        let coordinator = makeCoordinator(capacity: 2)
        coordinator.recordAccept()
        coordinator.recordAccept()
        coordinator.recordAcceptGood()
        coordinator.recordConnect()
        coordinator.recordConnectGood()
        coordinator.recordClientHit()
        let now = clock.now()
        for n in 0..<3 { coordinator.sessionEstablished(CacheFixtures.session(n, at: now, timeout: 100 + Double(n)), now: now) }
        _ = await coordinator.resume(id: CacheFixtures.id(2), singleUse: false, now: now)  // hit
        _ = await coordinator.resume(id: CacheFixtures.id(0), singleUse: false, now: now)  // evicted: miss
        clock.advance(by: 500)
        _ = await coordinator.resume(id: CacheFixtures.id(1), singleUse: false, now: clock.now())  // timeout
        let statistics = coordinator.statistics
        #expect(statistics.accept == 2 && statistics.acceptGood == 1)
        #expect(statistics.connect == 1 && statistics.connectGood == 1)
        #expect(statistics.connectRenegotiate == 0 && statistics.acceptRenegotiate == 0)
        #expect(statistics.hits == 2 && statistics.misses == 1 && statistics.timeouts == 1)
        #expect(statistics.cacheFull == 1 && statistics.callbackHits == 0)
        #expect(statistics.number == 1 && statistics.capacity == 2)
        let named = Dictionary(uniqueKeysWithValues: statistics.namedValues.map { ($0.name, $0.value) })
        #expect(named["hits"] == 2 && named["cache_full"] == 1 && named["number"] == 1 && named["cb_hits"] == 0)
    }
}
