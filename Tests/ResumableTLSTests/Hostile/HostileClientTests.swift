import Testing
@testable import ResumableTLS

/// Hostile bytes against our CLIENT, from a `ScriptedPeer` server (the library's server state
/// machine with open keys, so its messages can be tampered with before protection and any
/// record can be sealed) or raw records. Each test checks the exact alert, the client's
/// closed state, and that no application data is delivered afterwards.
@Suite("Hostile: against our client")
struct HostileClientTests {
    private func makeClient() throws -> TLSConnection {
        let client = try TLSContext(try InMemoryIdentity.clientConfiguration()).makeConnection()
        try client.startHandshake()
        return client
    }

    /// A client that sent its ClientHello to a scripted server; returns both and the server's
    /// first flight (ServerHello … Finished), not yet given to the client.
    private func clientAndServerFlight(
        server configuration: TLSConfiguration = InMemoryIdentity.serverConfiguration(),
        tamper: @escaping (HandshakeType, [UInt8]) -> [UInt8] = { $1 }
    ) throws -> (TLSConnection, ScriptedPeer, [UInt8]) {
        let client = try makeClient()
        let peer = ScriptedPeer(server: configuration)
        peer.tamper = tamper
        let flight = try peer.receive(client.takeOutput())
        return (client, peer, flight)
    }

    private func establishedWithScriptedServer() async throws -> (TLSConnection, ScriptedPeer) {
        let (client, peer, flight) = try clientAndServerFlight()
        try client.receive(flight)
        try await ConnectionPump.runPendingWork(client)
        _ = try peer.receive(client.takeOutput())
        #expect(peer.completed)
        #expect(client.state == .established)
        _ = ConnectionPump.events(client)
        return (client, peer)
    }

    @Test("A truncated server flight waits; the rest completes the handshake")
    func truncatedFlightWaits() async throws {
        let (client, peer, flight) = try clientAndServerFlight()
        try client.receive(flight.prefix(2))
        try client.receive(flight[2..<40])
        #expect(client.takeOutput().isEmpty)
        #expect(client.state == .handshaking)
        try client.receive(flight.dropFirst(40))
        try await ConnectionPump.runPendingWork(client)
        _ = try peer.receive(client.takeOutput())
        #expect(peer.completed)
        #expect(client.state == .established)
    }

    @Test("An oversized plaintext record instead of the ServerHello: record_overflow")
    func oversizedPlaintextRecord() throws {
        let client = try makeClient()
        _ = client.takeOutput()
        Hostile.expectThrows(.recordOverflow) { try client.receive([0x16, 0x03, 0x03, 0xFF, 0xFF]) }
        Hostile.expectClosedWithPlaintextAlert(client, .recordOverflow, output: client.takeOutput())
    }

    @Test("An oversized inner plaintext after the handshake: record_overflow, nothing delivered")
    func oversizedInnerPlaintext() async throws {
        let (client, peer) = try await establishedWithScriptedServer()
        Hostile.expectThrows(.recordOverflow) {
            try client.receive(try peer.sealUnchecked([UInt8](repeating: 1, count: RecordLimits.maxPlaintextLength + 1)))
        }
        #expect(client.nextEvent() == nil)
        Hostile.expectClosed(client, .recordOverflow)
        _ = try peer.receive(client.takeOutput())
        #expect(peer.alertsReceived == [.fatal(.recordOverflow)])
    }

    @Test("An unknown content type instead of the ServerHello: unexpected_message", arguments: [UInt8(24), 99])
    func unknownContentType(_ type: UInt8) throws {
        let client = try makeClient()
        _ = client.takeOutput()
        Hostile.expectThrows(.unexpectedMessage) { try client.receive(Hostile.record(type, [0, 0])) }
        Hostile.expectClosedWithPlaintextAlert(client, .unexpectedMessage, output: client.takeOutput())
    }

    @Test("Application data instead of the ServerHello: unexpected_message, nothing delivered")
    func applicationDataBeforeServerHello() throws {
        let client = try makeClient()
        _ = client.takeOutput()
        Hostile.expectThrows(.unexpectedMessage) { try client.receive(Hostile.record(23, Array("HTTP/1.1 200 OK\r\n".utf8))) }
        #expect(client.nextEvent() == nil)
        Hostile.expectClosedWithPlaintextAlert(client, .unexpectedMessage, output: client.takeOutput())
    }

    @Test("Certificate, EncryptedExtensions or Finished before the ServerHello: unexpected_message", arguments: [UInt8(11), 8, 20])
    func messageBeforeServerHello(_ type: UInt8) throws {
        let client = try makeClient()
        _ = client.takeOutput()
        let body: [UInt8] = switch type {
        case 11: try HandshakeMessage.certificate(CertificateMessage(certificateList: InMemoryIdentity.shared.chain.certificateEntries)).encodeBody()
        case 8: [0, 0]
        default: [UInt8](repeating: 0, count: 32)
        }
        Hostile.expectThrows(.unexpectedMessage) { try client.receive(Hostile.record(22, Hostile.handshakeMessage(type: type, body: body))) }
        Hostile.expectClosedWithPlaintextAlert(client, .unexpectedMessage, output: client.takeOutput())
    }

