import Foundation
import Synchronization

/// What `SessionCache.insert(_:now:)` did with a session (`SSL_CTX_add_session`'s result,
/// in more detail).
public enum SessionCacheInsertion: Sendable, Hashable {
    /// Now in the cache (replacing any different session with the same ID, reported as
    /// `SessionRemovalReason.replaced`).
    case inserted
    /// This very session was already in the cache.
    case alreadyCached
    /// Not cached: the session has no session ID to find it by (OpenSSL does not cache these).
    case notCachedWithoutSessionID
    /// Not cached: it had already expired.
    case notCachedExpired
    /// Not cached: the cache was full and nothing could be evicted (every slot held by inserts
    /// still in flight on other threads).
    case notCachedFull

    /// Whether the session is in the cache after the call.
    public var isCached: Bool { self == .inserted || self == .alreadyCached }
}

/// What a lookup in `SessionCache` found.
public enum SessionCacheLookup: Sendable {
    /// A live session.
    case found(TLSSession)
    /// A session whose timeout has passed: not to be resumed. Counted as a timeout (S30) and
    /// removed unless expired sessions are kept (`SessionCacheMode.noAutoClear`).
    case expired(TLSSession)
    /// No session with that ID.
    case notFound

    /// The live session, if one was found.
    public var liveSession: TLSSession? {
        if case .found(let session) = self { return session }
        return nil
    }
}

/// A context's internal, in-memory session cache, for a server's sessions (or a client's, with
/// `SessionCacheMode.client`): OpenSSL's `SSL_CTX` session cache
/// (`SSL_CTX_add_session`, `SSL_CTX_remove_session`, `SSL_CTX_flush_sessions`,
/// `SSL_CTX_sess_set_cache_size`; S16–S18).
///
/// **Structure.** Split into shards by a (per-cache seeded) hash of the session ID, each with its
/// own lock: an open-addressing index from ID to an entry of an intrusive doubly-linked list ordered by
/// expiration time. No lock covers more than one shard, so handshakes on different shards never
/// contend. Lookup, take and removal are O(1); eviction is O(shards) (it compares the shards'
/// list heads). Insertion walks back from the list's tail past the entries expiring later than
/// the new one: O(1) when sessions share one timeout (a new entry expires last), O(k) for k
/// later-expiring entries in its shard when timeouts are mixed. Flushing stops at each shard's
/// first live entry.
///
/// **Bound (S16).** At most `configuration.capacity` sessions (0: unbounded). Slots are reserved
/// with an atomic counter before linking, so the count never exceeds the bound even under
/// concurrent inserts. When full, the entry closest to expiry across all shards (the earliest of
/// the shards' list heads) is evicted, reported as `.evicted` and counted as `cacheFull`.
///
/// **Expiry (S16, S17).** Every session expires at its own `expirationTime` (its own `timeout`);
/// `configuration.defaultTimeout` is the timeout new sessions are made with. Expired sessions
/// are removed when a lookup meets them and by a flush after every `autoFlushInterval` inserts,
/// unless `removesExpiredAutomatically` is false (`.noAutoClear`); `flush(expiredAt:)` always
/// removes them.
///
/// **Ownership (S3, S18).** The cache holds sessions by ID and identity: `contains(_:)` is true
/// only for the very object inserted, so a `copy()` is never "in" the cache. Removing a session
/// does not affect anyone else's reference to it; it only stops this cache from handing it out.
///
/// **Removal reports (S20).** Every removal is passed, with its `SessionRemovalReason`, to the
/// removal observer given at init, always after the shard lock is released (so the observer may
/// call back into the cache).
///
/// The synchronous methods are the handshake's fast path; the `SessionStore` conformance wraps
/// them, reading the time from `clock`.
public final class SessionCache: SessionStore {
    /// The cache's bound, timeouts and flushing (S16, S17).
    public let configuration: SessionCacheConfiguration
    /// The statistics this cache counts `timeouts` and `cacheFull` into (S30).
    public let counters: SessionCacheCounters
    /// Where the `SessionStore` methods read the time.
    public let clock: any TLSClock

    private let shards: SessionCacheShards
    private let shardSeed: UInt64
    /// Linked entries plus inserts in flight; never above a non-zero capacity.
    private let reservedSlots = Atomic<Int>(0)
    private let insertsSinceFlush = Atomic<Int>(0)
    private let removalObserver: (@Sendable (TLSSession, SessionRemovalReason) -> Void)?

