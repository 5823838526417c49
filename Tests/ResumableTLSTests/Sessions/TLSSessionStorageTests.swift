import Foundation
import Testing
@testable import ResumableTLS

/// `TLSSession` keeps its secret, ID and ticket nonce inline and a stateful ticket's bytes once
/// (issue 17 target 4): whatever is stored, every public property reads back exactly what was
/// given, at every length the wire or a file allows, and the cache finds sessions by any of them.
@Suite("Sessions: inline storage reads back what was given")
struct TLSSessionStorageTests {
    let contextID = UUID()

    func session(secret: [UInt8], id: [UInt8], ticket: [UInt8], nonce: [UInt8]) -> TLSSession {
        TLSSession(protocolVersion: .tls13, cipherSuite: .tlsAES256GCMSHA384, secret: secret, sessionID: id,
                   ticket: ticket, ticketNonce: nonce, creationTime: Date(), timeout: 100, contextID: contextID)
    }

    func bytes(_ count: Int, _ seed: UInt8) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31) ^ seed } }

    @Test(arguments: [0, 1, 16, 17, 31, 32, 33, 47, 48, 49, 64, 255, 256])
    func everyLengthReadsBack(length: Int) {
        let secret = bytes(length, 1), id = bytes(length, 2), nonce = bytes(length, 3), ticket = bytes(length, 4)
        let made = session(secret: secret, id: id, ticket: ticket, nonce: nonce)
        #expect(made.secret == secret && made.secretKey.withUnsafeBytes { Array($0) } == secret)
        #expect(made.sessionID == id && made.hasSessionID == !id.isEmpty)
        #expect(made.withSessionID { Array($0) } == id)
        #expect(id.withUnsafeBytes { made.hasSessionID($0) })
        #expect(!(id + [0]).withUnsafeBytes { made.hasSessionID($0) })
        #expect(made.ticketNonce == nonce && made.ticket == ticket)
        #expect(made.copy().hasSameParameters(as: made))
        // Resumable needs a secret and something to present.
        #expect(made.isResumable == (length > 0))
    }

    /// A stateful ticket is the session ID itself: stored once, read back as both.
    @Test func aTicketEqualToTheIDReadsBackAsBoth() {
        let id = bytes(32, 9)
        let made = session(secret: bytes(32, 1), id: id, ticket: id, nonce: [0, 1])
        #expect(made.ticket == id && made.sessionID == id && made.isResumable)
        let renamed = made.replacing(sessionID: bytes(32, 8))
        #expect(renamed.ticket == id && renamed.sessionID == bytes(32, 8))
        let ticketOnly = session(secret: bytes(32, 1), id: [], ticket: id, nonce: [])
        #expect(ticketOnly.ticket == id && ticketOnly.sessionID.isEmpty && ticketOnly.isResumable)
        let idOnly = session(secret: bytes(32, 1), id: id, ticket: [], nonce: [])
        #expect(idOnly.ticket.isEmpty && idOnly.sessionID == id && idOnly.isResumable)
    }

    /// The cache files and finds sessions whose IDs are inline or not, and tells apart IDs that
    /// share their first 32 bytes.
    @Test func theCacheFindsIDsOfEveryLength() {
        let now = Date()
        let cache = SessionCache()
        let ids = [bytes(32, 5), bytes(32, 5) + [0], bytes(33, 5), bytes(16, 5), bytes(1, 5), bytes(200, 5)]
        let sessions = ids.map { session(secret: bytes(32, 1), id: $0, ticket: [], nonce: []) }
        for made in sessions { #expect(cache.insert(made, now: now) == .inserted) }
        for (id, made) in zip(ids, sessions) {
            #expect(cache.lookup(id: id, now: now) === made)
            #expect(cache.contains(made) && cache.contains(id: id))
        }
        #expect(cache.lookup(id: bytes(31, 5), now: now) == nil)
        #expect(cache.take(id: ids[2], now: now) === sessions[2] && !cache.contains(id: ids[2]))
        #expect(cache.remove(sessions[5], reason: .explicit) && cache.count == ids.count - 2)
    }
}