    @Test("A plaintext Certificate after the ServerHello (keys changed): unexpected_message")
    func plaintextCertificateAfterServerHello() throws {
        let (client, _, flight) = try clientAndServerFlight()
        let serverHello = Hostile.records(flight)[0]
        #expect(serverHello.type == 22)
        try client.receive(serverHello.bytes)
        let certificate = try HandshakeMessage.certificate(CertificateMessage(certificateList: InMemoryIdentity.shared.chain.certificateEntries)).encode()
        Hostile.expectThrows(.unexpectedMessage) { try client.receive(Hostile.record(22, certificate)) }
        Hostile.expectClosedWithPlaintextAlert(client, .unexpectedMessage, output: client.takeOutput())
    }

    @Test("The server's CertificateVerify before its Certificate (Certificate dropped): unexpected_message")
    func certificateVerifyWithoutCertificate() throws {
        let (client, _, flight) = try clientAndServerFlight { type, bytes in type == .certificate ? [] : bytes }
        Hostile.expectThrows(.unexpectedMessage) { try client.receive(flight) }
        Hostile.expectClosedWithPlaintextAlert(client, .unexpectedMessage, output: client.takeOutput())
    }

    @Test("A flipped ciphertext byte in the server's encrypted flight: bad_record_mac")
    func tamperedServerFlight() throws {
        var (client, _, flight) = try clientAndServerFlight()
        flight[flight.count - 30] ^= 0x04
        Hostile.expectThrows(.badRecordMAC) { try client.receive(flight) }
        #expect(client.takePendingWork() == nil)
        Hostile.expectClosedWithPlaintextAlert(client, .badRecordMAC, output: client.takeOutput())
    }

    @Test("A wrong verify_data in the server's Finished: decrypt_error")
    func wrongServerFinished() throws {
        let (client, _, flight) = try clientAndServerFlight { type, bytes in
            guard type == .finished else { return bytes }
            var tampered = bytes
            tampered[6] ^= 0x01
            return tampered
        }
        Hostile.expectThrows(.decryptError) { try client.receive(flight) }
        #expect(client.takePendingWork() == nil)
        Hostile.expectClosedWithPlaintextAlert(client, .decryptError, output: client.takeOutput())
    }

    @Test("A CertificateVerify signature with a flipped byte: decrypt_error")
    func tamperedCertificateVerify() throws {
        let (client, _, flight) = try clientAndServerFlight { type, bytes in
            guard type == .certificateVerify else { return bytes }
            var tampered = bytes
            tampered[tampered.count - 5] ^= 0x10
            return tampered
        }
        Hostile.expectThrows(.decryptError) { try client.receive(flight) }
        Hostile.expectClosedWithPlaintextAlert(client, .decryptError, output: client.takeOutput())
    }

    @Test("A server whose key does not match its certificate: decrypt_error, nothing delivered")
    func serverKeyDoesNotMatchCertificate() throws {
        let other = try SelfSignedIdentity(commonName: "other")
        let mismatched = TLSConfiguration.server(chain: InMemoryIdentity.shared.chain, key: other.privateKey)
        // A context refuses the mismatch up front (SSL_CTX_check_private_key)…
        #expect(throws: TLSError.invalidState("the private key does not match the certificate")) { try TLSContext(mismatched) }
        // …so build one past that check to see what a client does with such a server.
        let server = TLSContext(validated: mismatched).makeConnection()
        let client = try makeClient()
        try server.receive(client.takeOutput())
        Hostile.expectThrows(.decryptError) { try client.receive(server.takeOutput()) }
        #expect(client.takePendingWork() == nil)
        #expect(client.nextEvent() == nil)
        let output = client.takeOutput()
        Hostile.expectClosedWithPlaintextAlert(client, .decryptError, output: output)
        // The server learns why.
        #expect(throws: TLSError.peerAlert(.decryptError)) { try server.receive(output) }
    }

    @Test("Renegotiation: a protected ServerHello after the handshake: unexpected_message")
    func serverHelloAfterHandshake() async throws {
        let (client, peer) = try await establishedWithScriptedServer()
        let serverHello = try HandshakeMessage.serverHello(ServerHello(
            random: [UInt8](repeating: 3, count: 32), legacySessionIDEcho: [], cipherSuite: .tlsAES128GCMSHA256,
            extensions: [.supportedVersionsSelected(.tls13)])).encode()
        Hostile.expectThrows(.unexpectedMessage) { try client.receive(try peer.sendRaw(.handshake, serverHello)) }
        Hostile.expectClosed(client, .unexpectedMessage)
        _ = try peer.receive(client.takeOutput())
        #expect(peer.alertsReceived == [.fatal(.unexpectedMessage)])
        Hostile.expectNothingMoreDelivered(client, moreInput: try peer.sendRaw(.applicationData, Array("late".utf8)))
    }