    /// An empty cache.
    /// - Parameters:
    ///   - configuration: bound, timeouts, shards, automatic flushing.
    ///   - counters: where to count `timeouts` and `cacheFull`; shared with the context.
    ///   - clock: the time for the `SessionStore` methods.
    ///   - removalObserver: told of every removal, outside any lock (the remove callback, S20).
    public init(
        configuration: SessionCacheConfiguration = .init(),
        counters: SessionCacheCounters = SessionCacheCounters(),
        clock: any TLSClock = SystemClock(),
        removalObserver: (@Sendable (TLSSession, SessionRemovalReason) -> Void)? = nil
    ) {
        self.configuration = configuration
        self.counters = counters
        self.clock = clock
        self.removalObserver = removalObserver
        self.shards = SessionCacheShards(count: configuration.shardCount)
        self.shardSeed = UInt64.random(in: .min ... .max)
    }

    // MARK: Synchronous fast path

    /// Puts `session` in the cache under its `sessionID` (`SSL_CTX_add_session`, S16),
    /// evicting the entry closest to expiry if the cache is full. A different session with the
    /// same ID is replaced. May run an automatic flush of expired sessions.
    @discardableResult
    public func insert(_ session: TLSSession, now: Date) -> SessionCacheInsertion {
        guard session.hasSessionID else { return .notCachedWithoutSessionID }
        guard !session.isExpired(at: now) else { return .notCachedExpired }
        let (shard, hash) = session.withSessionID { locate($0) }
        // A no-op re-insert must not evict anything to make room.
        if cachedEntry(of: session, in: shard, hash: hash) { return .alreadyCached }
        guard reserveSlot() else { return .notCachedFull }

        enum Linking: Sendable { case linked, alreadyCached, replaced(TLSSession) }
        let linking: Linking = shards.withLock(shard) { storage in
            guard let index = session.withSessionID({ storage.entryIndex(of: $0, hash: hash) }) else {
                storage.link(session, hash: hash)
                return .linked
            }
            if storage.session(at: index) === session { return .alreadyCached }
            let old = storage.unlink(at: index)
            storage.link(session, hash: hash)
            return old.map { .replaced($0) } ?? .linked
        }
        let result: SessionCacheInsertion
        switch linking {
        case .linked:
            result = .inserted
        case .alreadyCached:
            releaseSlots(1)
            result = .alreadyCached
        case .replaced(let old):
            releaseSlots(1)
            removalObserver?(old, .replaced)
            result = .inserted
        }
        flushIfDue(now: now)
        return result
    }

    /// The session stored under `id`, with whether it has expired at `now`. An expired one is
    /// counted as a timeout (`SSL_CTX_sess_timeouts`) and removed (`.expired`) unless
    /// `removesExpiredAutomatically` is off.
    public func lookupOutcome(id: [UInt8], now: Date) -> SessionCacheLookup {
        find(id: id, now: now, removingLive: false)
    }

    /// The live session stored under `id` (S16): nil if there is none or it has expired (then it
    /// is counted as a timeout and, unless `.noAutoClear`, removed).
    public func lookup(id: [UInt8], now: Date) -> TLSSession? {
        lookupOutcome(id: id, now: now).liveSession
    }

    /// Like `lookupOutcome(id:now:)`, but a live session is also removed, atomically with
    /// finding it, and reported as `.singleUse`: at most one caller gets it (S14).
    public func takeOutcome(id: [UInt8], now: Date) -> SessionCacheLookup {
        find(id: id, now: now, removingLive: true)
    }

    /// Atomically finds and removes the live session stored under `id` (S14): nil if none or
    /// expired.
    public func take(id: [UInt8], now: Date) -> TLSSession? {
        takeOutcome(id: id, now: now).liveSession
    }

    /// Removes the session stored under `id`, whatever it is, reporting `reason`
    /// (`SSL_CTX_remove_session` by ID, S17). Returns it, or nil if there was none.
    @discardableResult
    public func remove(id: [UInt8], reason: SessionRemovalReason) -> TLSSession? {
        guard !id.isEmpty else { return nil }
        let removed = id.withUnsafeBytes { raw -> TLSSession? in
            let (shard, hash) = locate(raw)
            return shards.withLock(shard) { storage -> TLSSession? in
                guard let index = storage.entryIndex(of: raw, hash: hash) else { return nil }
                return storage.unlink(at: index)
            }
        }
        guard let removed else { return nil }
        finishRemovals([removed], reason: reason)
        return removed
    }

