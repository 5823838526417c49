import Foundation
import Testing
import RTLSBenchmarks
@testable import ResumableTLS

/// The low findings of the security review that live in the handshake (L4, L14).
@Suite("Security review: low findings")
struct LowFindingsTests {
    private func baseClientHello() throws -> ClientHello {
        let client = try TLSContext(try InMemoryIdentity.clientConfiguration()).makeConnection()
        try client.startHandshake()
        return try HostileClientHello.parse(firstRecordOf: client.takeOutput())
    }

    private func send(_ hello: ClientHello, to configuration: TLSConfiguration = InMemoryIdentity.serverConfiguration()) throws -> TLSConnection {
        let server = try TLSContext(configuration).makeConnection()
        try server.receive(try HostileClientHello.records(hello))
        return server
    }

    @Test("L14: a ClientHello with legacy_version SSL 3.0 or lower is protocol_version", arguments: [UInt16(0x0000), 0x0002, 0x0300])
    func sslLegacyVersionIsRefused(version: UInt16) throws {
        var hello = try baseClientHello()
        hello.legacyVersion = ProtocolVersion(rawValue: version)
        let server = try TLSContext(InMemoryIdentity.serverConfiguration()).makeConnection()
        Hostile.expectThrows(.protocolVersion) { try server.receive(try HostileClientHello.records(hello)) }
        Hostile.expectClosedWithPlaintextAlert(server, .protocolVersion, output: server.takeOutput())
    }

    @Test("L14: legacy_version TLS 1.0 with supported_versions TLS 1.3 still negotiates TLS 1.3")
    func tls10LegacyVersionIsAccepted() throws {
        var hello = try baseClientHello()
        hello.legacyVersion = .tls10
        let server = try send(hello)
        #expect(server.state == .handshaking)
        #expect(Hostile.records(server.takeOutput()).first?.type == ContentType.handshake.rawValue)
    }

    @Test("L4: an SNI over 255 bytes is illegal_parameter at the ClientHello, not a failure after the handshake")
    func longServerNameIsRefused() throws {
        var hello = try baseClientHello()
        var extensions = hello.extensions.extensions
        extensions.removeAll { $0.type == .serverName }
        extensions.insert(.serverName(String(repeating: "a", count: 256)), at: 0)
        hello.extensions = ExtensionList(extensions)
        let server = try TLSContext(InMemoryIdentity.serverConfiguration()).makeConnection()
        Hostile.expectThrows(.illegalParameter) { try server.receive(try HostileClientHello.records(hello)) }
        Hostile.expectClosedWithPlaintextAlert(server, .illegalParameter, output: server.takeOutput())
        // 255 bytes is still a name.
        var longest = try baseClientHello()
        extensions = longest.extensions.extensions
        extensions.removeAll { $0.type == .serverName }
        extensions.insert(.serverName(String(repeating: "b", count: 255)), at: 0)
        longest.extensions = ExtensionList(extensions)
        #expect(try send(longest).state == .handshaking)
    }

    @Test("L4: a server that cannot seal a ticket (no active key) completes the handshake without tickets")
    func noActiveKeyMeansNoTicket() async throws {
        let later = TicketKey.generate(notBefore: Date().addingTimeInterval(3_600))
        var configuration = InMemoryIdentity.serverConfiguration()
        configuration.ticketKeys = try TicketKeyRing(keys: [later])
        let client = try TLSContext(try InMemoryIdentity.clientConfiguration()).makeConnection()
        let server = try TLSContext(configuration).makeConnection()
        try await ConnectionPump.run(client, server)
        #expect(client.state == .established && server.state == .established)
        let events = ConnectionPump.events(client)
        #expect(!events.contains { if case .newSession = $0 { return true } else { return false } })
        // Data still flows.
        try client.write(Array("still here".utf8))
        try server.receive(client.takeOutput())
        #expect(ConnectionPump.applicationData(ConnectionPump.events(server)) == Array("still here".utf8))
    }
}

/// Security review L6: a ticket key seals a bounded number of tickets with random nonces, and
/// an outside key that nobody replaces stops sealing after its maximum age.
@Suite("L6: ticket key use limits")
struct TicketKeyLimitTests {
    private let state = SessionTicketState(protocolVersion: .tls13, cipherSuite: .tlsAES128GCMSHA256, secret: [UInt8](repeating: 1, count: 32),
                                           creationTimeMilliseconds: 1_800_000_000_000, timeoutSeconds: 3_600, contextID: UUID())

