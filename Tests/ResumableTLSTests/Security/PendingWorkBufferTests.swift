import Testing
@testable import ResumableTLS

/// Security review M2 and L12: while a connection waits for asynchronous work it keeps at most
/// one flight of the peer's bytes, and a result that arrives after the connection closed is
/// ignored.
@Suite("M2, L12: pending work")
struct PendingWorkBufferTests {
    /// A server whose get callback is never answered here (the test holds the work), and a
    /// client offering it a session made by another stateful server: the server must look it up.
    private func serverAwaitingLookup() async throws -> (server: TLSConnection, client: TLSConnection) {
        var origin = InMemoryIdentity.serverConfiguration()
        origin.ticketMode = .stateful
        // Without middlebox compatibility: the test sends the one ChangeCipherSpec itself.
        var clientConfiguration = try InMemoryIdentity.clientConfiguration()
        clientConfiguration.middleboxCompatibility = false
        let client = try TLSContext(clientConfiguration)
        let (first, _) = try await ConnectionPump.connectAndClose(client, try TLSContext(origin))
        let session = try #require(first.session)
        #expect(session.isResumable)

        var lookingUp = InMemoryIdentity.serverConfiguration()
        lookingUp.ticketMode = .stateful
        lookingUp.sessionCallbacks.onLookup = { _ in nil }
        let server = try TLSContext(lookingUp).makeConnection()
        let resuming = client.makeConnection()
        try resuming.offer(session)
        try resuming.startHandshake()
        try server.receive(resuming.takeOutput())
        #expect(server.isAwaitingPendingWork)
        return (server, resuming)
    }

    /// A client that received the server's whole flight and now verifies its chain.
    private func clientAwaitingChainVerification() throws -> (client: TLSConnection, server: TLSConnection) {
        let client = try TLSContext(try InMemoryIdentity.clientConfiguration()).makeConnection()
        let server = try TLSContext(InMemoryIdentity.serverConfiguration()).makeConnection()
        try client.startHandshake()
        try server.receive(client.takeOutput())
        try client.receive(server.takeOutput())
        return (client, server)
    }

    /// Feeds `total` bytes of application-data-looking records in 64 KiB reads until the
    /// connection throws; returns the bytes accepted before and the error.
    private func flood(_ connection: TLSConnection, total: Int) -> (accepted: Int, error: TLSError?) {
        let record = [UInt8]([23, 3, 3, 0x40, 0x00]) + [UInt8](repeating: 0xEE, count: 0x4000)
        var chunk: [UInt8] = []
        while chunk.count < 65_536 { chunk += record }
        var accepted = 0
        while accepted < total {
            do {
                try connection.receive(chunk)
            } catch let error as TLSError {
                return (accepted, error)
            } catch {
                return (accepted, TLSError.internalError("\(error)"))
            }
            accepted += chunk.count
        }
        return (accepted, nil)
    }

    @Test("10 MB during a pending session lookup: unexpected_message, at most one flight kept")
    func floodDuringLookup() async throws {
        let (server, _) = try await serverAwaitingLookup()
        let (accepted, error) = flood(server, total: 10_000_000)
        #expect(error?.alertToSend == .unexpectedMessage, "\(String(describing: error))")
        #expect(accepted <= server.bufferLimitWhileAwaitingWork)
        Hostile.expectClosedWithPlaintextAlert(server, .unexpectedMessage, output: server.takeOutput())
        // L12: the lookup's answer arriving now changes nothing.
        try server.completePendingWork(.success(()))
        Hostile.expectClosed(server, .unexpectedMessage)
        #expect(server.nextEvent() == nil)
        #expect(server.takeOutput().isEmpty)
    }

    @Test("10 MB during the client's chain verification: unexpected_message")
    func floodDuringChainVerification() async throws {
        let (client, server) = try clientAwaitingChainVerification()
        #expect(client.isAwaitingPendingWork)
        let (accepted, error) = flood(client, total: 10_000_000)
        #expect(error?.alertToSend == .unexpectedMessage, "\(String(describing: error))")
        #expect(accepted <= client.bufferLimitWhileAwaitingWork)
        Hostile.expectClosed(client, .unexpectedMessage)
        // The alert goes out under the handshake keys: the server reads it.
        #expect(throws: TLSError.peerAlert(.unexpectedMessage)) { try server.receive(client.takeOutput()) }
    }

    @Test("What a peer may send while work is pending (a ChangeCipherSpec) is kept and processed afterwards")
    func oneFlightIsKept() async throws {
        let (server, client) = try await serverAwaitingLookup()
        // RFC 8446 §D.4: a client may send its dummy ChangeCipherSpec right after the ClientHello.
        try server.receive(ChangeCipherSpec.record)
        let work = try #require(server.takePendingWork())
        try server.completePendingWork(await work.run())   // the lookup finds nothing: full handshake
        try await ConnectionPump.run(client, server)
        #expect(client.state == .established && server.state == .established)
        #expect(!server.sessionReused)
    }

    @Test("L12: a result after transportClosed() does not revive the connection")
    func resultAfterTransportClosedIsIgnored() async throws {
        let (client, server) = try clientAwaitingChainVerification()
        let work = try #require(client.takePendingWork())
        client.transportClosed()
        try client.completePendingWork(await work.run())
        guard case .closed = client.state else {
            Issue.record("the connection came back: \(client.state)")
            return
        }
        #expect(client.negotiated == nil)
        #expect(client.takeOutput().isEmpty)   // no Finished, no tickets
        #expect(ConnectionPump.events(client).isEmpty)
    }
}