    /// Removes `session` if this very object is in the cache (`SSL_CTX_remove_session`, S17,
    /// S18): a copy or another session with the same ID is left alone. Returns whether it was.
    @discardableResult
    public func remove(_ session: TLSSession, reason: SessionRemovalReason) -> Bool {
        guard session.hasSessionID else { return false }
        let removed = session.withSessionID { raw -> TLSSession? in
            let (shard, hash) = locate(raw)
            return shards.withLock(shard) { storage -> TLSSession? in
                guard let index = storage.entryIndex(of: raw, hash: hash), storage.session(at: index) === session else {
                    return nil
                }
                return storage.unlink(at: index)
            }
        }
        guard let removed else { return false }
        finishRemovals([removed], reason: reason)
        return true
    }

    /// Removes every session expired at `time` (`SSL_CTX_flush_sessions`, S17), reporting each as
    /// `.expired`. In each shard it stops at the first live entry. Returns how many went.
    @discardableResult
    public func flush(expiredAt time: Date) -> Int {
        var total = 0
        for shard in 0..<shards.count {
            let removed = shards.withLock(shard) { $0.unlinkExpired(at: time) }
            finishRemovals(removed, reason: .expired)
            total += removed.count
        }
        return total
    }

    /// Removes every session, reporting each with `reason` (`.contextTeardown` when the context
    /// goes, S17). Returns how many went.
    @discardableResult
    public func removeAll(reason: SessionRemovalReason) -> Int {
        var total = 0
        for shard in 0..<shards.count {
            let removed = shards.withLock(shard) { $0.unlinkAll() }
            finishRemovals(removed, reason: reason)
            total += removed.count
        }
        return total
    }

    /// Whether this very session object is in the cache (S3, S18: a copy never is).
    public func contains(_ session: TLSSession) -> Bool {
        guard session.hasSessionID else { return false }
        let (shard, hash) = session.withSessionID { locate($0) }
        return cachedEntry(of: session, in: shard, hash: hash)
    }

    /// Whether a session (live or expired) is stored under `id`.
    public func contains(id: [UInt8]) -> Bool {
        guard !id.isEmpty else { return false }
        return id.withUnsafeBytes { raw in
            let (shard, hash) = locate(raw)
            return shards.withLock(shard) { $0.entryIndex(of: raw, hash: hash) != nil }
        }
    }

    /// How many sessions are in the cache (`SSL_CTX_sess_number`); exact when no insert or
    /// removal runs at the same time (the shards are counted one after another).
    public var count: Int {
        (0..<shards.count).reduce(0) { total, shard in total + shards.withLock(shard) { $0.count } }
    }

    /// Linked entries plus inserts in flight: the number the bound applies to, exact at every
    /// instant (`count` sums the shards one after another, so under concurrent change it can
    /// momentarily over- or under-count).
    var occupiedSlots: Int { reservedSlots.load(ordering: .relaxed) }

    /// Every cached session, each shard's in expiry order (for introspection and tests).
    public var sessions: [TLSSession] {
        (0..<shards.count).flatMap { shard in shards.withLock(shard) { $0.sessions } }
    }

    /// The statistics with this cache's `number` and `capacity` filled in (S30).
    public var statistics: SessionCacheStatistics {
        counters.snapshot(number: count, capacity: configuration.capacity)
    }

    // MARK: SessionStore

    /// `insert(_:now:)` at the clock's time.
    public func put(_ session: TLSSession) async throws {
        insert(session, now: clock.now())
    }

    /// `lookup(id:now:)` at the clock's time.
    public func get(id: [UInt8]) async throws -> TLSSession? {
        lookup(id: id, now: clock.now())
    }

    /// `take(id:now:)` at the clock's time.
    public func take(id: [UInt8]) async throws -> TLSSession? {
        take(id: id, now: clock.now())
    }

    /// `remove(id:reason: .explicit)`.
    public func remove(id: [UInt8]) async throws {
        remove(id: id, reason: .explicit)
    }

    // MARK: Internals

    /// The shard an ID belongs to and its slot hash there (one seeded hash of the ID).
    private func locate(_ id: UnsafeRawBufferPointer) -> (shard: Int, hash: UInt32) {
        let hash = SessionIDHash(id, seed: shardSeed)
        return (Int(hash.shardBits % UInt32(truncatingIfNeeded: shards.count)), hash.slotBits)
    }

