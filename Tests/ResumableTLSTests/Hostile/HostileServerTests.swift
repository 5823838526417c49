import Testing
@testable import ResumableTLS

/// Hostile bytes against our SERVER. The base is a real ClientHello from our client, or a
/// `ScriptedPeer` client (the library's client state machine with open keys) for anything that
/// must be protected. Each test checks the exact alert (decoded from the plaintext record, or
/// opened by the scripted peer when protected), the server's closed state, and that nothing
/// is delivered afterwards.
@Suite("Hostile: against our server")
struct HostileServerTests {
    private func makeServer(_ configuration: TLSConfiguration = InMemoryIdentity.serverConfiguration()) throws -> TLSConnection {
        try TLSContext(configuration).makeConnection()
    }

    private func clientHelloRecord() throws -> [UInt8] {
        let client = try TLSContext(try InMemoryIdentity.clientConfiguration()).makeConnection()
        try client.startHandshake()
        return client.takeOutput()
    }

    /// A scripted client that finished its handshake with `server`; returns it and the data
    /// record it can no longer be told apart from a real client by.
    private func establishedScriptedClient(_ server: TLSConnection, tamper: @escaping (HandshakeType, [UInt8]) -> [UInt8] = { $1 })
        throws -> (ScriptedPeer, finalFlight: [UInt8]) {
        let peer = ScriptedPeer(client: try InMemoryIdentity.clientConfiguration())
        peer.tamper = tamper
        try server.receive(try peer.start())
        let flight = try peer.receive(server.takeOutput())
        #expect(peer.completed)
        return (peer, flight)
    }

    private func establishedWithScriptedClient() throws -> (TLSConnection, ScriptedPeer) {
        let server = try makeServer()
        let (peer, flight) = try establishedScriptedClient(server)
        try server.receive(flight)
        #expect(server.state == .established)
        _ = ConnectionPump.events(server)
        return (server, peer)
    }

    // MARK: Truncated and oversized records

    @Test("A truncated ClientHello record waits; the rest completes it")
    func truncatedRecordWaits() throws {
        let server = try makeServer()
        let hello = try clientHelloRecord()
        try server.receive(hello.prefix(3))            // not even a header
        try server.receive(hello[3..<(hello.count - 10)])   // header, most of the body
        #expect(server.takeOutput().isEmpty)
        #expect(server.state == .handshaking)
        #expect(server.nextEvent() == nil)
        try server.receive(hello.suffix(10))
        let flight = Hostile.records(server.takeOutput())
        #expect(flight.first?.type == ContentType.handshake.rawValue)   // ServerHello
        #expect(flight.count >= 2)
    }

    @Test("A partial header, then garbage (an HTTP request): unexpected_message")
    func truncatedThenGarbage() throws {
        let server = try makeServer()
        try server.receive(Array("GE".utf8))
        #expect(server.takeOutput().isEmpty)
        #expect(server.state == .handshaking)
        Hostile.expectThrows(.unexpectedMessage) { try server.receive(Array("T / HTTP/1.1\r\nHost: x\r\n\r\n".utf8)) }
        Hostile.expectClosedWithPlaintextAlert(server, .unexpectedMessage, output: server.takeOutput())
        Hostile.expectNothingMoreDelivered(server, moreInput: try clientHelloRecord())
    }

    @Test("A truncated ClientHello followed by garbage that completes the record: decode_error")
    func truncatedClientHelloThenGarbage() throws {
        let server = try makeServer()
        let hello = try clientHelloRecord()
        try server.receive(hello.prefix(60))
        #expect(server.takeOutput().isEmpty)
        // The record is completed with zeros: the ClientHello's vectors no longer parse.
        Hostile.expectThrows(.decodeError) { try server.receive([UInt8](repeating: 0, count: hello.count - 60)) }
        Hostile.expectClosedWithPlaintextAlert(server, .decodeError, output: server.takeOutput())
    }

