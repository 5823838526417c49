import Foundation
import Testing
@testable import ResumableTLS

/// TLS 1.3 resumption between our own client and server, in memory (issue 4).
@Suite struct InMemoryResumptionTests {
    struct Pair {
        let clientContext: TLSContext
        let serverContext: TLSContext
        let clock: TestClock
    }

    private func makePair(
        client: (inout TLSConfiguration) -> Void = { _ in },
        server: (inout TLSConfiguration) -> Void = { _ in },
        clock: TestClock = TestClock()
    ) throws -> Pair {
        var clientConfiguration = try InMemoryIdentity.clientConfiguration()
        client(&clientConfiguration)
        var serverConfiguration = InMemoryIdentity.serverConfiguration()
        server(&serverConfiguration)
        return Pair(
            clientContext: try TLSContext(clientConfiguration, clock: clock),
            serverContext: try TLSContext(serverConfiguration, clock: clock), clock: clock)
    }

    /// One connection; returns both ends after the handshake and ticket delivery.
    private func connect(_ pair: Pair, offering session: TLSSession? = nil, serverContext: TLSContext? = nil) async throws -> (TLSConnection, TLSConnection) {
        let client = pair.clientContext.makeConnection()
        try client.offer(session)
        let server = (serverContext ?? pair.serverContext).makeConnection()
        try await ConnectionPump.run(client, server)
        #expect(client.state == .established)
        #expect(server.state == .established)
        return (client, server)
    }

    /// `connect`, then a clean close on both sides: the connection only makes a session, which
    /// releasing it without `close()` would poison (S13).
    private func connectAndClose(_ pair: Pair, offering session: TLSSession? = nil, serverContext: TLSContext? = nil) async throws -> (TLSConnection, TLSConnection) {
        let (client, server) = try await connect(pair, offering: session, serverContext: serverContext)
        try ConnectionPump.shutDown(client, server)
        return (client, server)
    }

    private func newSessions(_ events: [TLSEvent]) -> [TLSSession] {
        events.compactMap { if case .newSession(let s) = $0 { return s } else { return nil } }
    }

    @Test(arguments: [TicketMode.stateless, .stateful])
    func fullThenResumed_S8_S9_S10_S11(mode: TicketMode) async throws {
        let pair = try makePair(server: { $0.ticketMode = mode })
        let (client1, server1) = try await connect(pair)
        #expect(!client1.sessionReused)
        let clientTickets = newSessions(ConnectionPump.events(client1))
        let serverTickets = newSessions(ConnectionPump.events(server1))
        #expect(clientTickets.count == 2, "default two tickets after a full handshake")
        #expect(serverTickets.count == 2)
        // S10: the connection's session is the latest ticket, on both sides.
        #expect(client1.session === clientTickets.last)
        #expect(server1.session === serverTickets.last)
        let saved = try #require(client1.session)
        #expect(saved.isResumable)
        #expect(saved.serverName == "localhost")

        let (client2, server2) = try await connect(pair, offering: saved)
        #expect(client2.sessionReused)
        #expect(server2.sessionReused)
        #expect(client2.negotiated?.group == .x25519, "psk_dhe_ke by default")
        #expect(newSessions(ConnectionPump.events(client2)).count == 1, "one ticket after a resumption")
        try client2.write(Array("resumed".utf8))
        try server2.receive(client2.takeOutput())
        #expect(ConnectionPump.applicationData(ConnectionPump.events(server2)) == Array("resumed".utf8))
    }

    @Test func clientSessionBeforeAnyTicketIsNotResumable_S9() async throws {
        let pair = try makePair(server: { $0.ticketCount = 0 })
        let (client, _) = try await connectAndClose(pair)
        let session = try #require(client.session)
        #expect(!session.isResumable)
        #expect(newSessions(ConnectionPump.events(client)).isEmpty)
    }

    @Test func pskWithoutKeyExchangeWhenBothAllowIt() async throws {
        let pair = try makePair(
            client: { $0.pskKeyExchangeModes = [.pskKE] },
            server: { $0.pskKeyExchangeModes = [.pskDHEKE, .pskKE] })
        let (client1, _) = try await connectAndClose(pair)
        let saved = try #require(client1.session)
        let (client2, server2) = try await connect(pair, offering: saved)
        #expect(client2.sessionReused && server2.sessionReused)
        #expect(client2.negotiated?.group == nil)
    }

    @Test func statefulTicketsResumeOnce_S14_S26() async throws {
        let pair = try makePair(server: { $0.ticketMode = .stateful })
        let (client1, _) = try await connectAndClose(pair)
        let saved = try #require(client1.session)
        let (client2, _) = try await connectAndClose(pair, offering: saved)
        #expect(client2.sessionReused)
        let (client3, _) = try await connectAndClose(pair, offering: saved)
        #expect(!client3.sessionReused, "the server took the entry on first use")
    }

