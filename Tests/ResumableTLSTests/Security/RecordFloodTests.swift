import Testing
@testable import ResumableTLS

/// Security review L1, L2, L3 and L8: records that carry nothing, KeyUpdates and interleaved
/// fragments are bounded; keys are updated before the AEAD's limits.
@Suite("L1, L2, L3, L8: records and key updates")
struct RecordFloodTests {
    /// A server established with a scripted client that can seal any record.
    private func scriptedPair() throws -> (TLSConnection, ScriptedPeer) {
        let server = try TLSContext(InMemoryIdentity.serverConfiguration()).makeConnection()
        let peer = ScriptedPeer(client: try InMemoryIdentity.clientConfiguration())
        try server.receive(try peer.start())
        try server.receive(try peer.receive(server.takeOutput()))
        #expect(server.state == .established)
        _ = server.takeOutput()
        _ = ConnectionPump.events(server)
        return (server, peer)
    }

    @Test("L2: 32 empty records in a row are dropped, the 33rd is unexpected_message; data resets the count")
    func emptyRecords() throws {
        let (server, peer) = try scriptedPair()
        var bytes: [UInt8] = []
        for _ in 0..<32 { bytes += try peer.sendRaw(.applicationData, []) }
        bytes += try peer.sendRaw(.applicationData, [1])
        for _ in 0..<32 { bytes += try peer.sendRaw(.applicationData, []) }
        try server.receive(bytes)
        #expect(ConnectionPump.events(server) == [.applicationData([1])])   // no empty events
        Hostile.expectThrows(.unexpectedMessage) { try server.receive(try peer.sendRaw(.applicationData, [])) }
        Hostile.expectClosed(server, .unexpectedMessage)
    }

    @Test("L2: more than 32 user_canceled warnings in a row are unexpected_message")
    func warningAlerts() throws {
        let (server, peer) = try scriptedPair()
        var bytes: [UInt8] = []
        for _ in 0..<32 { bytes += try peer.sendRaw(.alert, [1, AlertDescription.userCanceled.rawValue]) }
        try server.receive(bytes)
        #expect(server.state == .established)
        Hostile.expectThrows(.unexpectedMessage) { try server.receive(try peer.sendRaw(.alert, [1, AlertDescription.userCanceled.rawValue])) }
    }

    @Test("L2: thousands of events in one read come out in order")
    func manyEventsInOrder() throws {
        let (server, peer) = try scriptedPair()
        var bytes: [UInt8] = []
        for index in 0..<3_000 { bytes += try peer.sendRaw(.applicationData, [UInt8(truncatingIfNeeded: index)]) }
        try server.receive(bytes)
        let events = ConnectionPump.events(server)
        #expect(events.count == 3_000)
        #expect(ConnectionPump.applicationData(events) == (0..<3_000).map { UInt8(truncatingIfNeeded: $0) })
        #expect(server.nextEvent() == nil)
    }

    @Test("L3: application data between the fragments of a handshake message is unexpected_message")
    func interleavedFragments() throws {
        let (server, peer) = try scriptedPair()
        // A KeyUpdate (type 24, length 1, update_not_requested) split around a data record.
        var bytes = try peer.sendRaw(.handshake, [24, 0])
        bytes += try peer.sendRaw(.applicationData, [7])
        bytes += try peer.sendRaw(.handshake, [0, 1, 0])
        Hostile.expectThrows(.unexpectedMessage) { try server.receive(bytes) }
        #expect(ConnectionPump.applicationData(ConnectionPump.events(server)).isEmpty)
    }

    @Test("L3: a second ChangeCipherSpec during the handshake is unexpected_message")
    func secondChangeCipherSpec() throws {
        let client = try TLSContext(try InMemoryIdentity.clientConfiguration()).makeConnection()
        try client.startHandshake()
        let server = try TLSContext(InMemoryIdentity.serverConfiguration()).makeConnection()
        try server.receive(client.takeOutput() + ChangeCipherSpec.record)
        #expect(server.state == .handshaking)
        Hostile.expectThrows(.unexpectedMessage) { try server.receive(ChangeCipherSpec.record) }
    }

    @Test("L1: KeyUpdate requests in one flight get one answer; 33 without data are unexpected_message")
    func keyUpdates() async throws {
        let (client, server) = try await Hostile.establishedPair()
        for _ in 0..<5 { try client.updateKeys(requestPeerUpdate: true) }
        try server.receive(client.takeOutput())
        #expect(ConnectionPump.events(server).filter { $0 == .peerKeyUpdated }.count == 5)
        try client.receive(server.takeOutput())
        #expect(ConnectionPump.events(client).filter { $0 == .peerKeyUpdated }.count == 1)
        // Data resets the count; 32 more are fine, the 33rd is not.
        try client.write([1])
        try server.receive(client.takeOutput())
        for _ in 0..<32 { try client.updateKeys(requestPeerUpdate: false) }
        try server.receive(client.takeOutput())
        #expect(server.state == .established)
        try client.updateKeys(requestPeerUpdate: false)
        Hostile.expectThrows(.unexpectedMessage) { try server.receive(client.takeOutput()) }
    }

    @Test("L8: after the record limit the next write updates the keys first; data still flows")
    func automaticKeyUpdate() async throws {
        let (client, server) = try await Hostile.establishedPair()
        server.automaticKeyUpdateRecordCount = 4
        var sent: [UInt8] = []
        for index in 0..<10 {
            try server.write([UInt8(index)])
            sent.append(UInt8(index))
        }
        try client.receive(server.takeOutput())
        let events = ConnectionPump.events(client)
        #expect(events.filter { $0 == .peerKeyUpdated }.count == 2)   // after records 4 and 8 (the KeyUpdate counts as one)
        #expect(ConnectionPump.applicationData(events) == sent)
    }
}
