import Foundation
import Testing
@testable import ResumableTLS

@Suite("ClientSessionStore: bounded, single-use client sessions (S28, S14)")
struct ClientSessionStoreTests {
    static let start = Date(timeIntervalSince1970: 1_700_000_000)
    static let contextID = UUID()

    static func session(
        _ tag: UInt8 = 0, created: Date = start, timeout: TimeInterval = 7_200, ticketLifetime: UInt32 = 7_200,
        version: ProtocolVersion = .tls13, ticket: [UInt8]? = nil, resumable: Bool = true
    ) -> TLSSession {
        TLSSession(
            protocolVersion: version, cipherSuite: .tlsAES128GCMSHA256, secret: Array(repeating: 1, count: 32),
            ticket: ticket ?? [tag, 0xEE], ticketLifetime: ticketLifetime, creationTime: created, timeout: timeout,
            serverName: "example.com", contextID: contextID, isResumable: resumable)
    }

    let example = ClientSessionKey(serverName: "Example.COM.", port: 443, applicationProtocols: ["h2"])
    let now = ClientSessionStoreTests.start.addingTimeInterval(10)

    @Test func keyNormalisesTheServerName() {
        #expect(example == ClientSessionKey(serverName: "example.com", port: 443, applicationProtocols: ["h2"]))
        #expect(example != ClientSessionKey(serverName: "example.com", port: 8443, applicationProtocols: ["h2"]))
        #expect(example != ClientSessionKey(serverName: "example.com", port: 443))
        #expect(example.description == "example.com:443 [h2]")
    }

    @Test func takeHandsOutEachSessionOnceNewestFirst() {
        let store = ClientSessionStore()
        let first = Self.session(1), second = Self.session(2)
        #expect(store.insert(first, for: example))
        #expect(store.insert(second, for: example))
        #expect(store.insert(second, for: example))  // same object: stored once
        #expect(store.count == 2)
        #expect(store.take(for: example, now: now) === second)
        #expect(store.take(for: example, now: now) === first)
        #expect(store.take(for: example, now: now) == nil)
        #expect(store.count == 0 && store.serverCount == 0)
        #expect(store.take(for: ClientSessionKey(serverName: "other.example"), now: now) == nil)
    }

    @Test func perServerBoundEvictsTheOldest() {
        let store = ClientSessionStore(maximumSessionsPerServer: 3)
        let sessions = (0..<5).map { Self.session(UInt8($0)) }
        for session in sessions { store.insert(session, for: example) }
        #expect(store.count == 3 && store.count(for: example) == 3)
        #expect(store.take(for: example, now: now) === sessions[4])
        #expect(store.take(for: example, now: now) === sessions[3])
        #expect(store.take(for: example, now: now) === sessions[2])
        #expect(store.take(for: example, now: now) == nil)
    }

    @Test func serverBoundEvictsTheLeastRecentlyUsed() {
        let store = ClientSessionStore(maximumSessionsPerServer: 8, maximumServers: 3)
        let keys = (0..<4).map { ClientSessionKey(serverName: "s\($0).example", port: 443) }
        for key in keys.prefix(3) {
            store.insert(Self.session(), for: key)
            store.insert(Self.session(), for: key)
        }
        // Use s0 again so s1 is the least recently used.
        store.insert(Self.session(), for: keys[0])
        store.insert(Self.session(), for: keys[3])
        #expect(store.serverCount == 3)
        #expect(store.count(for: keys[1]) == 0)
        #expect(store.count(for: keys[0]) == 3 && store.count(for: keys[2]) == 2 && store.count(for: keys[3]) == 1)
        #expect(store.count == 6)
    }

