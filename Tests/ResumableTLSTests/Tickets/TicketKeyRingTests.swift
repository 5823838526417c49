import Crypto
import Foundation
import Testing
@testable import ResumableTLS

@Suite("Tickets: key ring, sealing and rotation (S24, S25)")
struct TicketKeyRingTests {
    let hour: TimeInterval = 3_600

    @Test func sealOpenRoundTrip() throws {
        let ring = TicketKeyRing(clock: TicketTestClock())
        let state = TicketFixtures.fullState()
        let ticket = try ring.seal(state)
        #expect(ticket.count == TicketKeyRing.ticketOverhead + (try state.encoded()).count)
        #expect(Array(ticket.prefix(16)) == ring.sealingKeyName)
        #expect(ring.open(ticket) == state)
        #expect(ring.openTicket(ticket)?.shouldRenew == false)
        // Two seals of one state differ (fresh nonce) and both open.
        let again = try ring.seal(state)
        #expect(again != ticket)
        #expect(ring.open(again) == state)
    }

    /// The ticket format is name | nonce | AES-256-GCM(state) | tag with the name as additional
    /// data, whichever AEAD implementation seals it: our in-place tickets open with swift-crypto's
    /// `AES.GCM`, and tickets sealed with `AES.GCM` (as earlier versions and other fleet members
    /// do) open with the ring.
    @Test func ticketFormatMatchesSwiftCryptoAESGCM() throws {
        let keyBytes = (0..<32).map { UInt8($0 &* 7 &+ 3) }
        let name = [UInt8](repeating: 0xA5, count: 16)
        let clock = TicketTestClock()
        let key = try TicketKey(name: name, keyBytes: keyBytes, notBefore: clock.now())
        let ring = try TicketKeyRing(keys: [key], clock: clock)
        let state = TicketFixtures.fullState()
        let plaintext = try state.encoded()

        let ticket = try ring.seal(state)
        let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: ticket[16 ..< 28]), ciphertext: ticket[28 ..< ticket.count - 16],
                                        tag: ticket[(ticket.count - 16)...])
        #expect(Array(try AES.GCM.open(box, using: SymmetricKey(data: keyBytes), authenticating: name)) == plaintext)

        let nonce = AES.GCM.Nonce()
        let sealed = try AES.GCM.seal(plaintext, using: SymmetricKey(data: keyBytes), nonce: nonce, authenticating: name)
        let foreign = name + Array(nonce) + Array(sealed.ciphertext) + Array(sealed.tag)
        #expect(ring.open(foreign) == state)
    }

    @Test func rotationKeepsOldTicketsUntilTheKeyRetires() throws {
        let clock = TicketTestClock()
        let ring = TicketKeyRing(clock: clock, rotationInterval: 24 * hour, maximumTicketLifetime: 2 * hour)
        let state = TicketFixtures.minimalState()
        let oldTicket = try ring.seal(state)
        let oldName = try #require(ring.sealingKeyName)

        clock.advance(by: 24 * hour - 1)
        #expect(ring.sealingKeyName == oldName)  // not rotated yet
        clock.advance(by: 1)
        let newTicket = try ring.seal(state)  // rotates lazily
        let newName = try #require(ring.sealingKeyName)
        #expect(newName != oldName)
        #expect(Array(newTicket.prefix(16)) == newName)
        #expect(ring.keyNames == [oldName, newName])

        // The old ticket still opens, and asks for renewal.
        #expect(ring.open(oldTicket) == state)
        #expect(ring.openTicket(oldTicket)?.shouldRenew == true)
        #expect(ring.openTicket(newTicket)?.shouldRenew == false)

        // The old key retires maximumTicketLifetime after its encrypt window closed.
        clock.advance(by: 2 * hour - 1)
        #expect(ring.open(oldTicket) == state)
        clock.advance(by: 1)
        #expect(ring.open(oldTicket) == nil)
        #expect(ring.keyNames == [newName])
        #expect(ring.open(newTicket) == state)
    }

    @Test func lazyRotationAfterALongIdle() throws {
        let clock = TicketTestClock()
        let ring = TicketKeyRing(clock: clock, rotationInterval: hour, maximumTicketLifetime: hour)
        let ticket = try ring.seal(TicketFixtures.minimalState())
        let first = ring.sealingKeyName
        clock.advance(by: 10 * hour)
        #expect(ring.open(ticket) == nil)  // key long retired
        #expect(ring.sealingKeyName != first)
        #expect(ring.keyNames.count == 1)
        let fresh = try ring.seal(TicketFixtures.minimalState())
        #expect(ring.open(fresh) != nil)
    }

    @Test func openIsNilForEveryFlippedByte() throws {
        let ring = TicketKeyRing(clock: TicketTestClock())
        let ticket = try ring.seal(TicketFixtures.fullState())
        for index in ticket.indices {
            var tampered = ticket
            tampered[index] ^= 0x01
            #expect(ring.open(tampered) == nil, "byte \(index) flipped")
            tampered[index] ^= 0x81
            #expect(ring.open(tampered) == nil, "byte \(index) flipped")
        }
        #expect(ring.open(ticket) != nil)
    }

    @Test func openIsNilForTruncatedOrOversizedTickets() throws {
        let ring = TicketKeyRing(clock: TicketTestClock())
        let ticket = try ring.seal(TicketFixtures.fullState())
        for length in 0..<ticket.count {
            #expect(ring.open(Array(ticket.prefix(length))) == nil)
        }
        #expect(ring.open(ticket + [0]) == nil)
        #expect(ring.open([UInt8](repeating: 0, count: TicketKeyRing.maximumTicketLength + 1)) == nil)
        #expect(ring.open([]) == nil)
    }

    @Test func openIsNilForAnotherRingsTicket() throws {
        let clock = TicketTestClock()
        let ticket = try TicketKeyRing(clock: clock).seal(TicketFixtures.minimalState())
        #expect(TicketKeyRing(clock: clock).open(ticket) == nil)
        // Same key name, different key: the tag check fails.
        let name = Array(ticket.prefix(16))
        let impostor = try TicketKey(name: name, keyBytes: Array(repeating: 1, count: 32), notBefore: clock.now())
        #expect(try TicketKeyRing(keys: [impostor], clock: clock).open(ticket) == nil)
    }

    @Test func openIsNilForRandomGarbage() throws {
        let ring = TicketKeyRing(clock: TicketTestClock())
        let name = try #require(ring.sealingKeyName)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let length = Int.random(in: 0..<300, using: &generator)
            let body = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(ring.open(body) == nil)
            #expect(ring.open(name + body) == nil)  // known key name, garbage after
        }
    }

    @Test func oversizedStateIsNotSealed() throws {
        let ring = TicketKeyRing(clock: TicketTestClock())
        var state = TicketFixtures.minimalState()
        state.peerCertificates = Array(repeating: Array(repeating: 0x30, count: 8_000), count: 9)
        #expect(throws: TLSError.self) { try ring.seal(state) }
    }

    @Test func sealSessionDropsCertificatesThatDoNotFit() throws {
        let ring = TicketKeyRing(clock: TicketTestClock())
        func session(certificates: [[UInt8]]) -> TLSSession {
            TLSSession(
                protocolVersion: .tls13, cipherSuite: .tlsAES128GCMSHA256, secret: Array(repeating: 3, count: 32),
                ticket: [1], creationTime: Date(timeIntervalSince1970: 1_700_000_000), timeout: 600,
                serverName: "a.example", peerCertificates: certificates, contextID: TicketFixtures.contextID)
        }
        let small = try #require(ring.open(try ring.seal(session: session(certificates: [[0x30, 1]]))))
        #expect(small.peerCertificates == [[0x30, 1]] && small.serverName == "a.example")
        let withoutCertificates = try #require(ring.open(try ring.seal(session: session(certificates: [[0x30, 1]]), includePeerCertificates: false)))
        #expect(withoutCertificates.peerCertificates.isEmpty)
        let large = session(certificates: Array(repeating: Array(repeating: 0x30, count: 8_000), count: 9))
        let opened = try #require(ring.open(try ring.seal(session: large)))
        #expect(opened.peerCertificates.isEmpty && opened.secret == large.secret)
    }

    /// `seal(session:)` writes the session's fields straight into the ticket; what opens must be
    /// exactly `SessionTicketState(session:)` (the encoder behind `seal(_:)`), for every field,
    /// both versions, with and without the optional ones.
    @Test func sealSessionWritesTheStateSessionTicketStateEncodes() throws {
        let ring = TicketKeyRing(clock: TicketTestClock())
        let created = Date(timeIntervalSince1970: 1_700_000_000.1234)
        let sessions = [
            TLSSession(
                protocolVersion: .tls13, cipherSuite: .tlsAES256GCMSHA384, secret: Array(repeating: 9, count: 48),
                ticket: [1], ticketAgeAdd: 0xDEAD_BEEF, creationTime: created, timeout: 7_200.9,
                serverName: "a.example", applicationProtocol: "h2", maxEarlyDataSize: 16_384,
                sessionIDContext: [1, 2, 3], peerCertificates: [[0x30, 1], [0x30, 2, 3]], group: .x25519,
                contextID: TicketFixtures.contextID, authenticationTime: created.addingTimeInterval(-60)),
            TLSSession(
                protocolVersion: .tls12, cipherSuite: .ecdheECDSAWithAES128GCMSHA256, secret: Array(repeating: 7, count: 48),
                ticket: [2], creationTime: created, timeout: 300, contextID: TicketFixtures.contextID,
                extendedMasterSecret: true),
        ]
        for session in sessions {
            for includePeerCertificates in [true, false] {
                let expected = SessionTicketState(session: session, includePeerCertificates: includePeerCertificates)
                let ticket = try ring.seal(session: session, includePeerCertificates: includePeerCertificates)
                #expect(ticket.count == TicketKeyRing.ticketOverhead + (try expected.encoded()).count)
                #expect(ring.open(ticket) == expected)
            }
        }
    }

    @Test func externalKeysRotateByNotBefore() throws {
        let clock = TicketTestClock()
        let start = clock.now()
        let first = TicketKey.generate(notBefore: start.addingTimeInterval(-hour))
        let second = TicketKey.generate(notBefore: start.addingTimeInterval(hour))
        let ring = try TicketKeyRing(keys: [second, first], clock: clock, maximumTicketLifetime: 2 * hour)
        #expect(ring.origin == .external)
        #expect(ring.sealingKeyName == first.name)
        let early = try ring.seal(TicketFixtures.minimalState())

        clock.advance(by: hour)
        #expect(ring.sealingKeyName == second.name)
        #expect(ring.openTicket(early)?.shouldRenew == true)
        clock.advance(by: 2 * hour - 1)
        #expect(ring.open(early) != nil)
        clock.advance(by: 1)
        #expect(ring.open(early) == nil)
        #expect(ring.sealingKeyName == second.name)
    }

    @Test func futureKeysDecryptButDoNotEncrypt() throws {
        let clock = TicketTestClock()
        let future = TicketKey.generate(notBefore: clock.now().addingTimeInterval(60))
        let ring = try TicketKeyRing(keys: [future], clock: clock)
        #expect(ring.sealingKeyName == nil)
        #expect(throws: TicketKeyError.noActiveKey) { try ring.seal(TicketFixtures.minimalState()) }
        // Another server whose clock is ahead seals with it; this one opens the ticket.
        let aheadClock = TicketTestClock(clock.now().addingTimeInterval(120))
        let ahead = try TicketKeyRing(keys: [future], clock: aheadClock)
        let ticket = try ahead.seal(TicketFixtures.minimalState())
        #expect(ring.open(ticket) != nil)
    }

    @Test func installValidatesAndKeepsOldKeysOnError() throws {
        let clock = TicketTestClock()
        let ring = TicketKeyRing(clock: clock)
        let ticket = try ring.seal(TicketFixtures.minimalState())
        #expect(throws: TicketKeyError.noKeys) { try ring.install([]) }
        let key = TicketKey.generate(notBefore: clock.now())
        #expect(throws: TicketKeyError.duplicateKeyName(key.nameHex)) { try ring.install([key, key]) }
        #expect(ring.origin == .generated)
        #expect(ring.open(ticket) != nil)
        try ring.install([key])
        #expect(ring.origin == .external)
        #expect(ring.open(ticket) == nil)
        #expect(ring.sealingKeyName == key.name)
        #expect(throws: TicketKeyError.invalidKey("name is 15 bytes, not 16")) {
            try TicketKey(name: Array(repeating: 0, count: 15), keyBytes: Array(repeating: 0, count: 32), notBefore: clock.now())
        }
        #expect(throws: TicketKeyError.self) {
            try TicketKey(name: Array(repeating: 0, count: 16), keyBytes: Array(repeating: 0, count: 16), notBefore: clock.now())
        }
    }

    @Test func reloadFromASource() async throws {
        struct FixedSource: TicketKeySource {
            let keys: [TicketKey]
            func loadTicketKeys() async throws -> [TicketKey] { keys }
        }
        let clock = TicketTestClock()
        let key = TicketKey.generate(notBefore: clock.now())
        let ring = try await TicketKeyRing.loading(from: FixedSource(keys: [key]), clock: clock)
        #expect(ring.sealingKeyName == key.name)
        try await ring.reload()
        #expect(ring.sealingKeyName == key.name)
        await #expect(throws: TLSError.self) { try await TicketKeyRing(clock: clock).reload() }
    }

    @Test func descriptionHidesKeyMaterial() throws {
        let key = try TicketKey(name: Array(repeating: 0xAB, count: 16), keyBytes: Array(repeating: 0xCD, count: 32), notBefore: Date())
        #expect(key.description.contains("abab"))
        #expect(!key.description.contains("cdcd"))
    }

    @Test func concurrentSealAndOpenAcrossRotation() async throws {
        let clock = TicketTestClock()
        let ring = TicketKeyRing(clock: clock, rotationInterval: 10, maximumTicketLifetime: 1_000)
        let state = TicketFixtures.fullState()
        let opened = await withTaskGroup(of: Int.self) { group in
            for task in 0..<16 {
                group.addTask {
                    var ok = 0
                    for step in 0..<50 {
                        if step % 10 == 0 && task == 0 { clock.advance(by: 5) }
                        guard let ticket = try? ring.seal(state) else { continue }
                        if ring.open(ticket) == state { ok += 1 }
                    }
                    return ok
                }
            }
            return await group.reduce(0, +)
        }
        #expect(opened == 16 * 50)
    }
}
