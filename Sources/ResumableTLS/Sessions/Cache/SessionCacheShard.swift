import Foundation

/// The hash a `SessionCache` files a session ID under, seeded per cache (and `Hasher` per
/// process) so that a client choosing IDs cannot aim them at one shard or one probe chain. The
/// high half picks the shard, the low half the slot in the shard's index.
struct SessionIDHash: Sendable {
    let shardBits: UInt32
    let slotBits: UInt32

    init(_ id: UnsafeRawBufferPointer, seed: UInt64) {
        var hasher = Hasher()
        hasher.combine(seed)
        hasher.combine(bytes: id)
        let value = UInt64(UInt(bitPattern: hasher.finalize()))
        shardBits = UInt32(truncatingIfNeeded: value >> 32)
        slotBits = UInt32(truncatingIfNeeded: value)
    }
}

/// One shard of `SessionCache`: an open-addressing hash index from session ID to an entry of an
/// intrusive doubly-linked list ordered by expiration time, head first (closest to expiry).
///
/// Entries live in one array, linked by index; an entry is the session reference, its expiration,
/// the two links and the ID's slot hash (32 bytes). The index is an array of 4-byte entry numbers
/// probed linearly. The ID itself is read from the session, which keeps it inline in the cache
/// line that also holds its reference count (`TLSSession`), so a lookup touches one index slot,
/// one entry and that one line of the session, which it must touch anyway to hand it out (an
/// entry holding its own copy of the ID made a lookup read a 48-byte entry and two lines of the
/// session). Entries whose hash differs are skipped without reading their session. It is a
/// plain value guarded by the shard's lock.
///
/// Complexity: lookup and removal O(1) expected (the index is kept at most 3/4 full, counting
/// removed slots, and rebuilt when it would pass that). Insertion walks back from the tail past
/// the entries that expire later than the new one: O(1) when all sessions share one timeout and
/// arrive in time order, O(k) for k later-expiring entries with mixed timeouts. Entry numbers are
/// `Int32`: a shard holds fewer than 2^31 entries.
struct SessionCacheShardStorage: Sendable {
    private struct Entry: Sendable {
        var session: TLSSession?
        /// The session's `expirationTime` (a copy: what lookups, insertion and flushing compare
        /// is read without touching the session object).
        var expiration: Date
        var previous: Int32
        var next: Int32
        var hash: UInt32
    }

    private static let none: Int32 = -1
    private static let emptySlot: Int32 = -1
    private static let removedSlot: Int32 = -2
    private static let minimumSlots = 16

    private var entries: [Entry] = []
    private var freeEntries: [Int32] = []
    /// Entry numbers, `emptySlot` or `removedSlot`; a power of two long (or empty).
    private var slots: [Int32] = []
    /// Slots not empty: live entries plus removed markers.
    private var usedSlots = 0
    private var liveCount = 0
    private var head = Self.none
    private var tail = Self.none

    var count: Int { liveCount }

    /// The entry of the session whose ID is `id` (filed under `hash`), if any.
    func entryIndex(of id: UnsafeRawBufferPointer, hash: UInt32) -> Int? {
        guard !slots.isEmpty else { return nil }
        return find(id, hash: hash).entry.map(Int.init)
    }

    /// Probes for `id`: the entry holding it, else the slot to insert it at (the first removed
    /// slot met, or the empty one that ended the probe). `slots` must not be empty. Ends: the
    /// index is never full (at most 3/4 used), so an empty slot is always met.
    private func find(_ id: UnsafeRawBufferPointer, hash: UInt32) -> (entry: Int32?, slot: Int) {
        let mask = slots.count - 1
        var slot = Int(hash) & mask
        var firstRemoved: Int?
        while true {
            let value = slots[slot]
            if value == Self.emptySlot { return (nil, firstRemoved ?? slot) }
            if value == Self.removedSlot {
                if firstRemoved == nil { firstRemoved = slot }
            } else if entries[Int(value)].hash == hash, entries[Int(value)].session?.hasSessionID(id) == true {
                return (value, slot)
            }
            slot = (slot + 1) & mask
        }
    }

    /// The slot that points at entry `index` (filed under `hash`), if one does.
    private func slot(holding index: Int32, hash: UInt32) -> Int? {
        guard !slots.isEmpty else { return nil }
        let mask = slots.count - 1
        var slot = Int(hash) & mask
        while true {
            let value = slots[slot]
            if value == Self.emptySlot { return nil }
            if value == index { return slot }
            slot = (slot + 1) & mask
        }
    }

    /// Makes room for one more used slot: doubles the index when live entries would fill over
    /// 3/4 of it, rebuilds it at its size when removed markers are what fill it.
    private mutating func reserveSlot() {
        guard (usedSlots + 1) * 4 > slots.count * 3 else { return }
        var size = max(Self.minimumSlots, slots.count)
        while (liveCount + 1) * 2 > size { size *= 2 }
        slots = [Int32](repeating: Self.emptySlot, count: size)
        usedSlots = 0
        let mask = size - 1
        var index = head
        while index != Self.none {
            var slot = Int(entries[Int(index)].hash) & mask
            while slots[slot] != Self.emptySlot { slot = (slot + 1) & mask }
            slots[slot] = index
            usedSlots += 1
            index = entries[Int(index)].next
        }
    }

    func session(at index: Int) -> TLSSession? { entries[index].session }

    func expiration(at index: Int) -> Date { entries[index].expiration }

    var headIndex: Int? { head == Self.none ? nil : Int(head) }