    @Test("Post-handshake CertificateRequest (not offered): unexpected_message")
    func certificateRequestAfterHandshake() async throws {
        let (client, peer) = try await establishedWithScriptedServer()
        let request = try HandshakeMessage.certificateRequest(CertificateRequest(
            certificateRequestContext: [1], extensions: [.signatureAlgorithms([.ecdsaSecp256r1SHA256])])).encode()
        Hostile.expectThrows(.unexpectedMessage) { try client.receive(try peer.sendRaw(.handshake, request)) }
        Hostile.expectClosed(client, .unexpectedMessage)
        _ = try peer.receive(client.takeOutput())
        #expect(peer.alertsReceived == [.fatal(.unexpectedMessage)])
    }

    @Test("A plaintext alert after the handshake: unexpected_message, not obeyed")
    func plaintextAlertAfterHandshake() async throws {
        let (client, peer) = try await establishedWithScriptedServer()
        Hostile.expectThrows(.unexpectedMessage) { try client.receive(Hostile.record(21, Alert.fatal(.internalError).bytes)) }
        #expect(client.nextEvent() == nil)
        Hostile.expectClosed(client, .unexpectedMessage)
        _ = try peer.receive(client.takeOutput())
        #expect(peer.alertsReceived == [.fatal(.unexpectedMessage)])
    }

    @Test("A ChangeCipherSpec after the handshake: unexpected_message")
    func changeCipherSpecAfterHandshake() async throws {
        let (client, peer) = try await establishedWithScriptedServer()
        let data = try peer.sendRaw(.applicationData, Array("before".utf8))
        Hostile.expectThrows(.unexpectedMessage) { try client.receive(data + ChangeCipherSpec.record) }
        #expect(ConnectionPump.applicationData(ConnectionPump.events(client)) == Array("before".utf8))
        Hostile.expectClosed(client, .unexpectedMessage)
        _ = try peer.receive(client.takeOutput())
        #expect(peer.alertsReceived == [.fatal(.unexpectedMessage)])
    }

    @Test("A flipped byte in application data: bad_record_mac; the server sees it")
    func tamperedApplicationData() async throws {
        let (client, server) = try await Hostile.establishedPair()
        try server.write(Array("hello client".utf8))
        var bytes = server.takeOutput()
        bytes[bytes.count - 1] ^= 0x01   // in the tag
        Hostile.expectThrows(.badRecordMAC) { try client.receive(bytes) }
        #expect(client.nextEvent() == nil)
        Hostile.expectClosed(client, .badRecordMAC)
        #expect(throws: TLSError.peerAlert(.badRecordMAC)) { try server.receive(client.takeOutput()) }
    }

    @Test("Garbage and data after the server's close_notify are ignored")
    func garbageAfterCloseNotify() async throws {
        let (client, peer) = try await establishedWithScriptedServer()
        let data = try peer.sendRaw(.applicationData, Array("last words".utf8))
        let closeNotify = try peer.sendRaw(.alert, Alert.closeNotify.bytes)
        let late = try peer.sendRaw(.applicationData, Array("from beyond".utf8))
        try client.receive(data + closeNotify + late + Array("garbage garbage".utf8))
        #expect(ConnectionPump.events(client) == [.applicationData(Array("last words".utf8)), .closeNotifyReceived])
        #expect(client.state == .established && client.peerClosedWriting)   // half-closed (RFC 8446 §6.1)
        try client.receive(late)
        #expect(client.nextEvent() == nil)
        try client.close()
        #expect(client.state == .closed(error: nil))
        _ = try peer.receive(client.takeOutput())
        #expect(peer.alertsReceived == [.closeNotify])
        #expect(throws: TLSError.closed) { try client.receive(late) }
        #expect(client.nextEvent() == nil)
    }

    /// Seed A6 ("the server sends session info at a time of its choosing, possibly some while
    /// after the connection is established"): a ticket after application data.
    @Test("S9 (A6): a NewSessionTicket that arrives after application data makes the session then")
    func ticketAfterApplicationData() async throws {
        let (client, peer) = try await establishedWithScriptedServer()
        let before = try #require(client.session)
        #expect(!before.isResumable, "no ticket yet (the scripted server sends none with its flight)")
        try client.receive(try peer.sendRaw(.applicationData, Array("hello".utf8)))
        let ticket = TLS13NewSessionTicket(ticketLifetime: 300, ticketAgeAdd: 7, ticketNonce: [0], ticket: [UInt8](repeating: 0x5A, count: 48))
        try client.receive(try peer.sendRaw(.handshake, try HandshakeMessage.newSessionTicket(ticket).encode()))
        let events = ConnectionPump.events(client)
        #expect(events.count == 2)
        guard events.count == 2, case .applicationData(let data) = events[0], case .newSession(let made) = events[1] else {
            Issue.record("expected application data, then a new session: \(events)")
            return
        }
        #expect(data == Array("hello".utf8))
        #expect(client.session === made && made.isResumable)
        #expect(made.ticket == ticket.ticket && made.ticketLifetime == 300 && made.ticketAgeAdd == 7)
    }
}