    @Test func expiredSessionsAreNeverReturned() {
        let store = ClientSessionStore()
        let fresh = Self.session(1, created: Self.start, timeout: 100)
        let stale = Self.session(2, created: Self.start, timeout: 5)
        store.insert(fresh, for: example)
        store.insert(stale, for: example)
        #expect(store.take(for: example, now: Self.start.addingTimeInterval(5)) === fresh)
        #expect(store.count == 0)  // the stale one was dropped on the way
        store.insert(Self.session(3, timeout: 100), for: example)
        #expect(store.take(for: example, now: Self.start.addingTimeInterval(100)) == nil)
        #expect(store.count == 0)
    }

    @Test func ticketLifetimeBoundsUse() {
        // TLS 1.3: the shorter of timeout and ticket_lifetime; 0 means discard.
        let short = Self.session(1, timeout: 7_200, ticketLifetime: 60)
        #expect(ClientSessionStore.usableUntil(short) == Self.start.addingTimeInterval(60))
        #expect(!ClientSessionStore.isUsable(Self.session(2, ticketLifetime: 0), at: Self.start))
        // TLS 1.2: a hint of 0 means unspecified.
        let tls12 = Self.session(3, timeout: 300, ticketLifetime: 0, version: .tls12)
        #expect(ClientSessionStore.usableUntil(tls12) == Self.start.addingTimeInterval(300))
        let store = ClientSessionStore()
        store.insert(short, for: example)
        #expect(store.take(for: example, now: Self.start.addingTimeInterval(61)) == nil)
    }

    @Test func nonResumableSessionsAreSkipped() {
        let store = ClientSessionStore()
        #expect(!store.insert(Self.session(1, resumable: false), for: example))
        #expect(!store.insert(Self.session(1, ticket: []), for: example))  // no ticket or ID: S6
        let good = Self.session(2), later = Self.session(3)
        store.insert(good, for: example)
        store.insert(later, for: example)
        later.markNotResumable()  // S13 after insertion
        #expect(store.take(for: example, now: now) === good)
        #expect(store.count == 0)
    }

    @Test func removalAndFlush() {
        let store = ClientSessionStore()
        let other = ClientSessionKey(serverName: "other.example", port: 443)
        let a = Self.session(1), b = Self.session(2, timeout: 1)
        store.insert(a, for: example)
        store.insert(b, for: example)
        store.insert(Self.session(3), for: other)
        store.removeExpired(now: Self.start.addingTimeInterval(2))
        #expect(store.count == 2)
        store.remove(a)
        #expect(store.count == 1 && store.count(for: example) == 0 && store.serverCount == 1)
        store.removeAll(for: other)
        #expect(store.count == 0)
        store.insert(Self.session(4), for: other)
        store.removeAll()
        #expect(store.count == 0 && store.serverCount == 0)
    }

    @Test func concurrentInsertAndTakeKeepCountsConsistent() async {
        let store = ClientSessionStore(maximumSessionsPerServer: 1_000, maximumServers: 1_000)
        let keys = (0..<8).map { ClientSessionKey(serverName: "h\($0).example", port: 443) }
        let perTask = 200
        let taken = await withTaskGroup(of: [TLSSession].self) { group in
            for task in 0..<16 {
                group.addTask {
                    var got: [TLSSession] = []
                    for step in 0..<perTask {
                        let key = keys[(task + step) % keys.count]
                        store.insert(Self.session(UInt8(truncatingIfNeeded: step)), for: key)
                        if step % 2 == 1, let session = store.take(for: key, now: Self.start) {
                            got.append(session)
                        }
                    }
                    return got
                }
            }
            var all: [TLSSession] = []
            for await part in group { all += part }
            return all
        }
        // No session was handed out twice, and everything not taken is still there.
        #expect(Set(taken.map(ObjectIdentifier.init)).count == taken.count)  // `taken` keeps them alive
        #expect(store.count + taken.count == 16 * perTask)
        var drained = 0
        for key in keys { while store.take(for: key, now: Self.start) != nil { drained += 1 } }
        #expect(drained + taken.count == 16 * perTask)
        #expect(store.count == 0 && store.serverCount == 0)
    }
}
