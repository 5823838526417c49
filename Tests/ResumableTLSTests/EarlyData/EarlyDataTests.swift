import Foundation
import Testing
@testable import ResumableTLS

/// S29: 0-RTT early data in memory — accepted, declined and skipped (RFC 8446 §4.2.10),
/// refused on replay (§8) and outside the freshness window (§8.3), bounded by
/// `max_early_data_size`.
@Suite struct EarlyDataTests {
    static let request = Array("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8)

    /// A server context; `earlyData` nil leaves 0-RTT off.
    private func server(earlyData: EarlyDataConfiguration? = EarlyDataConfiguration(), ticketMode: TicketMode = .stateless,
                        reuse: StatelessTicketReuse = .allowed, keys: TicketKeyRing? = nil, clock: TestClock,
                        adjust: (inout TLSConfiguration) -> Void = { _ in }) throws -> TLSContext {
        var configuration = InMemoryIdentity.serverConfiguration()
        configuration.ticketMode = ticketMode
        configuration.statelessTicketReuse = reuse
        configuration.earlyData = earlyData
        configuration.ticketKeys = keys
        adjust(&configuration)
        return try TLSContext(configuration, clock: clock)
    }

    private func client(clock: TestClock, adjust: (inout TLSConfiguration) -> Void = { _ in }) throws -> TLSContext {
        var configuration = try InMemoryIdentity.clientConfiguration()
        adjust(&configuration)
        return try TLSContext(configuration, clock: clock)
    }

    /// A ticket from a full handshake with `server`.
    private func ticket(_ client: TLSContext, _ server: TLSContext) async throws -> TLSSession {
        let (first, _) = try await ConnectionPump.connectAndClose(client, server)
        return try #require(first.session)
    }

    private func earlyData(_ events: [TLSEvent]) -> [UInt8] {
        events.flatMap { event -> [UInt8] in
            if case .earlyData(let bytes) = event { return bytes }
            return []
        }
    }

    @Test("S29: a ticket from a server with early data on carries max_early_data_size; the request arrives as early data before the handshake completes")
    func earlyDataAccepted() async throws {
        let clock = TestClock()
        let (clientContext, serverContext) = (try client(clock: clock), try server(clock: clock))
        let ticket = try await ticket(clientContext, serverContext)
        #expect(ticket.maxEarlyDataSize == 16_384)
        let (client, server) = try await ConnectionPump.connect(clientContext, serverContext, offering: ticket, earlyData: Self.request)
        let serverEvents = ConnectionPump.events(server)
        #expect(earlyData(serverEvents) == Self.request)
        let earlyIndex = serverEvents.firstIndex { if case .earlyData = $0 { return true } else { return false } }
        let completedIndex = serverEvents.firstIndex { if case .handshakeCompleted = $0 { return true } else { return false } }
        #expect(try #require(earlyIndex) < #require(completedIndex), "delivered before the handshake completed")
        #expect(ConnectionPump.events(client).contains(.earlyDataAccepted))
        #expect(client.negotiated?.earlyData == .accepted && server.negotiated?.earlyData == .accepted)
        #expect(client.sessionReused && server.sessionReused)
        // 1-RTT data flows afterwards as usual.
        try server.write(Array("HTTP/1.1 200 OK\r\n\r\n".utf8))
        try client.receive(server.takeOutput())
        #expect(ConnectionPump.applicationData(ConnectionPump.events(client)) == Array("HTTP/1.1 200 OK\r\n\r\n".utf8))
        try ConnectionPump.shutDown(client, server)
    }

    @Test("S29: a ticket that does not allow early data sends none: rejected at once, the handshake resumes in 1-RTT")
    func ticketWithoutEarlyData() async throws {
        let clock = TestClock()
        let (clientContext, serverContext) = (try client(clock: clock), try server(earlyData: nil, clock: clock))
        let ticket = try await ticket(clientContext, serverContext)
        #expect(ticket.maxEarlyDataSize == 0)
        let (client, server) = try await ConnectionPump.connect(clientContext, serverContext, offering: ticket, earlyData: Self.request)
        #expect(ConnectionPump.events(client).contains(.earlyDataRejected))
        #expect(earlyData(ConnectionPump.events(server)).isEmpty)
        #expect(client.negotiated?.earlyData == .rejected && server.negotiated?.earlyData == .notOffered)
        #expect(client.sessionReused)
        try ConnectionPump.shutDown(client, server)
    }

    /// Server A issues tickets allowing early data; server B shares its keys but declines
    /// early data (off, or per connection): B skips the early data by trial decryption.
    @Test("RFC 8446 §4.2.10: a server that declines early data skips it and completes a 1-RTT resumption", arguments: ["off", "perConnection"])
    func declinedEarlyDataIsSkipped(how: String) async throws {
        let clock = TestClock()
        let keys = TicketKeyRing(clock: clock)
        let clientContext = try client(clock: clock)
        let issuer = try server(keys: keys, clock: clock)
        let decliner = try server(earlyData: how == "off" ? nil : EarlyDataConfiguration(), keys: keys, clock: clock)
        let ticket = try await ticket(clientContext, issuer)
        let client = clientContext.makeConnection()
        try client.offer(ticket)
        let server = decliner.makeConnection()
        if how == "perConnection" { server.acceptsEarlyData = false }
        try await ConnectionPump.run(client, server, earlyData: Self.request)
        #expect(client.state == .established && server.state == .established)
        #expect(client.sessionReused && server.sessionReused, "the resumption itself goes ahead")
        #expect(ConnectionPump.events(client).contains(.earlyDataRejected))
        #expect(earlyData(ConnectionPump.events(server)).isEmpty)
        #expect(server.negotiated?.earlyData == .rejected)
        try ConnectionPump.shutDown(client, server)
    }

    /// The records in `bytes`, whole (header and fragment).
    private func records(_ bytes: [UInt8]) -> [[UInt8]] {
        var records: [[UInt8]] = []
        var index = 0
        while index + 5 <= bytes.count {
            let end = index + 5 + (Int(bytes[index + 3]) << 8 | Int(bytes[index + 4]))
            guard end <= bytes.count else { break }
            records.append(Array(bytes[index..<end]))
            index = end
        }
        return records
    }

    @Test("RFC 8446 §4.2.10: garbage records and a ChangeCipherSpec among declined early data are skipped or passed over")
    func garbageAndChangeCipherSpecAmongSkippedEarlyData() async throws {
        let clock = TestClock()
        let keys = TicketKeyRing(clock: clock)
        // No compatibility ChangeCipherSpec after the ClientHello: this test puts one later.
        let clientContext = try client(clock: clock) { $0.middleboxCompatibility = false }
        let ticket = try await ticket(clientContext, try server(keys: keys, clock: clock))
        let client = clientContext.makeConnection()
        try client.offer(ticket)
        let server = try server(earlyData: nil, keys: keys, clock: clock).makeConnection()
        try client.startHandshake(earlyData: Self.request)
        let sent = records(client.takeOutput())
        #expect(sent.count == 2 && sent[0][0] == 22 && sent[1][0] == 23, "the ClientHello, then the early data record")
        var flight = sent[0] + sent[1]
        flight += [20, 3, 3, 0, 1, 1]   // a ChangeCipherSpec between the early data records
        // Then records of random bytes under keys nobody has.
        for size in [40, 300] {
            flight += [23, 3, 3, UInt8(size >> 8), UInt8(size & 0xFF)] + (0..<size).map { _ in UInt8.random(in: 0...255) }
        }
        try server.receive(flight)
        try client.receive(server.takeOutput())
        try server.receive(client.takeOutput())
        #expect(client.state == .established && server.state == .established)
        #expect(client.sessionReused && server.negotiated?.earlyData == .rejected)
        #expect(earlyData(ConnectionPump.events(server)).isEmpty)
        try ConnectionPump.shutDown(client, server)
    }

    @Test("RFC 8446 §4.2.10: after a HelloRetryRequest the early data is skipped until the second ClientHello, and the PSK still resumes")
    func earlyDataAfterHelloRetryRequest() async throws {
        let clock = TestClock()
        let keys = TicketKeyRing(clock: clock)
        let clientContext = try client(clock: clock) { $0.keyShareGroups = [.x25519] }
        let ticket = try await ticket(clientContext, try server(keys: keys, clock: clock))
        // Only P-256, for which the client sent no share: a HelloRetryRequest.
        let strictServer = try server(keys: keys, clock: clock) { $0.groups = [.secp256r1] }
        let (client, server) = try await ConnectionPump.connect(clientContext, strictServer, offering: ticket, earlyData: Self.request)
        #expect(client.negotiated?.didHelloRetryRequest == true)
        #expect(client.sessionReused, "the PSK is offered again in the second ClientHello")
        #expect(ConnectionPump.events(client).contains(.earlyDataRejected))
        #expect(earlyData(ConnectionPump.events(server)).isEmpty)
        #expect(server.negotiated?.earlyData == .rejected)
        try ConnectionPump.shutDown(client, server)
    }

    @Test("RFC 8446 §4.2.10: accepted early data beyond the server's limit ends in unexpected_message")
    func tooMuchAcceptedEarlyData() async throws {
        let clock = TestClock()
        let keys = TicketKeyRing(clock: clock)
        let clientContext = try client(clock: clock)
        let ticket = try await ticket(clientContext, try server(keys: keys, clock: clock))
        let small = try server(earlyData: EarlyDataConfiguration(maximumSize: 100), keys: keys, clock: clock)
        let client = clientContext.makeConnection()
        try client.offer(ticket)
        let server = small.makeConnection()
        await #expect(throws: TLSError.protocolViolation(alert: .unexpectedMessage, reason: .tooMuchEarlyData(limit: 100))) {
            try await ConnectionPump.run(client, server, earlyData: [UInt8](repeating: 0x41, count: 1_000))
        }
    }

