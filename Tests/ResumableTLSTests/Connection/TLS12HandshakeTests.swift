import Foundation
import Testing
@testable import ResumableTLS

/// TLS 1.2 between our own client and server in memory (issue 13): full handshakes, resumption
/// by session ID and by ticket, version negotiation, the downgrade sentinel, EMS, and the
/// session semantics that differ from TLS 1.3 (S9, S19).
@Suite("TLS 1.2 handshakes in memory")
struct TLS12HandshakeTests {
    private static func contexts(
        client adjustClient: (inout TLSConfiguration) -> Void = { _ in },
        server adjustServer: (inout TLSConfiguration) -> Void = { _ in }
    ) throws -> (client: TLSContext, server: TLSContext) {
        var client = try InMemoryIdentity.clientConfiguration()
        client.maximumVersion = .tls12
        adjustClient(&client)
        var server = InMemoryIdentity.serverConfiguration()
        server.maximumVersion = .tls12
        adjustServer(&server)
        return (try TLSContext(client), try TLSContext(server))
    }

    @Test("Full handshake: TLS 1.2, ECDHE, EMS, data both ways, a resumable session at once (S9)")
    func fullHandshake() async throws {
        let (clientContext, serverContext) = try Self.contexts()
        let (client, server) = try await ConnectionPump.connect(clientContext, serverContext)
        let negotiated = try #require(client.negotiated)
        #expect(negotiated.version == .tls12)
        #expect(negotiated.cipherSuite == .ecdheECDSAWithAES128GCMSHA256)
        #expect(negotiated.group == .x25519)
        #expect(negotiated.extendedMasterSecret)
        #expect(server.negotiated?.extendedMasterSecret == true)
        #expect(!client.sessionReused && !server.sessionReused)
        // S9's contrast: in TLS 1.2 the session is resumable as soon as the handshake completed.
        #expect(client.session?.isResumable == true)
        #expect(server.session?.isResumable == true)
        #expect(client.session?.protocolVersion == .tls12)
        #expect(client.session?.secret == server.session?.secret, "both sides hold the same master secret")
        try client.write(Array("ping".utf8))
        try server.receive(client.takeOutput())
        #expect(ConnectionPump.applicationData(ConnectionPump.events(server)) == Array("ping".utf8))
        try server.write(Array("pong".utf8))
        try client.receive(server.takeOutput())
        #expect(ConnectionPump.applicationData(ConnectionPump.events(client)) == Array("pong".utf8))
        #expect(!client.holdsHandshakeSecrets && !server.holdsHandshakeSecrets)
    }

    @Test("The certificate types of TLS 1.3 work over TLS 1.2 too: ECDSA P-256 and P-384, Ed25519 (RFC 8422), RSA",
          arguments: [TestCertificates.ecdsaP256, .ecdsaP384, .ed25519, .rsa2048])
    func certificateTypes(_ certificate: TestCertificates) async throws {
        var server = try Interop.serverConfiguration(certificate)
        server.maximumVersion = .tls12
        var client = try Interop.clientConfiguration()
        client.maximumVersion = .tls12
        let (connection, _) = try await ConnectionPump.connectAndClose(try TLSContext(client), try TLSContext(server))
        #expect(connection.negotiated?.version == .tls12)
        #expect(connection.negotiated?.peerSignatureScheme == Interop.expectedScheme(certificate), "\(certificate)")
    }

    @Test("S28: the client store offers a TLS 1.2 session and files the one its handshake makes")
    func clientStore_S28() async throws {
        let store = ClientSessionStore()
        let (clientContext, serverContext) = try Self.contexts(client: { $0.clientSessionStore = store })
        let key = ClientSessionKey(serverName: "localhost", port: 443)
        for expectResumed in [false, true, true] {
            let client = clientContext.makeConnection()
            try client.useClientSessionStore(key: key)
            let server = serverContext.makeConnection()
            try await ConnectionPump.run(client, server)
            #expect(client.state == .established)
            #expect(client.sessionReused == expectResumed)
            try ConnectionPump.shutDown(client, server)
        }
    }

    @Test("Every TLS 1.2 suite completes, with ECDSA and RSA certificates", arguments: CipherSuite.tls12Suites)
    func everySuite(suite: CipherSuite) async throws {
        let rsa = suite.tls12Parameters?.authentication == TLS12CipherSuiteParameters.Authentication.rsa
        var server = try Interop.serverConfiguration(rsa ? .rsa2048 : .ecdsaP256)
        server.maximumVersion = .tls12
        server.cipherSuites = [suite]
        var client = try Interop.clientConfiguration()
        client.maximumVersion = .tls12
        let (connection, _) = try await ConnectionPump.connectAndClose(try TLSContext(client), try TLSContext(server))
        #expect(connection.negotiated?.cipherSuite == suite)
    }