    @Test("A plaintext record header announcing 2^14 + 1 bytes: record_overflow at once")
    func oversizedPlaintextRecord() throws {
        let server = try makeServer()
        Hostile.expectThrows(.recordOverflow) { try server.receive([0x16, 0x03, 0x01, 0x40, 0x01]) }
        Hostile.expectClosedWithPlaintextAlert(server, .recordOverflow, output: server.takeOutput())
        Hostile.expectNothingMoreDelivered(server, moreInput: try clientHelloRecord())
    }

    @Test("A protected record header over 2^14 + 256 bytes after the handshake: record_overflow")
    func oversizedProtectedRecord() throws {
        let (server, peer) = try establishedWithScriptedClient()
        Hostile.expectThrows(.recordOverflow) { try server.receive([0x17, 0x03, 0x03, 0x41, 0x01]) }
        Hostile.expectClosed(server, .recordOverflow)
        _ = try peer.receive(server.takeOutput())
        #expect(peer.alertsReceived == [.fatal(.recordOverflow)])
    }

    @Test("A protected record whose inner plaintext is 2^14 + 1 bytes: record_overflow, nothing delivered")
    func oversizedInnerPlaintext() throws {
        let (server, peer) = try establishedWithScriptedClient()
        let record = try peer.sealUnchecked([UInt8](repeating: 0x41, count: RecordLimits.maxPlaintextLength + 1))
        Hostile.expectThrows(.recordOverflow) { try server.receive(record) }
        #expect(server.nextEvent() == nil)
        Hostile.expectClosed(server, .recordOverflow)
        _ = try peer.receive(server.takeOutput())
        #expect(peer.alertsReceived == [.fatal(.recordOverflow)])
    }

    @Test("An inner plaintext of exactly 2^14 bytes is accepted")
    func maximalInnerPlaintext() throws {
        let (server, peer) = try establishedWithScriptedClient()
        try server.receive(try peer.sealUnchecked([UInt8](repeating: 0x42, count: RecordLimits.maxPlaintextLength)))
        #expect(ConnectionPump.applicationData(ConnectionPump.events(server)).count == RecordLimits.maxPlaintextLength)
        #expect(server.state == .established)
    }

    // MARK: Content types

    @Test("Unknown record content types: unexpected_message", arguments: [UInt8(0), 19, 24, 25, 0xFF])
    func unknownContentType(_ type: UInt8) throws {
        let server = try makeServer()
        Hostile.expectThrows(.unexpectedMessage) { try server.receive(Hostile.record(type, [1, 2, 3])) }
        Hostile.expectClosedWithPlaintextAlert(server, .unexpectedMessage, output: server.takeOutput())
        Hostile.expectNothingMoreDelivered(server, moreInput: try clientHelloRecord())
    }

    @Test("An unknown inner content type in a protected record: unexpected_message")
    func unknownInnerContentType() throws {
        let (server, peer) = try establishedWithScriptedClient()
        // Inner type 24 (heartbeat, not in TLS 1.3).
        let record = try peer.sealUnchecked(Array("data".utf8), innerType: 24)
        Hostile.expectThrows(.unexpectedMessage) { try server.receive(record) }
        #expect(server.nextEvent() == nil)
        Hostile.expectClosed(server, .unexpectedMessage)
    }

    @Test("Application data before the handshake: unexpected_message, nothing delivered")
    func applicationDataBeforeHandshake() throws {
        let server = try makeServer()
        Hostile.expectThrows(.unexpectedMessage) { try server.receive(Hostile.record(23, Array("GET / HTTP/1.1\r\n".utf8))) }
        #expect(server.nextEvent() == nil)
        Hostile.expectClosedWithPlaintextAlert(server, .unexpectedMessage, output: server.takeOutput())
    }