    /// Sessions in expiry order.
    var sessions: [TLSSession] {
        var result: [TLSSession] = []
        result.reserveCapacity(count)
        var index = head
        while index != Self.none {
            if let session = entries[Int(index)].session { result.append(session) }
            index = entries[Int(index)].next
        }
        return result
    }

    /// Links `session` in expiry order under its ID, filed under `hash` (no entry may hold that
    /// ID: callers unlink a previous holder first); equal expirations keep insertion order.
    mutating func link(_ session: TLSSession, hash: UInt32) {
        reserveSlot()
        let slot = session.withSessionID { find($0, hash: hash).slot }
        let newExpiration = session.expirationTime
        var after = tail
        while after != Self.none && expiration(at: Int(after)) > newExpiration {
            after = entries[Int(after)].previous
        }
        let before = after == Self.none ? head : entries[Int(after)].next
        let entry = Entry(session: session, expiration: newExpiration, previous: after, next: before, hash: hash)
        let index: Int32
        if let free = freeEntries.popLast() {
            index = free
            entries[Int(index)] = entry
        } else {
            index = Int32(truncatingIfNeeded: entries.count)
            entries.append(entry)
        }
        if after == Self.none { head = index } else { entries[Int(after)].next = index }
        if before == Self.none { tail = index } else { entries[Int(before)].previous = index }
        if slots[slot] == Self.emptySlot { usedSlots += 1 }
        slots[slot] = index
        liveCount += 1
    }

    /// Unlinks the entry at `index` and returns its session.
    @discardableResult
    mutating func unlink(at index: Int) -> TLSSession? {
        let entry = entries[index]
        if entry.previous == Self.none { head = entry.next } else { entries[Int(entry.previous)].next = entry.next }
        if entry.next == Self.none { tail = entry.previous } else { entries[Int(entry.next)].previous = entry.previous }
        if let slot = slot(holding: Int32(truncatingIfNeeded: index), hash: entry.hash) {
            slots[slot] = Self.removedSlot
        }
        entries[index] = Entry(session: nil, expiration: .distantPast, previous: Self.none, next: Self.none, hash: 0)
        liveCount -= 1
        if liveCount == 0 {
            // Nothing left: drop the index and the free list too, so a shard that emptied holds no memory.
            self = SessionCacheShardStorage()
        } else {
            freeEntries.append(Int32(truncatingIfNeeded: index))
        }
        return entry.session
    }

    /// Unlinks entries from the head while they have expired at `now`; stops at the first live one.
    mutating func unlinkExpired(at now: Date) -> [TLSSession] {
        var removed: [TLSSession] = []
        while head != Self.none && expiration(at: Int(head)) <= now {
            if let session = unlink(at: Int(head)) { removed.append(session) }
        }
        return removed
    }

    /// Unlinks everything.
    mutating func unlinkAll() -> [TLSSession] {
        let all = sessions
        self = SessionCacheShardStorage()
        return all
    }
}

/// The cache's shards, each a pthread mutex and the storage it guards, in one allocation with
/// every shard on cache lines of its own. Shards are addressed by number: taking one's lock
/// updates no reference count (an array of shard objects cost atomic retains and releases, on
/// every lookup, of objects all threads share) and no two shards' locks share a cache line.
///
/// A pthread mutex rather than `Synchronization.Mutex`: ThreadSanitizer intercepts
/// `pthread_mutex_lock` (see `LockedValue`), and CI runs the cache's stress test under it.
final class SessionCacheShards: @unchecked Sendable {
    let count: Int
    private let base: UnsafeMutableRawPointer
    private let stride: Int
    private static let storageOffset = roundUp(MemoryLayout<pthread_mutex_t>.size, to: MemoryLayout<SessionCacheShardStorage>.alignment)
    private static let lineSize = 128

    init(count: Int) {
        self.count = max(1, count)
        stride = Self.roundUp(Self.storageOffset + MemoryLayout<SessionCacheShardStorage>.size, to: Self.lineSize)
        base = UnsafeMutableRawPointer.allocate(byteCount: stride * self.count, alignment: Self.lineSize)
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        #if canImport(Glibc)
        // Adaptive (glibc): a thread that finds a shard locked spins briefly before sleeping,
        // since the holder is at most a few memory misses from releasing it (a futex sleep and
        // wake-up costs microseconds).
        pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_ADAPTIVE_NP))
        #endif
        defer { pthread_mutexattr_destroy(&attributes) }
        for index in 0..<self.count {
            pthread_mutex_init(mutex(index), &attributes)
            storage(index).initialize(to: SessionCacheShardStorage())
        }
    }

    deinit {
        for index in 0..<count {
            storage(index).deinitialize(count: 1)
            pthread_mutex_destroy(mutex(index))
        }
        base.deallocate()
    }

    /// Runs `body` on shard `index`'s storage under its lock.
    func withLock<Result>(_ index: Int, _ body: (inout SessionCacheShardStorage) throws -> Result) rethrows -> Result {
        let lock = mutex(index)
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return try body(&storage(index).pointee)
    }

    private func mutex(_ index: Int) -> UnsafeMutablePointer<pthread_mutex_t> {
        (base + index * stride).bindMemory(to: pthread_mutex_t.self, capacity: 1)
    }

    private func storage(_ index: Int) -> UnsafeMutablePointer<SessionCacheShardStorage> {
        (base + index * stride + Self.storageOffset).bindMemory(to: SessionCacheShardStorage.self, capacity: 1)
    }

    private static func roundUp(_ value: Int, to multiple: Int) -> Int {
        (value + multiple - 1) / multiple * multiple
    }
}
