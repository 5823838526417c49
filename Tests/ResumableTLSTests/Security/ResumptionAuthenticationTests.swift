import Foundation
import Testing
@testable import ResumableTLS

/// Security review M3: a session resumes only if it satisfies the client-authentication
/// policy now, its client certificate is still valid, and the peer authenticated recently
/// enough; tickets from resumed connections inherit the original authentication time.
@Suite("M3: resumption respects authentication")
struct ResumptionAuthenticationTests {
    static let clientIdentity: SelfSignedIdentity = {
        do { return try SelfSignedIdentity(commonName: "m3-client", dnsNames: [], ipAddresses: []) }
        catch { preconditionFailure("cannot make the client identity: \(error)") }
    }()

    let clock = TestClock()
    let ring: TicketKeyRing

    init() {
        ring = TicketKeyRing(clock: clock)
    }

    /// A server sharing this test's ticket keys and clock; `context` names a session-ID context.
    private func server(_ policy: TLSConfiguration.ClientAuthentication, context: [UInt8]? = nil,
                        adjust: (inout TLSConfiguration) -> Void = { _ in }) throws -> TLSContext {
        var configuration = InMemoryIdentity.serverConfiguration()
        configuration.ticketKeys = ring
        configuration.clientAuthentication = policy
        configuration.certificateVerification = .fullVerification(trustRoots: try .certificates([Self.clientIdentity.certificateDER]))
        if let context { configuration.sessionIDContext = context }
        adjust(&configuration)
        return try TLSContext(configuration, clock: clock)
    }

    private func client(withCertificate: Bool, adjust: (inout TLSConfiguration) -> Void = { _ in }) throws -> TLSContext {
        var configuration = try InMemoryIdentity.clientConfiguration()
        if withCertificate {
            configuration.certificateChain = Self.clientIdentity.chain
            configuration.privateKey = Self.clientIdentity.privateKey
        }
        adjust(&configuration)
        return try TLSContext(configuration, clock: clock)
    }

    /// A handshake offering `session`; returns both sides.
    private func connect(_ client: TLSContext, _ server: TLSContext, offering session: TLSSession? = nil) async throws -> (client: TLSConnection, server: TLSConnection) {
        try await ConnectionPump.connect(client, server, offering: session)
    }

    /// `connect`, then a clean close on both sides (releasing them unclosed poisons, S13).
    private func connectAndClose(_ client: TLSContext, _ server: TLSContext, offering session: TLSSession? = nil) async throws -> (client: TLSConnection, server: TLSConnection) {
        try await ConnectionPump.connectAndClose(client, server, offering: session)
    }

    private func serverReasons(_ connection: TLSConnection) -> [ResumptionDeclineReason] {
        if case .declined(let reasons)? = connection.negotiated?.resumption { return reasons }
        return []
    }

    @Test("A session without a client certificate does not resume where one is now required")
    func requiredNowButNotThen() async throws {
        let client = try client(withCertificate: true)
        let (first, _) = try await connectAndClose(client, try server(.none, context: [1]))
        let session = try #require(first.session)
        #expect(session.peerCertificates.count == 1)   // the server's chain, on the client
        let (again, server) = try await connect(client, try server(.required, context: [1]), offering: session)
        #expect(!again.sessionReused)
        #expect(serverReasons(server) == [.clientAuthentication])
        // The full handshake asked for and got the certificate.
        #expect(server.negotiated?.peerCertificates == [Self.clientIdentity.certificateDER])
    }

    @Test("A session with a client certificate does not resume on a context that wants none")
    func certificateWhereNoneIsWanted() async throws {
        let client = try client(withCertificate: true)
        let (first, _) = try await connectAndClose(client, try server(.required, context: [2]))
        let session = try #require(first.session)
        let (again, server) = try await connect(client, try server(.none, context: [2]), offering: session)
        #expect(!again.sessionReused)
        #expect(serverReasons(server) == [.clientAuthentication])
    }

    @Test("By default the session-ID context is bound to the policy: another policy is another context")
    func defaultContextBindsThePolicy() async throws {
        let client = try client(withCertificate: true)
        let (first, _) = try await connectAndClose(client, try server(.optional))
        let firstSession = try #require(first.session)
        let (same, sameServer) = try await connect(client, try server(.optional), offering: firstSession)
        #expect(same.sessionReused && sameServer.sessionReused)
        let sameSession = try #require(same.session)
        let (other, otherServer) = try await connect(client, try server(.required), offering: sameSession)
        #expect(!other.sessionReused)
        #expect(serverReasons(otherServer) == [.sessionIDContext])
        // Other trust roots are another context too.
        let stranger = try SelfSignedIdentity(commonName: "other-root", dnsNames: [], ipAddresses: [])
        var roots = InMemoryIdentity.serverConfiguration()
        roots.clientAuthentication = .optional
        roots.certificateVerification = .fullVerification(trustRoots: try .certificates([stranger.certificateDER]))
        var same2 = roots
        same2.certificateVerification = .fullVerification(trustRoots: try .certificates([Self.clientIdentity.certificateDER]))
        #expect(roots.effectiveSessionIDContext != same2.effectiveSessionIDContext)
        #expect(same2.effectiveSessionIDContext.count == 32)
        // A server without client authentication keeps OpenSSL's empty default.
        #expect(InMemoryIdentity.serverConfiguration().effectiveSessionIDContext.isEmpty)
    }