    @Test("Plaintext application data after the ClientHello (before keys are used): unexpected_message")
    func applicationDataAfterClientHello() throws {
        let (server, peer) = (try makeServer(), ScriptedPeer(client: try InMemoryIdentity.clientConfiguration()))
        try server.receive(try peer.start())
        _ = try peer.receive(server.takeOutput())
        // A well-formed, protected-looking record under no keys the server expects yet: the
        // server reads client handshake keys now, so this fails to open.
        Hostile.expectThrows(.badRecordMAC) { try server.receive(Hostile.record(23, [UInt8](repeating: 7, count: 40))) }
        #expect(server.nextEvent() == nil)
        Hostile.expectClosed(server, .badRecordMAC)
        _ = try peer.receive(server.takeOutput())
        #expect(peer.alertsReceived == [.fatal(.badRecordMAC)])
    }

    // MARK: Messages out of order

    @Test("A Finished as the first message: unexpected_message")
    func finishedFirst() throws {
        let server = try makeServer()
        let finished = Hostile.handshakeMessage(type: 20, body: [UInt8](repeating: 0xAB, count: 32))
        Hostile.expectThrows(.unexpectedMessage) { try server.receive(Hostile.record(22, finished)) }
        Hostile.expectClosedWithPlaintextAlert(server, .unexpectedMessage, output: server.takeOutput())
    }

    @Test("Other messages before the ClientHello: unexpected_message", arguments: [
        UInt8(2) /* ServerHello */, 8 /* EncryptedExtensions */, 11 /* Certificate */, 15 /* CertificateVerify */, 24 /* KeyUpdate */,
    ])
    func messageBeforeClientHello(_ type: UInt8) throws {
        let server = try makeServer()
        let body: [UInt8] = switch type {
        case 2: try HandshakeMessage.serverHello(ServerHello(random: [UInt8](repeating: 1, count: 32), legacySessionIDEcho: [],
                                                               cipherSuite: .tlsAES128GCMSHA256, extensions: [])).encodeBody()
        case 8: [0, 0]
        case 11: [0, 0, 0, 0]
        case 15: [0x04, 0x03, 0, 1, 0]
        default: [0]
        }
        Hostile.expectThrows(.unexpectedMessage) { try server.receive(Hostile.record(22, Hostile.handshakeMessage(type: type, body: body))) }
        Hostile.expectClosedWithPlaintextAlert(server, .unexpectedMessage, output: server.takeOutput())
    }

    @Test("A second plaintext ClientHello after the first: unexpected_message (protected alert)")
    func secondClientHello() throws {
        let server = try makeServer()
        let peer = ScriptedPeer(client: try InMemoryIdentity.clientConfiguration())
        let hello = try peer.start()
        try server.receive(hello)
        _ = try peer.receive(server.takeOutput())
        Hostile.expectThrows(.unexpectedMessage) { try server.receive(try clientHelloRecord()) }
        Hostile.expectClosed(server, .unexpectedMessage)
        _ = try peer.receive(server.takeOutput())
        #expect(peer.alertsReceived == [.fatal(.unexpectedMessage)])
    }

    @Test("A ClientHello and a second one in the same read: unexpected_message")
    func twoClientHellosAtOnce() throws {
        let server = try makeServer()
        Hostile.expectThrows(.unexpectedMessage) { try server.receive(try clientHelloRecord() + clientHelloRecord()) }
        Hostile.expectClosed(server, .unexpectedMessage)
    }

    @Test("The client's Finished replaced by a second Certificate: unexpected_message")
    func certificateInsteadOfFinished() throws {
        let server = try makeServer()
        let certificate = try HandshakeMessage.certificate(CertificateMessage(certificateList: InMemoryIdentity.shared.chain.certificateEntries)).encode()
        let (peer, flight) = try establishedScriptedClient(server) { type, bytes in type == .finished ? certificate : bytes }
        Hostile.expectThrows(.unexpectedMessage) { try server.receive(flight) }
        Hostile.expectClosed(server, .unexpectedMessage)
        _ = try peer.receive(server.takeOutput())
        #expect(peer.alertsReceived == [.fatal(.unexpectedMessage)])
    }

    // MARK: Tampering

