import Testing
@testable import ResumableTLS

/// Full TLS 1.3 handshakes between our own client and server, in memory.
@Suite struct InMemoryHandshakeTests {
    private func connect(
        client clientConfiguration: TLSConfiguration, server serverConfiguration: TLSConfiguration
    ) async throws -> (TLSConnection, TLSConnection) {
        let client = try TLSContext(clientConfiguration).makeConnection()
        let server = try TLSContext(serverConfiguration).makeConnection()
        try await ConnectionPump.run(client, server)
        return (client, server)
    }

    @Test(arguments: CipherSuite.tls13Suites, [NamedGroup.x25519, .secp256r1, .secp384r1])
    func handshakeAndDataBothWays(suite: CipherSuite, group: NamedGroup) async throws {
        var clientConfiguration = try InMemoryIdentity.clientConfiguration()
        clientConfiguration.cipherSuites = [suite]
        clientConfiguration.groups = [group]
        let (client, server) = try await connect(client: clientConfiguration, server: InMemoryIdentity.serverConfiguration())
        #expect(client.state == .established)
        #expect(server.state == .established)
        #expect(client.negotiated?.cipherSuite == suite)
        #expect(server.negotiated?.cipherSuite == suite)
        #expect(client.negotiated?.group == group)
        #expect(server.negotiated?.serverName == "localhost")
        #expect(client.negotiated?.didHelloRetryRequest == false)

        try client.write(Array("ping".utf8))
        try server.receive(client.takeOutput())
        var serverEvents = ConnectionPump.events(server)
        #expect(ConnectionPump.applicationData(serverEvents) == Array("ping".utf8))
        let large = (0..<40_000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        try server.write(large)
        try client.receive(server.takeOutput())
        #expect(ConnectionPump.applicationData(ConnectionPump.events(client)) == large)

        try client.close()
        try server.receive(client.takeOutput())
        serverEvents = ConnectionPump.events(server)
        #expect(serverEvents.contains(.closeNotifyReceived))
        // RFC 8446 §6.1: the client closed its side; the server may still answer, then closes.
        #expect(server.state == .established && server.peerClosedWriting)
        try server.write(Array("bye".utf8))
        try server.close()
        #expect(server.state == .closed(error: nil))
        try client.receive(server.takeOutput())
        #expect(ConnectionPump.events(client) == [.applicationData(Array("bye".utf8)), .closeNotifyReceived])
        #expect(client.state == .closed(error: nil))
    }

    @Test func helloRetryRequestWithCookie() async throws {
        var clientConfiguration = try InMemoryIdentity.clientConfiguration()
        clientConfiguration.groups = [.secp384r1, .x25519]
        var serverConfiguration = InMemoryIdentity.serverConfiguration()
        serverConfiguration.groups = [.x25519, .secp256r1]
        let (client, server) = try await connect(client: clientConfiguration, server: serverConfiguration)
        #expect(client.negotiated?.didHelloRetryRequest == true)
        #expect(server.negotiated?.didHelloRetryRequest == true)
        #expect(client.negotiated?.group == .x25519)
        #expect(client.state == .established)
    }

    @Test func alpnIsNegotiatedByServerPreference() async throws {
        var clientConfiguration = try InMemoryIdentity.clientConfiguration()
        clientConfiguration.applicationProtocols = ["http/1.1", "h2"]
        var serverConfiguration = InMemoryIdentity.serverConfiguration()
        serverConfiguration.applicationProtocols = ["h2", "http/1.1"]
        let (client, server) = try await connect(client: clientConfiguration, server: serverConfiguration)
        #expect(client.negotiated?.applicationProtocol == "h2")
        #expect(server.negotiated?.applicationProtocol == "h2")
    }

    @Test func noCommonALPNIsAFatalAlert() async throws {
        var clientConfiguration = try InMemoryIdentity.clientConfiguration()
        clientConfiguration.applicationProtocols = ["h2"]
        var serverConfiguration = InMemoryIdentity.serverConfiguration()
        serverConfiguration.applicationProtocols = ["http/1.1"]
        await #expect(throws: TLSError.protocolViolation(alert: .noApplicationProtocol, reason: .noCommonApplicationProtocol)) {
            _ = try await connect(client: clientConfiguration, server: serverConfiguration)
        }
    }

    @Test func wrongServerNameFailsVerification() async throws {
        let clientConfiguration = try InMemoryIdentity.clientConfiguration(serverName: "example.com")
        let client = try TLSContext(clientConfiguration).makeConnection()
        let server = try TLSContext(InMemoryIdentity.serverConfiguration()).makeConnection()
        await #expect(throws: TLSError.self) { try await ConnectionPump.run(client, server) }
        guard case .closed(let error?) = client.state else { Issue.record("client not closed: \(client.state)"); return }
        #expect(error.alertToSend == .badCertificate)
        // The alert reached the server, which closes too.
        #expect(throws: TLSError.peerAlert(.badCertificate)) { try server.receive(client.takeOutput()) }
    }

    @Test func keyUpdateBothWays() async throws {
        let (client, server) = try await connect(client: try InMemoryIdentity.clientConfiguration(), server: InMemoryIdentity.serverConfiguration())
        try client.updateKeys(requestPeerUpdate: true)
        try client.write(Array("after update".utf8))
        try server.receive(client.takeOutput())
        let events = ConnectionPump.events(server)
        #expect(events.contains(.peerKeyUpdated))
        #expect(ConnectionPump.applicationData(events) == Array("after update".utf8))
        // The server answered with its own KeyUpdate; data still flows back.
        try server.write(Array("pong".utf8))
        try client.receive(server.takeOutput())
        let clientEvents = ConnectionPump.events(client)
        #expect(clientEvents.contains(.peerKeyUpdated))
        #expect(ConnectionPump.applicationData(clientEvents) == Array("pong".utf8))
    }

    @Test func clientCertificateIsRequestedAndVerified() async throws {
        let clientIdentity = try SelfSignedIdentity(commonName: "test-client", dnsNames: [], ipAddresses: [])
        var clientConfiguration = try InMemoryIdentity.clientConfiguration()
        clientConfiguration.certificateChain = clientIdentity.chain
        clientConfiguration.privateKey = clientIdentity.privateKey
        var serverConfiguration = InMemoryIdentity.serverConfiguration()
        serverConfiguration.clientAuthentication = .required
        serverConfiguration.certificateVerification = .fullVerification(trustRoots: try .certificates([clientIdentity.certificateDER]))
        let (client, server) = try await connect(client: clientConfiguration, server: serverConfiguration)
        #expect(server.negotiated?.peerCertificates == [clientIdentity.certificateDER])
        #expect(client.state == .established)
    }

    @Test func requiredClientCertificateMissingIsCertificateRequired() async throws {
        var serverConfiguration = InMemoryIdentity.serverConfiguration()
        serverConfiguration.clientAuthentication = .required
        let client = try TLSContext(try InMemoryIdentity.clientConfiguration()).makeConnection()
        let server = try TLSContext(serverConfiguration).makeConnection()
        await #expect(throws: TLSError.self) { try await ConnectionPump.run(client, server) }
        guard case .closed(let error?) = server.state else { Issue.record("server not closed"); return }
        #expect(error.alertToSend == .certificateRequired)
    }
}