    @Test("A generated ring rotates once a key has sealed its maximum; the old key still opens its tickets")
    func generatedRingRotates() throws {
        let ring = TicketKeyRing(clock: TestClock(), maximumSealsPerKey: 3)
        let first = try #require(ring.sealingKeyName)
        let tickets = try (0..<3).map { _ in try ring.seal(state) }
        #expect(ring.sealingKeyName == first)
        let fourth = try ring.seal(state)
        let second = try #require(ring.sealingKeyName)
        #expect(second != first)
        #expect(Array(fourth.prefix(16)) == second)
        for ticket in tickets { #expect(ring.open(ticket) == state) }
        #expect(ring.openTicket(tickets[0])?.shouldRenew == true)
    }

    @Test("An outside key that sealed its maximum refuses to seal until a newer key is installed")
    func outsideKeyIsExhausted() throws {
        let clock = TestClock()
        let ring = try TicketKeyRing(keys: [TicketKey.generate(notBefore: clock.now())], clock: clock, maximumSealsPerKey: 2)
        _ = try ring.seal(state)
        let ticket = try ring.seal(state)
        #expect(throws: TicketKeyError.self) { try ring.seal(state) }
        #expect(ring.open(ticket) == state)   // its tickets still open
        try ring.install([TicketKey.generate(notBefore: clock.now())])
        #expect(throws: Never.self) { try ring.seal(state) }
    }

    @Test("An outside key past its maximum age (default 30 days) no longer seals")
    func outsideKeyExpires() throws {
        let clock = TestClock()
        let ring = try TicketKeyRing(keys: [TicketKey.generate(notBefore: clock.now())], clock: clock)
        #expect(throws: Never.self) { try ring.seal(state) }
        clock.advance(by: TicketKeyRing.defaultMaximumKeyAge + 1)
        #expect(throws: TicketKeyError.noActiveKey) { try ring.seal(state) }
        #expect(ring.sealingKeyName == nil)
    }
}

/// Security review L7: secrets are kept no longer than needed.
@Suite("L7: secrets are dropped")
struct SecretLifetimeTests {
    @Test("Handshake, master and application traffic secrets are dropped once the handshake is done, on both sides")
    func handshakeSecretsAreDropped() async throws {
        var clientConfiguration = try InMemoryIdentity.clientConfiguration()
        clientConfiguration.middleboxCompatibility = false
        let client = try TLSContext(clientConfiguration).makeConnection()
        let server = try TLSContext(InMemoryIdentity.serverConfiguration()).makeConnection()
        try client.startHandshake()
        try server.receive(client.takeOutput())
        #expect(server.holdsHandshakeSecrets)   // mid-handshake they are needed
        try client.receive(server.takeOutput())
        try await ConnectionPump.runPendingWork(client)
        #expect(client.state == .established)
        #expect(!client.holdsHandshakeSecrets)
        try server.receive(client.takeOutput())
        #expect(server.state == .established)
        #expect(!server.holdsHandshakeSecrets)
        // Tickets still work: the resumption master secret was kept.
        try client.receive(server.takeOutput())
        #expect(client.session?.isResumable == true)
    }

    @Test("A session's secret is held inline and read back unchanged")
    func sessionSecretRoundTrips() {
        let bytes = (0..<48).map { UInt8($0) }
        let session = TLSSession(protocolVersion: .tls13, cipherSuite: .tlsAES256GCMSHA384, secret: bytes,
                                 creationTime: Date(), timeout: 60, contextID: UUID())
        #expect(session.secret == bytes)
        #expect(session.secretKey.bitCount == 384)
        #expect(session.copy().secret == bytes)
    }

    /// What `TLSSession.deinit` runs on its inline secret: every byte of the storage zeroed,
    /// not just the length reset.
    @Test("Cleansing inline bytes zeroes their whole storage")
    func cleansingZeroesTheStorage() throws {
        var secret = try #require(InlineBytes<48>((0..<48).map { UInt8($0 + 1) }))
        #expect(withUnsafeBytes(of: secret) { $0.contains { $0 != 0 } })
        secret.cleanse()
        #expect(secret.isEmpty)
        #expect(withUnsafeBytes(of: secret) { $0.allSatisfy { $0 == 0 } })
    }
}