    enum Mechanism: String, CaseIterable { case ticket, sessionID }

    @Test("Resumption by ticket and by session ID, stateless and stateful", arguments: Mechanism.allCases, [TicketMode.stateless, .stateful])
    func resumption(mechanism: Mechanism, mode: TicketMode) async throws {
        let (clientContext, serverContext) = try Self.contexts(
            client: { $0.tls12SessionTickets = mechanism == .ticket },
            server: { $0.ticketMode = mode })
        let (first, _) = try await ConnectionPump.connectAndClose(clientContext, serverContext)
        let session = try #require(first.session)
        #expect(session.ticket.isEmpty == (mechanism == .sessionID))
        let (client, server) = try await ConnectionPump.connect(clientContext, serverContext, offering: session)
        #expect(client.sessionReused && server.sessionReused)
        #expect(client.negotiated?.resumptionMechanism == (mechanism == .ticket ? .ticket : .sessionID))
        #expect(server.negotiated?.resumptionMechanism == (mechanism == .ticket ? .ticket : .sessionID))
        #expect(server.negotiated?.resumption == .resumed(identityIndex: 0))
        // A session ID stays in the cache for the next resumption; a ticket is renewed.
        let again = try #require(client.session)
        #expect(again.isResumable)
        let (third, _) = try await ConnectionPump.connectAndClose(clientContext, serverContext, offering: again)
        #expect(third.sessionReused)
    }

    @Test("RFC 5077 §3.3: a resumed ticket is renewed when used up (stateful) or with tls12TicketRenewal = .always, not otherwise")
    func ticketRenewal() async throws {
        for (mode, renewal, renewed) in [(TicketMode.stateless, TLS12TicketRenewal.whenNeeded, false), (.stateful, .whenNeeded, true), (.stateless, .always, true)] {
            let (clientContext, serverContext) = try Self.contexts(server: { $0.ticketMode = mode; $0.tls12TicketRenewal = renewal })
            let (first, _) = try await ConnectionPump.connectAndClose(clientContext, serverContext)
            let offered = try #require(first.session)
            let (client, _) = try await ConnectionPump.connectAndClose(clientContext, serverContext, offering: offered)
            #expect(client.sessionReused)
            let after = try #require(client.session)
            #expect((after !== offered) == renewed, "\(mode) \(renewal)")
            #expect((after.ticket != offered.ticket) == renewed, "\(mode) \(renewal)")
            #expect(ConnectionPump.events(client).contains { if case .newSession = $0 { return true } else { return false } } == renewed)
        }
    }

    @Test("A stateless ticket sealed under a key that no longer encrypts is renewed on resumption (S25)")
    func ticketUnderOldKeyIsRenewed() async throws {
        let clock = TestClock()
        let ring = TicketKeyRing(clock: clock, rotationInterval: 3600, maximumTicketLifetime: 7200)
        let (clientContext, serverContext) = try Self.contexts(server: { $0.ticketKeys = ring; $0.sessionTimeout = 7200 })
        let (first, _) = try await ConnectionPump.connectAndClose(clientContext, serverContext)
        let offered = try #require(first.session)
        clock.advance(by: 3700)   // a new key encrypts now; the old one still decrypts
        let (client, _) = try await ConnectionPump.connectAndClose(clientContext, serverContext, offering: offered)
        #expect(client.sessionReused)
        #expect(client.session?.ticket != offered.ticket, "renewed under the new key")
    }

    @Test("S19: the TLS 1.2 new-session callback runs during the handshake, before it completes")
    func newSessionCallbackDuringHandshake() async throws {
        let completed = LockedValue<[Bool]>([])
        let (clientContext, serverContext) = try Self.contexts(server: {
            $0.tls12SessionTickets = false
            $0.sessionCallbacks = SessionCallbacks(onNew: { _, connection in
                completed.withLock { $0.append(connection?.state == .established) }
                return .kept
            })
        })
        let (_, server) = try await ConnectionPump.connect(clientContext, serverContext)
        #expect(completed.withLock { $0 } == [false])
        #expect(serverContext.sessionCache.cache.count == 1)
        let session = try #require(server.session)
        #expect(serverContext.sessionCache.cache.lookup(id: session.sessionID, now: Date()) != nil)
    }

    @Test("Version negotiation: a 1.2–1.3 client and a 1.2 server speak TLS 1.2; a 1.3-only server refuses a 1.2-only client")
    func versionNegotiation() async throws {
        var client = try InMemoryIdentity.clientConfiguration()
        var server = InMemoryIdentity.serverConfiguration()
        server.maximumVersion = .tls12
        let (connection, _) = try await ConnectionPump.connectAndClose(try TLSContext(client), try TLSContext(server))
        #expect(connection.negotiated?.version == .tls12, "no sentinel: the server's range stops at 1.2")

        client.maximumVersion = .tls12
        server.maximumVersion = .tls13
        server.minimumVersion = .tls13
        let refused = try TLSContext(client).makeConnection()
        let serverConnection = try TLSContext(server).makeConnection()
        await #expect(throws: TLSError.self) { try await ConnectionPump.run(refused, serverConnection) }
        Hostile.expectClosed(serverConnection, .protocolVersion)
    }