    @Test("A flipped ciphertext byte in the client's Finished record: bad_record_mac")
    func tamperedFinishedRecord() throws {
        let server = try makeServer()
        var (peer, flight) = try establishedScriptedClient(server)
        flight[flight.count - 20] ^= 0x01   // inside the last record (Finished), before the tag
        Hostile.expectThrows(.badRecordMAC) { try server.receive(flight) }
        Hostile.expectClosed(server, .badRecordMAC)
        _ = try peer.receive(server.takeOutput())
        #expect(peer.alertsReceived == [.fatal(.badRecordMAC)])
    }

    @Test("A wrong verify_data in the client's Finished: decrypt_error; the data after it is not delivered")
    func wrongClientFinished() throws {
        let server = try makeServer()
        let (peer, flight) = try establishedScriptedClient(server) { type, bytes in
            guard type == .finished else { return bytes }
            var tampered = bytes
            tampered[tampered.count - 1] ^= 0xFF
            return tampered
        }
        let data = try peer.sendRaw(.applicationData, Array("must not arrive".utf8))
        Hostile.expectThrows(.decryptError) { try server.receive(flight + data) }
        #expect(server.nextEvent() == nil)
        Hostile.expectClosed(server, .decryptError)
        _ = try peer.receive(server.takeOutput())
        #expect(peer.alertsReceived == [.fatal(.decryptError)])
        Hostile.expectNothingMoreDelivered(server, moreInput: data)
    }

    @Test("A flipped byte in an application data record: bad_record_mac, the client sees it")
    func tamperedApplicationData() async throws {
        let (client, server) = try await Hostile.establishedPair()
        try client.write(Array("first".utf8))
        try client.write(Array("second".utf8))
        var bytes = client.takeOutput()
        let records = Hostile.records(bytes)
        #expect(records.count == 2)
        bytes[records[0].bytes.count + 7] ^= 0x80   // inside the second record
        Hostile.expectThrows(.badRecordMAC) { try server.receive(bytes) }
        // The first record was delivered, the second never is.
        #expect(ConnectionPump.applicationData(ConnectionPump.events(server)) == Array("first".utf8))
        Hostile.expectClosed(server, .badRecordMAC)
        #expect(throws: TLSError.peerAlert(.badRecordMAC)) { try client.receive(server.takeOutput()) }
    }

    @Test("A client certificate whose CertificateVerify was made with another key: decrypt_error")
    func badClientCertificateVerify() async throws {
        let certified = try SelfSignedIdentity(commonName: "test-client", dnsNames: [], ipAddresses: [])
        let other = try SelfSignedIdentity(commonName: "other", dnsNames: [], ipAddresses: [])
        var clientConfiguration = try InMemoryIdentity.clientConfiguration()
        clientConfiguration.certificateChain = certified.chain
        clientConfiguration.privateKey = other.privateKey
        var serverConfiguration = InMemoryIdentity.serverConfiguration()
        serverConfiguration.clientAuthentication = .required
        serverConfiguration.certificateVerification = .fullVerification(trustRoots: try .certificates([certified.certificateDER]))
        // Past the context's key check, which would refuse this client outright.
        let client = TLSContext(validated: clientConfiguration).makeConnection()
        let server = try TLSContext(serverConfiguration).makeConnection()
        try client.startHandshake()
        try server.receive(client.takeOutput())
        try client.receive(server.takeOutput())
        try await ConnectionPump.runPendingWork(client)
        #expect(client.state == .established)
        try client.write(Array("secret".utf8))
        Hostile.expectThrows(.decryptError) { try server.receive(client.takeOutput()) }
        #expect(server.nextEvent() == nil)
        Hostile.expectClosed(server, .decryptError)
        #expect(throws: TLSError.peerAlert(.decryptError)) { try client.receive(server.takeOutput()) }
    }

    // MARK: After the handshake