    @Test func otherServerNameGivesAFullHandshake_S5() async throws {
        let pair = try makePair()
        let (client1, _) = try await connectAndClose(pair)
        let saved = try #require(client1.session)
        var other = try InMemoryIdentity.clientConfiguration(serverName: "127.0.0.1")
        other.serverName = "127.0.0.1"
        let otherContext = try TLSContext(other, clock: pair.clock)
        let client = otherContext.makeConnection()
        try client.offer(saved)
        let server = pair.serverContext.makeConnection()
        try await ConnectionPump.run(client, server)
        #expect(client.state == .established)
        #expect(!client.sessionReused)
    }

    @Test func expiredTicketGivesAFullHandshake_S16() async throws {
        let pair = try makePair(server: { $0.sessionTimeout = 60 })
        let (client1, _) = try await connectAndClose(pair)
        let saved = try #require(client1.session)
        #expect(saved.ticketLifetime == 60)
        pair.clock.advance(by: 61)
        let (client2, _) = try await connectAndClose(pair, offering: saved)
        #expect(!client2.sessionReused)
    }

    @Test func sessionFromAnotherContextGivesAFullHandshake_S5() async throws {
        let pair = try makePair()
        let (client1, _) = try await connectAndClose(pair)
        let saved = try #require(client1.session)
        let otherServer = try TLSContext(InMemoryIdentity.serverConfiguration(), clock: pair.clock)
        let (client2, _) = try await connectAndClose(pair, offering: saved, serverContext: otherServer)
        #expect(!client2.sessionReused)
    }

    @Test func tamperedTicketGivesAFullHandshake() async throws {
        let pair = try makePair()
        let (client1, _) = try await connectAndClose(pair)
        let saved = try #require(client1.session)
        var ticket = saved.ticket
        ticket[ticket.count / 2] ^= 0x01
        let tampered = TLSSession(
            protocolVersion: saved.protocolVersion, cipherSuite: saved.cipherSuite, secret: saved.secret,
            sessionID: saved.sessionID, ticket: ticket, ticketLifetime: saved.ticketLifetime,
            ticketAgeAdd: saved.ticketAgeAdd, ticketNonce: saved.ticketNonce, creationTime: saved.creationTime,
            timeout: saved.timeout, serverName: saved.serverName, contextID: saved.contextID)
        let (client2, _) = try await connectAndClose(pair, offering: tampered)
        #expect(!client2.sessionReused)
    }

    @Test func cipherSuiteWithAnotherHashIsNotOffered() async throws {
        let pair = try makePair(client: { $0.cipherSuites = [.tlsAES128GCMSHA256] })
        let (client1, _) = try await connectAndClose(pair)
        let saved = try #require(client1.session)
        var sha384Only = try InMemoryIdentity.clientConfiguration()
        sha384Only.cipherSuites = [.tlsAES256GCMSHA384]
        let client = try TLSContext(sha384Only, clock: pair.clock).makeConnection()
        try client.offer(saved)
        let server = pair.serverContext.makeConnection()
        try await ConnectionPump.run(client, server)
        #expect(client.state == .established)
        #expect(!client.sessionReused)
    }

    @Test func resumptionAfterHelloRetryRequest() async throws {
        let pair = try makePair(
            client: { $0.groups = [.secp384r1, .x25519] },
            server: { $0.groups = [.x25519] })
        let (client1, _) = try await connectAndClose(pair)
        #expect(client1.negotiated?.didHelloRetryRequest == true)
        let saved = try #require(client1.session)
        let (client2, server2) = try await connect(pair, offering: saved)
        #expect(client2.negotiated?.didHelloRetryRequest == true)
        #expect(client2.sessionReused && server2.sessionReused)
    }

    @Test func configuredTicketCountIsSent_S10() async throws {
        let pair = try makePair(server: { $0.ticketCount = 4 })
        let (client, _) = try await connectAndClose(pair)
        #expect(newSessions(ConnectionPump.events(client)).count == 4)
    }

    @Test func ticketRequestIsHonoured() async throws {
        let pair = try makePair(
            client: { $0.requestedTicketCount = (afterFullHandshake: 3, afterResumption: 0) },
            server: { $0.maximumTicketCount = 5 })
        let (client1, _) = try await connectAndClose(pair)
        #expect(newSessions(ConnectionPump.events(client1)).count == 3)
        let (client2, _) = try await connectAndClose(pair, offering: client1.session)
        #expect(client2.sessionReused)
        #expect(newSessions(ConnectionPump.events(client2)).isEmpty)
    }