    @Test("RFC 8446 §4.1.3: a 1.3-capable server marks a TLS 1.2 ServerHello, and our 1.3-capable client refuses it")
    func downgradeSentinel() async throws {
        // A client that offers 1.2 only gets the marked random (it does not check it).
        let (clientContext, serverContext) = try Self.contexts(server: { $0.maximumVersion = .tls13 })
        let client = clientContext.makeConnection()
        let server = serverContext.makeConnection()
        try client.startHandshake()
        try server.receive(client.takeOutput())
        let serverFlight = server.takeOutput()
        let hello = try #require(try Self.serverHello(in: serverFlight))
        #expect(Array(hello.random.suffix(8)) == DowngradeSentinel.tls12.bytes)
        try client.receive(serverFlight)

        // Our default client (1.2–1.3) refuses that ServerHello: an attacker removed
        // supported_versions from its ClientHello to force TLS 1.2.
        let defaultClient = try TLSContext(try InMemoryIdentity.clientConfiguration()).makeConnection()
        let markingServer = try TLSContext(InMemoryIdentity.serverConfiguration()).makeConnection()
        try defaultClient.startHandshake()
        let stripped = try Self.rewriteClientHello(defaultClient.takeOutput()) { $0.extensions = ExtensionList($0.extensions.filter { $0.type != .supportedVersions }) }
        try markingServer.receive(stripped)
        Hostile.expectThrows(.illegalParameter) { try defaultClient.receive(markingServer.takeOutput()) }
        Hostile.expectClosed(defaultClient, .illegalParameter)
        Hostile.expectReason(defaultClient, .downgradeDetected)
    }

    @Test("requireExtendedMasterSecret: a server refuses a client without EMS; by default it serves it without EMS")
    func requireExtendedMasterSecret() async throws {
        for required in [false, true] {
            let (clientContext, serverContext) = try Self.contexts(server: { $0.requireExtendedMasterSecret = required })
            let client = clientContext.makeConnection()
            let server = serverContext.makeConnection()
            try client.startHandshake()
            let hello = try Self.rewriteClientHello(client.takeOutput()) { $0.extensions = ExtensionList($0.extensions.filter { $0.type != .extendedMasterSecret }) }
            if required {
                Hostile.expectThrows(.handshakeFailure) { try server.receive(hello) }
            } else {
                try server.receive(hello)
                #expect(server.state == .handshaking)
            }
        }
    }

    @Test("RFC 7627 §5.3: an EMS session offered without EMS is handshake_failure; a non-EMS session is not resumed into EMS")
    func extendedMasterSecretResumptionRules() async throws {
        let (clientContext, serverContext) = try Self.contexts(client: { $0.tls12SessionTickets = false })
        let (first, _) = try await ConnectionPump.connectAndClose(clientContext, serverContext)
        let session = try #require(first.session)
        #expect(session.extendedMasterSecret)
        let client = clientContext.makeConnection()
        try client.offer(session)
        let server = serverContext.makeConnection()
        try client.startHandshake()
        let hello = try Self.rewriteClientHello(client.takeOutput()) { $0.extensions = ExtensionList($0.extensions.filter { $0.type != .extendedMasterSecret }) }
        Hostile.expectThrows(.handshakeFailure) { try server.receive(hello) }

        // A session made without EMS, offered in an EMS handshake: a full handshake instead.
        let plain = TLSSession(protocolVersion: .tls12, cipherSuite: session.cipherSuite, secret: session.secret, sessionID: session.sessionID,
                               creationTime: session.creationTime, timeout: 3600, serverName: "localhost",
                               sessionIDContext: session.sessionIDContext, contextID: serverContext.contextID, extendedMasterSecret: false)
        _ = serverContext.sessionCache.cache.insert(plain, now: Date())
        let (fresh, freshServer) = try await ConnectionPump.connect(clientContext, serverContext, offering: plain.replacing(contextID: clientContext.contextID))
        #expect(!fresh.sessionReused)
        #expect(freshServer.negotiated?.resumption == .declined([.extendedMasterSecret]))
    }