    @Test("A session whose client certificate expired does not resume")
    func expiredClientCertificate() async throws {
        let shortLived = try SelfSignedIdentity(commonName: "short-lived", dnsNames: [], ipAddresses: [], validity: 600, now: clock.now())
        let client = try client(withCertificate: true) {
            $0.certificateChain = shortLived.chain
            $0.privateKey = shortLived.privateKey
        }
        let roots = try TrustRoots.certificates([shortLived.certificateDER, Self.clientIdentity.certificateDER])
        let server = try server(.required) { $0.certificateVerification = .fullVerification(trustRoots: roots) }
        let (first, _) = try await connectAndClose(client, server)
        let session = try #require(first.session)
        clock.advance(by: 900)   // the ticket (2 h) lives on; the certificate (10 min) does not
        // Offered by a client whose own certificate is still valid, so the full handshake works.
        let (again, againServer) = try await connect(try self.client(withCertificate: true), server, offering: session)
        #expect(!again.sessionReused)
        #expect(serverReasons(againServer) == [.peerCertificateExpired])
    }

    @Test("Resuming never extends authentication: tickets inherit the original time and lifetime bound")
    func authenticationIsNotRenewed() async throws {
        let start = clock.now()
        let client = try client(withCertificate: false) { $0.maximumAuthenticationAge = 1_000 }
        let server = try server(.none) { $0.maximumAuthenticationAge = 1_000 }
        let (first, firstServer) = try await connect(client, server)
        let firstSession = try #require(first.session)
        #expect(firstSession.authenticationTime == firstSession.creationTime)
        #expect(firstSession.timeout <= 1_000)
        #expect(firstServer.session?.timeout ?? 0 <= 1_000)

        clock.advance(by: 600)
        let (second, secondServer) = try await connect(client, server, offering: firstSession)
        #expect(second.sessionReused && secondServer.sessionReused)
        let secondSession = try #require(second.session)
        #expect(secondSession.creationTime > firstSession.creationTime)
        // Client and server both keep the first handshake's time; the new ticket lives 400 s.
        #expect(abs(secondSession.authenticationTime.timeIntervalSince(start)) < 1)
        let serverSession = try #require(secondServer.session)
        #expect(abs(serverSession.authenticationTime.timeIntervalSince(start)) < 1)
        #expect(serverSession.timeout <= 400)

        // A stricter server refuses what a laxer one issued: 700 s since authentication > 500.
        clock.advance(by: 100)
        let strict = try self.server(.none) { $0.maximumAuthenticationAge = 500 }
        let (third, thirdServer) = try await connect(try self.client(withCertificate: false), strict, offering: secondSession)
        #expect(!third.sessionReused)
        #expect(serverReasons(thirdServer) == [.authenticationAge])
        // And a client with that bound does not offer it at all.
        let strictClient = try self.client(withCertificate: false) { $0.maximumAuthenticationAge = 500 }
        let (fourth, _) = try await connectAndClose(strictClient, server, offering: secondSession)
        #expect(fourth.negotiated?.resumption == .declined([.authenticationAge]))
    }

    @Test("The authentication time survives a stateless ticket and its encoding")
    func ticketStateKeepsAuthenticationTime() throws {
        let created = Date(timeIntervalSince1970: 1_800_000_000)
        let session = TLSSession(protocolVersion: .tls13, cipherSuite: .tlsAES128GCMSHA256, secret: [UInt8](repeating: 7, count: 32),
                                 creationTime: created, timeout: 3_600, contextID: UUID(),
                                 authenticationTime: created.addingTimeInterval(-86_400))
        let state = SessionTicketState(session: session)
        let decoded = try SessionTicketState(decoding: try state.encoded())
        #expect(decoded.authenticationTime == created.addingTimeInterval(-86_400))
        #expect(decoded.makeSession(ticket: [1]).authenticationTime == created.addingTimeInterval(-86_400))
        // A state without the field (format 1 as written before) means "at creation".
        let plain = SessionTicketState(session: TLSSession(protocolVersion: .tls13, cipherSuite: .tlsAES128GCMSHA256,
                                                           secret: [1], creationTime: created, timeout: 10, contextID: UUID()))
        #expect(plain.authenticationTimeMilliseconds == nil)
        #expect(try SessionTicketState(decoding: try plain.encoded()).authenticationTime == created)
        // Authentication after creation is refused both ways.
        var bad = decoded
        bad.authenticationTimeMilliseconds = bad.creationTimeMilliseconds + 1
        #expect(throws: TLSError.self) { try bad.encoded() }
    }
}