    @Test("Renegotiation: a protected ClientHello after the handshake: unexpected_message")
    func protectedClientHelloAfterHandshake() throws {
        let (server, peer) = try establishedWithScriptedClient()
        let hello = Hostile.records(try clientHelloRecord())[0].fragment
        Hostile.expectThrows(.unexpectedMessage) { try server.receive(try peer.sendRaw(.handshake, hello)) }
        Hostile.expectClosed(server, .unexpectedMessage)
        _ = try peer.receive(server.takeOutput())
        #expect(peer.alertsReceived == [.fatal(.unexpectedMessage)])
        Hostile.expectNothingMoreDelivered(server, moreInput: try peer.sendRaw(.applicationData, [1]))
    }

    @Test("Renegotiation: a plaintext ClientHello after the handshake: unexpected_message")
    func plaintextClientHelloAfterHandshake() throws {
        let (server, peer) = try establishedWithScriptedClient()
        Hostile.expectThrows(.unexpectedMessage) { try server.receive(try clientHelloRecord()) }
        Hostile.expectClosed(server, .unexpectedMessage)
        _ = try peer.receive(server.takeOutput())
        #expect(peer.alertsReceived == [.fatal(.unexpectedMessage)])
    }

    @Test("A plaintext alert after the handshake: unexpected_message, not obeyed", arguments: [
        Alert.fatal(.handshakeFailure), Alert.closeNotify,
    ])
    func plaintextAlertAfterHandshake(_ alert: Alert) throws {
        let (server, peer) = try establishedWithScriptedClient()
        Hostile.expectThrows(.unexpectedMessage) { try server.receive(Hostile.record(21, alert.bytes)) }
        #expect(server.nextEvent() == nil)   // no closeNotifyReceived
        Hostile.expectClosed(server, .unexpectedMessage)
        _ = try peer.receive(server.takeOutput())
        #expect(peer.alertsReceived == [.fatal(.unexpectedMessage)])
    }

    @Test("A ChangeCipherSpec after the handshake: unexpected_message")
    func changeCipherSpecAfterHandshake() throws {
        let (server, peer) = try establishedWithScriptedClient()
        Hostile.expectThrows(.unexpectedMessage) { try server.receive(ChangeCipherSpec.record) }
        Hostile.expectClosed(server, .unexpectedMessage)
        _ = try peer.receive(server.takeOutput())
        #expect(peer.alertsReceived == [.fatal(.unexpectedMessage)])
    }

    @Test("A ChangeCipherSpec before the ClientHello: unexpected_message")
    func changeCipherSpecFirst() throws {
        let server = try makeServer()
        Hostile.expectThrows(.unexpectedMessage) { try server.receive(ChangeCipherSpec.record) }
        Hostile.expectClosedWithPlaintextAlert(server, .unexpectedMessage, output: server.takeOutput())
    }

    @Test("A ChangeCipherSpec with a payload other than 0x01 during the handshake: unexpected_message")
    func malformedChangeCipherSpec() throws {
        let server = try makeServer()
        let peer = ScriptedPeer(client: try InMemoryIdentity.clientConfiguration())
        try server.receive(try peer.start())
        _ = try peer.receive(server.takeOutput())
        Hostile.expectThrows(.unexpectedMessage) { try server.receive(Hostile.record(20, [0x02])) }
        Hostile.expectClosed(server, .unexpectedMessage)
        _ = try peer.receive(server.takeOutput())
        #expect(peer.alertsReceived == [.fatal(.unexpectedMessage)])
    }