    @Test("RFC 8446 §4.2.10: declined early data beyond the skip limit ends in unexpected_message")
    func tooMuchSkippedEarlyData() async throws {
        let clock = TestClock()
        let keys = TicketKeyRing(clock: clock)
        let clientContext = try client(clock: clock)
        let ticket = try await ticket(clientContext, try server(earlyData: EarlyDataConfiguration(maximumSize: 100_000), keys: keys, clock: clock))
        let client = clientContext.makeConnection()
        try client.offer(ticket)
        let server = try server(earlyData: nil, keys: keys, clock: clock).makeConnection()
        await #expect(throws: TLSError.protocolViolation(alert: .unexpectedMessage, reason: .tooMuchEarlyData(limit: 16_384))) {
            try await ConnectionPump.run(client, server, earlyData: [UInt8](repeating: 0x41, count: 40_000))
        }
    }

    @Test("RFC 8446 §8.3: a ticket age outside the freshness window declines early data, not the resumption")
    func freshnessWindow() async throws {
        let serverClock = TestClock()
        let clientClock = TestClock(serverClock.now())
        let clientContext = try client(clock: clientClock)
        let serverContext = try server(clock: serverClock)
        let ticket = try await ticket(clientContext, serverContext)
        serverClock.advance(by: 20)   // the client's age is now 20 s behind the server's
        let (client, server) = try await ConnectionPump.connect(clientContext, serverContext, offering: ticket, earlyData: Self.request)
        #expect(client.sessionReused)
        #expect(server.negotiated?.earlyData == .rejected)
        #expect(earlyData(ConnectionPump.events(server)).isEmpty)
        try ConnectionPump.shutDown(client, server)
    }

    /// A captured first flight (ClientHello and early data) sent again to the server: the early
    /// data must not be delivered twice.
    @Test("RFC 8446 §8: a replayed ClientHello with early data is refused early data", arguments: ["stateful", "statelessSingleUse", "statelessFreshnessWindow"])
    func replayedClientHelloGetsNoEarlyData(mode: String) async throws {
        let clock = TestClock()
        let serverContext = try server(ticketMode: mode == "stateful" ? .stateful : .stateless,
                                       reuse: mode == "statelessSingleUse" ? .singleUse : .allowed, clock: clock)
        let clientContext = try client(clock: clock)
        let ticket = try await ticket(clientContext, serverContext)
        let client = clientContext.makeConnection()
        try client.offer(ticket)
        try client.startHandshake(earlyData: Self.request)
        let firstFlight = client.takeOutput()
        let original = serverContext.makeConnection()
        try original.receive(firstFlight)
        #expect(earlyData(ConnectionPump.events(original)) == Self.request, "the original connection gets its early data")
        let replay = serverContext.makeConnection()
        try replay.receive(firstFlight)
        try await ConnectionPump.runPendingWork(replay)
        #expect(!replay.takeOutput().isEmpty && replay.state == .handshaking, "\(mode): the replay is answered (1-RTT or a full handshake)")
        #expect(earlyData(ConnectionPump.events(replay)).isEmpty, "\(mode): the replay gets no early data")
    }
}
