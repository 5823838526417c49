import Foundation


/// One shard of `SessionCache`: an open-addressing hash index from session ID to an entry
/// of an intrusive doubly-linked list ordered by expiration time, head first (closest to expiry).
/// Entries live in one array, linked by index, with the ID inline (`SessionCacheKey`); the index
/// is an array of 4-byte entry numbers probed linearly. A lookup reads one index slot (the index
/// is small enough to stay in the CPU caches) and one entry, where a `Dictionary` keyed by the ID
/// array read a bucket, the key's array and the entry: fewer memory misses per lookup
/// (BENCHMARKS.md). It is a plain value guarded by the shard's lock.
///
/// Complexity: lookup and removal O(1) expected (the index is kept at most 3/4 full, counting
/// removed slots, and rebuilt when it would pass that). Insertion walks back from the tail past
/// the entries that expire later than the new one: O(1) when all sessions share one timeout and
/// arrive in time order, O(k) for k later-expiring entries with mixed timeouts. Probe order
/// comes from the process-seeded `Hasher`, so chosen IDs cannot be aimed at one probe chain.
/// Entry numbers are `Int32`: a shard holds fewer than 2^31 entries (137 GB of them).
struct SessionCacheShardStorage: Sendable {
    // 48 bytes: the expiration is read from the session (linked entries always hold one).
    private struct Entry: Sendable {
        var key: SessionCacheKey
        var session: TLSSession?
        var previous: Int32
        var next: Int32
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

    func entryIndex(of id: [UInt8]) -> Int? {
        guard !slots.isEmpty else { return nil }
        let key = SessionCacheKey(id)
        return find(key, hash: key.hashValue).entry.map(Int.init)
    }

    /// Probes for `key`: the entry holding it, else the slot to insert it at (the first removed
    /// slot met, or the empty one that ended the probe). `slots` must not be empty. Ends: the
    /// index is never full (at most 3/4 used), so an empty slot is always met.
    private func find(_ key: SessionCacheKey, hash: Int) -> (entry: Int32?, slot: Int) {
        let mask = slots.count - 1
        var slot = hash & mask
        var firstRemoved: Int?
        while true {
            let value = slots[slot]
            if value == Self.emptySlot { return (nil, firstRemoved ?? slot) }
            if value == Self.removedSlot {
                if firstRemoved == nil { firstRemoved = slot }
            } else if entries[Int(value)].key == key {
                return (value, slot)
            }
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
            var slot = entries[Int(index)].key.hashValue & mask
            while slots[slot] != Self.emptySlot { slot = (slot + 1) & mask }
            slots[slot] = index
            usedSlots += 1
            index = entries[Int(index)].next
        }
    }


    func session(at index: Int) -> TLSSession? { entries[index].session }

    func expiration(at index: Int) -> Date { entries[index].session?.expirationTime ?? .distantPast }

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

    /// Links `session` in expiry order under its ID (which no entry holds: callers unlink a
    /// previous holder first); equal expirations keep insertion order.
    mutating func link(_ session: TLSSession) {
        let key = SessionCacheKey(session.sessionID)
        reserveSlot()
        let slot = find(key, hash: key.hashValue).slot
        let newExpiration = session.expirationTime
        var after = tail
        while after != Self.none && expiration(at: Int(after)) > newExpiration {
            after = entries[Int(after)].previous
        }
        let before = after == Self.none ? head : entries[Int(after)].next
        let entry = Entry(key: key, session: session, previous: after, next: before)
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
        if case let (found?, slot) = find(entry.key, hash: entry.key.hashValue), found == Int32(truncatingIfNeeded: index) {
            slots[slot] = Self.removedSlot
        }
        entries[index] = Entry(key: entry.key, session: nil, previous: Self.none, next: Self.none)
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

/// A shard and its lock (a class, so the shards can live in an array).
final class SessionCacheShard: Sendable {
    let storage = LockedValue(SessionCacheShardStorage())
}