    @Test("Bytes after close_notify are ignored: no data delivered, no error")
    func garbageAfterCloseNotify() throws {
        let (server, peer) = try establishedWithScriptedClient()
        let closeNotify = try peer.sendRaw(.alert, Alert.closeNotify.bytes)
        let late = try peer.sendRaw(.applicationData, Array("after close".utf8))
        try server.receive(closeNotify + late + [0xDE, 0xAD, 0xBE, 0xEF])
        #expect(ConnectionPump.events(server) == [.closeNotifyReceived])
        // RFC 8446 §6.1: no automatic answer; the server may still write until it closes.
        #expect(server.state == .established)
        let beforeClose = server.takeOutput()   // the tickets only
        _ = try peer.receive(beforeClose)
        #expect(peer.alertsReceived.isEmpty)
        // Later garbage, in a separate read: still nothing.
        try server.receive([0x17, 0x03, 0x03, 0x00, 0x01, 0x00])
        #expect(server.nextEvent() == nil)
        try server.close()
        #expect(server.state == .closed(error: nil))
        _ = try peer.receive(server.takeOutput())
        #expect(peer.alertsReceived == [.closeNotify])
        #expect(throws: TLSError.closed) { try server.receive([0x17, 0x03, 0x03, 0x00, 0x01, 0x00]) }
        #expect(server.takeOutput().isEmpty)
    }
}

/// RFC 8449 record_size_limit: binding only once both sides sent it.
@Suite("Hostile: record_size_limit")
struct HostileRecordSizeLimitTests {
    private func established(serverLimit: Int?, clientLimit: Int?) throws -> (TLSConnection, ScriptedPeer) {
        var serverConfiguration = InMemoryIdentity.serverConfiguration()
        serverConfiguration.recordSizeLimit = serverLimit
        var clientConfiguration = try InMemoryIdentity.clientConfiguration()
        clientConfiguration.recordSizeLimit = clientLimit
        let server = try TLSContext(serverConfiguration).makeConnection()
        let peer = ScriptedPeer(client: clientConfiguration)
        try server.receive(try peer.start())
        try server.receive(try peer.receive(server.takeOutput()))
        #expect(server.state == .established)
        _ = ConnectionPump.events(server)
        return (server, peer)
    }

    @Test("A record over the negotiated limit: record_overflow, nothing delivered")
    func overNegotiatedLimit() throws {
        let (server, peer) = try established(serverLimit: 1024, clientLimit: 4096)
        #expect(server.negotiated?.peerRecordSizeLimit == 4096)
        try server.receive(try peer.sendRaw(.applicationData, [UInt8](repeating: 1, count: 1023)))
        #expect(ConnectionPump.applicationData(ConnectionPump.events(server)).count == 1023)
        Hostile.expectThrows(.recordOverflow) { try server.receive(try peer.sendRaw(.applicationData, [UInt8](repeating: 2, count: 1024))) }
        #expect(server.nextEvent() == nil)
        Hostile.expectClosed(server, .recordOverflow)
        _ = try peer.receive(server.takeOutput())
        #expect(peer.alertsReceived == [.fatal(.recordOverflow)])
    }

    @Test("A limit the client never agreed to does not bind it")
    func limitNotNegotiated() throws {
        let (server, peer) = try established(serverLimit: 1024, clientLimit: nil)
        try server.receive(try peer.sendRaw(.applicationData, [UInt8](repeating: 3, count: 16384)))
        #expect(ConnectionPump.applicationData(ConnectionPump.events(server)).count == 16384)
        #expect(server.state == .established)
    }

    @Test("Two of our connections with limits send records within them")
    func bothLimits() async throws {
        var serverConfiguration = InMemoryIdentity.serverConfiguration()
        serverConfiguration.recordSizeLimit = 256
        var clientConfiguration = try InMemoryIdentity.clientConfiguration()
        clientConfiguration.recordSizeLimit = 512
        let (client, server) = try await Hostile.establishedPair(client: clientConfiguration, server: serverConfiguration)
        try client.write([UInt8](repeating: 4, count: 1000))
        let toServer = client.takeOutput()
        #expect(Hostile.records(toServer).count == 4)   // 255 bytes of content each
        try server.receive(toServer)
        try server.write([UInt8](repeating: 5, count: 1000))
        let toClient = server.takeOutput()
        #expect(Hostile.records(toClient).count == 2)   // 511 bytes of content each
        try client.receive(toClient)
        #expect(ConnectionPump.applicationData(ConnectionPump.events(client)).count == 1000)
        #expect(ConnectionPump.applicationData(ConnectionPump.events(server)).count == 1000)
    }
}