    @Test("A TLS 1.3 session is not offered to a 1.2-only handshake, and a 1.2 session not to a 1.3-only one")
    func crossVersionSessions() async throws {
        let (clientContext, serverContext) = try Self.contexts()
        let (first, _) = try await ConnectionPump.connectAndClose(clientContext, serverContext)
        let tls12Session = try #require(first.session)
        var client13 = try InMemoryIdentity.clientConfiguration()
        client13.minimumVersion = .tls13
        let server13 = try TLSContext(InMemoryIdentity.serverConfiguration())
        let (connection, _) = try await ConnectionPump.connectAndClose(try TLSContext(client13), server13, offering: tls12Session)
        #expect(connection.negotiated?.version == .tls13)
        #expect(!connection.sessionReused)
        #expect(connection.negotiated?.resumption == .declined([.protocolVersion]))
    }

    @Test("Client certificates over TLS 1.2: required and sent (verified, kept in the session), optional and absent, required and absent", arguments: ["sent", "optional-absent", "required-absent"])
    func clientCertificates(_ scenario: String) async throws {
        let clientIdentity = try SelfSignedIdentity(commonName: "test-client", dnsNames: [], ipAddresses: [])
        let clientRoots = try TrustRoots.certificates([clientIdentity.certificateDER])
        let (clientContext, serverContext) = try Self.contexts(
            client: { configuration in
                if scenario == "sent" {
                    configuration.certificateChain = clientIdentity.chain
                    configuration.privateKey = clientIdentity.privateKey
                }
            },
            server: { configuration in
                configuration.clientAuthentication = scenario == "optional-absent" ? .optional : .required
                configuration.certificateVerification = .fullVerification(trustRoots: clientRoots)
            })
        if scenario == "required-absent" {
            let client = clientContext.makeConnection()
            let server = serverContext.makeConnection()
            await #expect(throws: TLSError.self) { try await ConnectionPump.run(client, server) }
            Hostile.expectClosed(server, .handshakeFailure)
            return
        }
        let (client, server) = try await ConnectionPump.connect(clientContext, serverContext)
        #expect(client.negotiated?.version == .tls12)
        if scenario == "sent" {
            #expect(server.negotiated?.peerCertificates == [clientIdentity.certificateDER])
            #expect(server.negotiated?.peerSignatureScheme == .ecdsaSecp256r1SHA256)
            #expect(server.session?.peerCertificates == [clientIdentity.certificateDER])
            // Resumption keeps the client's certificate (and the authentication, M3).
            let (resumed, resumedServer) = try await ConnectionPump.connect(clientContext, serverContext, offering: client.session)
            #expect(resumed.sessionReused)
            #expect(resumedServer.negotiated?.peerCertificates == [clientIdentity.certificateDER])
        } else {
            #expect(server.negotiated?.peerCertificates == [])
        }
    }

    @Test("record_size_limit over TLS 1.2: each side's records stay within the other's limit (RFC 8449)")
    func recordSizeLimit() async throws {
        let (clientContext, serverContext) = try Self.contexts(
            client: { $0.recordSizeLimit = 512 }, server: { $0.recordSizeLimit = 1024 })
        let (client, server) = try await ConnectionPump.connect(clientContext, serverContext)
        try server.write([UInt8](repeating: 1, count: 3000))
        let toClient = server.takeOutput()
        // 512 bytes of plaintext per record, plus the 8-byte explicit nonce and 16-byte tag.
        #expect(Hostile.records(toClient).allSatisfy { $0.fragment.count <= 512 + 24 })
        try client.receive(toClient)
        #expect(ConnectionPump.applicationData(ConnectionPump.events(client)).count == 3000)
        try client.write([UInt8](repeating: 2, count: 3000))
        let toServer = client.takeOutput()
        #expect(Hostile.records(toServer).allSatisfy { $0.fragment.count <= 1024 + 24 })
        #expect(Hostile.records(toServer).count == 3)
        try server.receive(toServer)
    }

    // MARK: Helpers

    /// The ServerHello in a plaintext flight.
    static func serverHello(in bytes: [UInt8]) throws -> ServerHello? {
        for record in Hostile.records(bytes) where record.type == ContentType.handshake.rawValue {
            var reassembler = HandshakeReassembler()
            reassembler.append(record.fragment[...])
            while let raw = try reassembler.nextMessage() {
                if case .serverHello(let hello) = try HandshakeMessage(parsingMessage: raw.bytes, context: .initial) { return hello }
            }
        }
        return nil
    }

    /// Re-frames a client's first flight with its ClientHello changed by `change`.
    static func rewriteClientHello(_ flight: [UInt8], _ change: (inout ClientHello) -> Void) throws -> [UInt8] {
        guard let record = Hostile.records(flight).first,
              case .clientHello(var hello) = try HandshakeMessage(parsingMessage: record.fragment, context: .initial) else {
            throw TLSSocketDriverError("no ClientHello")
        }
        change(&hello)
        return Hostile.record(ContentType.handshake.rawValue, try HandshakeMessage.clientHello(hello).encode(), version: record.version)
    }
}