    /// Whether this very session object is what `shard` holds under its ID.
    private func cachedEntry(of session: TLSSession, in shard: Int, hash: UInt32) -> Bool {
        shards.withLock(shard) { storage in
            session.withSessionID { storage.entryIndex(of: $0, hash: hash) }.flatMap { storage.session(at: $0) } === session
        }
    }

    private func find(id: [UInt8], now: Date, removingLive: Bool) -> SessionCacheLookup {
        guard !id.isEmpty else { return .notFound }
        let removesExpired = configuration.removesExpiredAutomatically
        let (outcome, removed) = id.withUnsafeBytes { raw -> (SessionCacheLookup, TLSSession?) in
            let (shard, hash) = locate(raw)
            return shards.withLock(shard) { storage -> (SessionCacheLookup, TLSSession?) in
                guard let index = storage.entryIndex(of: raw, hash: hash), let session = storage.session(at: index) else {
                    return (.notFound, nil)
                }
                if storage.expiration(at: index) <= now {
                    return (.expired(session), removesExpired ? storage.unlink(at: index) : nil)
                }
                return (.found(session), removingLive ? storage.unlink(at: index) : nil)
            }
        }
        switch outcome {
        case .expired:
            counters.recordTimeout()
            if let removed { finishRemovals([removed], reason: .expired) }
        case .found:
            if let removed { finishRemovals([removed], reason: .singleUse) }
        case .notFound:
            break
        }
        return outcome
    }

    /// Reserves room for one entry, evicting the entries closest to expiry while full.
    private func reserveSlot() -> Bool {
        let capacity = configuration.capacity
        guard capacity > 0 else {
            reservedSlots.wrappingAdd(1, ordering: .relaxed)
            return true
        }
        // Bounded, so contention can never make an insert spin for long; failing is a miss later.
        var attemptsLeft = 16 + 4 * shards.count
        while attemptsLeft > 0 {
            attemptsLeft -= 1
            let current = reservedSlots.load(ordering: .relaxed)
            if current < capacity {
                if reservedSlots.compareExchange(
                    expected: current, desired: current + 1, ordering: .relaxed
                ).exchanged {
                    return true
                }
                continue
            }
            if evictClosestToExpiry() {
                counters.recordCacheFull()
            } else if !(0..<shards.count).contains(where: { shard in shards.withLock(shard) { $0.count } > 0 }) {
                // Every slot is held by inserts still in flight elsewhere: give up.
                return false
            }
        }
        return false
    }

    /// Evicts the earliest-expiring entry of all shards (the earliest of the list heads).
    private func evictClosestToExpiry() -> Bool {
        var victimShard: Int?
        var victimExpiration = Date.distantFuture
        for shard in 0..<shards.count {
            let headExpiration = shards.withLock(shard) { storage in storage.headIndex.map { storage.expiration(at: $0) } }
            if let headExpiration, victimShard == nil || headExpiration < victimExpiration {
                victimShard = shard
                victimExpiration = headExpiration
            }
        }
        // The head may have changed since we looked; its current head is still that shard's
        // closest to expiry, which is good enough under contention.
        guard let victimShard,
              let removed = shards.withLock(victimShard, { storage in storage.headIndex.flatMap { storage.unlink(at: $0) } })
        else { return false }
        finishRemovals([removed], reason: .evicted)
        return true
    }

    private func releaseSlots(_ count: Int) {
        reservedSlots.wrappingSubtract(count, ordering: .relaxed)
    }

    /// Frees the removed entries' slots and tells the observer, outside any lock.
    private func finishRemovals(_ removed: [TLSSession], reason: SessionRemovalReason) {
        guard !removed.isEmpty else { return }
        releaseSlots(removed.count)
        if let removalObserver {
            for session in removed { removalObserver(session, reason) }
        }
    }

    private func flushIfDue(now: Date) {
        let interval = configuration.autoFlushInterval
        guard configuration.removesExpiredAutomatically, interval > 0 else { return }
        let inserts = insertsSinceFlush.wrappingAdd(1, ordering: .relaxed).newValue
        if inserts % interval == 0 {
            flush(expiredAt: now)
        }
    }
}

/// The earlier name of `SessionCache`, which serves clients too (`SessionCacheMode.client`).
@available(*, deprecated, renamed: "SessionCache")
public typealias ServerSessionCache = SessionCache