    @Test func fatalAlertPoisonsTheSessionButTCPCloseAfterHandshakeDoesNot_S13() async throws {
        let pair = try makePair()
        let (client1, server1) = try await connect(pair)
        let kept = try #require(client1.session)
        // Peer closed TCP without close_notify after a completed handshake: still resumable.
        client1.transportClosed()
        #expect(kept.isResumable)
        // A protocol error on an established connection: the session is poisoned.
        let serverSession = try #require(server1.session)
        #expect(throws: TLSError.self) { try server1.receive([0x17, 0x03, 0x03, 0x00, 0x20] + [UInt8](repeating: 0, count: 32)) }
        #expect(!serverSession.isResumable)
        let (client2, server2) = try await connect(pair)
        let session2 = try #require(client2.session)
        #expect(throws: TLSError.self) { try server2.receive([0x17, 0x03, 0x03, 0x00, 0x20] + [UInt8](repeating: 0, count: 32)) }
        // The server's encrypted fatal alert reaches the client, whose session is poisoned too.
        #expect(throws: TLSError.peerAlert(.badRecordMAC)) { try client2.receive(server2.takeOutput()) }
        #expect(!session2.isResumable)
        let (client3, _) = try await connectAndClose(pair, offering: session2)
        #expect(!client3.sessionReused, "a poisoned session is not offered")
    }

    @Test func ticketUnderARotatedOutKeyGivesAFullHandshake_S25() async throws {
        let clock = TestClock()
        let ring = TicketKeyRing(clock: clock, rotationInterval: 3_600, maximumTicketLifetime: 7_200)
        let pair = try makePair(server: { $0.ticketKeys = ring; $0.sessionTimeout = 7_200 }, clock: clock)
        let (client1, _) = try await connectAndClose(pair)
        let old = try #require(client1.session)
        // One rotation later the old key still opens its tickets…
        clock.advance(by: 3_700)
        let (client2, _) = try await connectAndClose(pair, offering: old.copy())
        #expect(client2.sessionReused)
        // …until it retires (rotation + maximum lifetime); by then the ticket has expired on
        // the client too, so make a fresh session object with a new creation time to force
        // the offer and see the server refuse it.
        clock.advance(by: 7_300)
        let forced = TLSSession(
            protocolVersion: old.protocolVersion, cipherSuite: old.cipherSuite, secret: old.secret,
            sessionID: old.sessionID, ticket: old.ticket, ticketLifetime: old.ticketLifetime,
            ticketAgeAdd: old.ticketAgeAdd, ticketNonce: old.ticketNonce, creationTime: clock.now(),
            timeout: old.timeout, serverName: old.serverName, contextID: old.contextID)
        let (client3, _) = try await connectAndClose(pair, offering: forced)
        #expect(!client3.sessionReused)
    }

    @Test func fleetSharingTicketKeysResumesEachOthersTickets_S25() async throws {
        let clock = TestClock()
        let ring = TicketKeyRing(clock: clock)
        let pair = try makePair(server: { $0.ticketKeys = ring }, clock: clock)
        var secondServer = InMemoryIdentity.serverConfiguration()
        secondServer.ticketKeys = ring
        let other = try TLSContext(secondServer, clock: clock)
        let (client1, _) = try await connectAndClose(pair)
        let (client2, server2) = try await connect(pair, offering: client1.session, serverContext: other)
        #expect(client2.sessionReused && server2.sessionReused)
    }

    @Test func differentSessionIDContextGivesAFullHandshake_S5() async throws {
        let clock = TestClock()
        let ring = TicketKeyRing(clock: clock)
        let pair = try makePair(server: { $0.ticketKeys = ring; $0.sessionIDContext = Array("app-a".utf8) }, clock: clock)
        var otherConfiguration = InMemoryIdentity.serverConfiguration()
        otherConfiguration.ticketKeys = ring
        otherConfiguration.sessionIDContext = Array("app-b".utf8)
        let other = try TLSContext(otherConfiguration, clock: clock)
        let (client1, _) = try await connectAndClose(pair)
        let (client2, _) = try await connectAndClose(pair, offering: client1.session, serverContext: other)
        #expect(!client2.sessionReused)
    }

    @Test func clientStoreOffersEachTicketOnce_S28_S14() async throws {
        let store = ClientSessionStore(maximumSessionsPerServer: 8)
        let pair = try makePair(client: { $0.clientSessionStore = store })
        let key = ClientSessionKey(serverName: "localhost", port: 4433)
        func connectThroughStore() async throws -> TLSConnection {
            let client = pair.clientContext.makeConnection()
            try client.useClientSessionStore(key: key)
            let server = pair.serverContext.makeConnection()
            try await ConnectionPump.run(client, server)
            return client
        }
        let first = try await connectThroughStore()
        #expect(!first.sessionReused)
        #expect(store.count(for: key) == 2, "both tickets filed")
        let second = try await connectThroughStore()
        #expect(second.sessionReused)
        #expect(store.count(for: key) == 2, "one taken, one new ticket filed")
        let third = try await connectThroughStore()
        #expect(third.sessionReused)
        #expect(second.offeredSession !== third.offeredSession, "each ticket handed out once")
    }
}
