import Foundation


/// One shard of `ServerSessionCache`: a dictionary from session ID to an entry of an intrusive
/// doubly-linked list ordered by expiration time, head first (closest to expiry). The list lives
/// in an array of entries linked by index, so it is a plain value guarded by the shard's mutex.
///
/// Complexity: lookup and removal O(1). Insertion walks back from the tail past the entries that
/// expire later than the new one: O(1) when all sessions share one timeout and arrive in time
/// order (a new entry expires last), O(k) for k later-expiring entries with mixed timeouts.
struct SessionCacheShardStorage: Sendable {
    private struct Entry: Sendable {
        var session: TLSSession?
        var expiration: Date
        var previous: Int
        var next: Int
    }

    private static let none = -1
    private var entries: [Entry] = []
    private var freeEntries: [Int] = []
    private var entryByID: [SessionCacheKey: Int] = [:]
    private var head = Self.none
    private var tail = Self.none

    var count: Int { entryByID.count }

    func entryIndex(of id: [UInt8]) -> Int? { entryByID[SessionCacheKey(id)] }

    func session(at index: Int) -> TLSSession? { entries[index].session }

    func expiration(at index: Int) -> Date { entries[index].expiration }

    var headIndex: Int? { head == Self.none ? nil : head }

    /// Sessions in expiry order.
    var sessions: [TLSSession] {
        var result: [TLSSession] = []
        result.reserveCapacity(count)
        var index = head
        while index != Self.none {
            if let session = entries[index].session { result.append(session) }
            index = entries[index].next
        }
        return result
    }

    /// Links `session` in expiry order; equal expirations keep insertion order.
    mutating func link(_ session: TLSSession) {
        let expiration = session.expirationTime
        var after = tail
        while after != Self.none && entries[after].expiration > expiration {
            after = entries[after].previous
        }
        let before = after == Self.none ? head : entries[after].next
        let entry = Entry(session: session, expiration: expiration, previous: after, next: before)
        let index: Int
        if let free = freeEntries.popLast() {
            index = free
            entries[index] = entry
        } else {
            index = entries.count
            entries.append(entry)
        }
        if after == Self.none { head = index } else { entries[after].next = index }
        if before == Self.none { tail = index } else { entries[before].previous = index }
        entryByID[SessionCacheKey(session.sessionID)] = index
    }

    /// Unlinks the entry at `index` and returns its session.
    @discardableResult
    mutating func unlink(at index: Int) -> TLSSession? {
        let entry = entries[index]
        if entry.previous == Self.none { head = entry.next } else { entries[entry.previous].next = entry.next }
        if entry.next == Self.none { tail = entry.previous } else { entries[entry.next].previous = entry.previous }
        entries[index] = Entry(session: nil, expiration: .distantPast, previous: Self.none, next: Self.none)
        if let session = entry.session { entryByID[SessionCacheKey(session.sessionID)] = nil }
        if entryByID.isEmpty {
            // Nothing left: drop the free list too, so a shard that emptied holds no memory.
            self = SessionCacheShardStorage()
        } else {
            freeEntries.append(index)
        }
        return entry.session
    }

    /// Unlinks entries from the head while they have expired at `now`; stops at the first live one.
    mutating func unlinkExpired(at now: Date) -> [TLSSession] {
        var removed: [TLSSession] = []
        while head != Self.none && entries[head].expiration <= now {
            if let session = unlink(at: head) { removed.append(session) }
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
