import Foundation
import Testing
@testable import ResumableTLS

/// The shard's open-addressing index against a `Dictionary` model, through heavy churn: removed
/// markers, rebuilds, IDs of every length 0…40 (over 32 bytes kept outside the session's inline
/// storage), IDs that share their first 32 bytes, and hashes that collide (the shard must tell
/// IDs apart by comparing them with the sessions' own, not by hash).
@Suite("Cache: shard index (open addressing) against a model")
struct SessionCacheShardStorageTests {

    func session(id: [UInt8], timeout: TimeInterval, at now: Date) -> TLSSession {
        TLSSession(protocolVersion: .tls13, cipherSuite: .tlsAES128GCMSHA256, secret: [UInt8](repeating: 1, count: 32),
                   sessionID: id, creationTime: now, timeout: timeout, contextID: CacheFixtures.contextID)
    }

    @Test(arguments: [false, true])
    func churnMatchesADictionaryModel(collidingHashes: Bool) {
        let hash = collidingHashes ? Self.collidingHash : Self.seededHash
        var random = SplitMix64(state: 2026)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        var storage = SessionCacheShardStorage()
        var model: [[UInt8]: TLSSession] = [:]
        // A pool of IDs, some sharing a 32-byte prefix, so keys collide in their first words.
        let prefix = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
        var pool: [[UInt8]] = [[]]
        for index in 0..<600 {
            let length = index % 41
            var id = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            if index % 7 == 0, length > 32 { id.replaceSubrange(0..<32, with: prefix) }
            pool.append(id)
        }
        pool.append(prefix)
        for step in 0..<20_000 {
            let id = pool[Int.random(in: 0..<pool.count, using: &random)]
            let existing = storage.entryIndex(of: id, hash: hash)
            #expect((existing.flatMap { storage.session(at: $0) }) === model[id], "step \(step)")
            if Bool.random(using: &random), let existing {
                #expect(storage.unlink(at: existing) === model.removeValue(forKey: id))
            } else {
                if let existing { storage.unlink(at: existing) }
                let fresh = session(id: id, timeout: TimeInterval(Int.random(in: 1...50, using: &random)), at: now)
                storage.link(fresh, hash: hash)
                model[id] = fresh
            }
            #expect(storage.count == model.count)
        }
        // Every live session is found, in expiry order.
        for (id, session) in model { #expect(storage.entryIndex(of: id, hash: hash).flatMap { storage.session(at: $0) } === session) }
        let ordered = storage.sessions
        #expect(ordered.count == model.count)
        #expect(zip(ordered, ordered.dropFirst()).allSatisfy { $0.expirationTime <= $1.expirationTime })
        // Flushing everything expired by a time in the middle leaves exactly the later ones.
        let cut = now.addingTimeInterval(25)
        let removed = storage.unlinkExpired(at: cut)
        #expect(removed.allSatisfy { $0.expirationTime <= cut })
        #expect(storage.sessions.allSatisfy { $0.expirationTime > cut })
        #expect(removed.count + storage.count == model.count)
        _ = storage.unlinkAll()
        #expect(storage.count == 0 && storage.entryIndex(of: prefix, hash: hash) == nil)
    }

    /// IDs of other lengths stay apart from the 32-byte ID that is their prefix and from each
    /// other (a 16-byte ID and its zero-padded 17 bytes).
    @Test func idsOfOtherLengthsAreKeyedApart() {
        let now = Date()
        let hash = Self.seededHash
        var storage = SessionCacheShardStorage()
        let ids: [[UInt8]] = [[UInt8](repeating: 7, count: 32), [UInt8](repeating: 7, count: 33),
                              [UInt8](repeating: 7, count: 16), [UInt8](repeating: 7, count: 16) + [0], []]
        let sessions = ids.map { session(id: $0, timeout: 100, at: now) }
        for session in sessions { storage.link(session, hash: hash) }
        for (id, session) in zip(ids, sessions) {
            #expect(storage.entryIndex(of: id, hash: hash).flatMap { storage.session(at: $0) } === session)
        }
        #expect(storage.count == ids.count)
    }

    /// How the cache files IDs (a seeded `Hasher`).
    static let seededHash: @Sendable ([UInt8]) -> UInt32 = { id in id.withUnsafeBytes { SessionIDHash($0, seed: 42).slotBits } }
    /// Three hash values for every ID: long probe chains of different IDs with equal hashes.
    static let collidingHash: @Sendable ([UInt8]) -> UInt32 = { id in UInt32(id.count % 3) }
}

extension SessionCacheShardStorage {
    func entryIndex(of id: [UInt8], hash: ([UInt8]) -> UInt32) -> Int? {
        id.withUnsafeBytes { entryIndex(of: $0, hash: hash(id)) }
    }

    mutating func link(_ session: TLSSession, hash: ([UInt8]) -> UInt32) {
        link(session, hash: hash(session.sessionID))
    }
}
