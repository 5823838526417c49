import Foundation
import Testing
@testable import ResumableTLS

/// Security review H1: a client that verifies certificates always checks the server's name.
@Suite struct ServerIdentityTests {
    /// Runs a handshake that must fail; returns the error each side closed with.
    private func handshakeError(_ client: TLSConnection) async throws -> (client: TLSError?, server: TLSError?) {
        let server = try TLSContext(InMemoryIdentity.serverConfiguration()).makeConnection()
        var thrown: TLSError?
        do {
            try await ConnectionPump.run(client, server)
        } catch let error as TLSError {
            thrown = error
        }
        // The client's alert reaches the server.
        try? server.receive(client.takeOutput())
        var clientError: TLSError?
        if case .closed(let error) = client.state { clientError = error }
        var serverError: TLSError?
        if case .closed(let error) = server.state { serverError = error }
        #expect(thrown != nil)
        return (clientError, serverError)
    }

    @Test func aValidChainForAnotherNameIsRefusedWithBadCertificate() async throws {
        let client = try TLSContext(try InMemoryIdentity.clientConfiguration(serverName: "other.example")).makeConnection()
        let (clientError, serverError) = try await handshakeError(client)
        #expect(clientError?.alertToSend == .badCertificate)
        #expect(serverError == .peerAlert(.badCertificate))
        #expect(client.negotiated == nil)
    }

    @Test func setServerNameOverridesTheConfigurationsNameForSNIAndVerification() async throws {
        // The configuration names localhost (in the certificate); the connection names another.
        let context = try TLSContext(try InMemoryIdentity.clientConfiguration(serverName: "localhost"))
        let refused = context.makeConnection()
        try refused.setServerName("www.other.example")
        #expect(refused.serverName == "www.other.example")
        let (clientError, _) = try await handshakeError(refused)
        #expect(clientError?.alertToSend == .badCertificate)

        // And the other way round: no name in the configuration, the right one per connection.
        var nameless = try InMemoryIdentity.clientConfiguration()
        nameless.serverName = nil
        let accepted = try TLSContext(nameless).makeConnection()
        try accepted.setServerName("localhost")
        let server = try TLSContext(InMemoryIdentity.serverConfiguration()).makeConnection()
        try await ConnectionPump.run(accepted, server)
        #expect(accepted.state == .established)
        #expect(server.negotiated?.serverName == "localhost")
    }

    @Test func aClientWithFullVerificationAndNoNameRefusesToStart() throws {
        var configuration = try InMemoryIdentity.clientConfiguration()
        configuration.serverName = nil
        let connection = try TLSContext(configuration).makeConnection()
        do {
            try connection.startHandshake()
            Issue.record("a nameless verifying client started a handshake")
        } catch let error as TLSError {
            #expect("\(error)".contains("server name"))
        }
        #expect(connection.takeOutput().isEmpty)   // no ClientHello left
        #expect(throws: TLSError.self) { try configuration.validateServerIdentity(serverName: nil) }
        // The system roots are full verification too: the default client needs a name.
        #expect(throws: TLSError.self) { try TLSConfiguration.client(serverName: nil).validateServerIdentity(serverName: nil) }
        // Naming the server afterwards lets the same connection start.
        try connection.setServerName("localhost")
        try connection.startHandshake()
        #expect(!connection.takeOutput().isEmpty)
    }

    @Test func theOptOutIsExplicitAndStillVerifiesTheChain() async throws {
        var configuration = TLSConfiguration.client(serverName: nil)
        configuration.certificateVerification = .insecureNoServerNameCheck(trustRoots: try .certificates([InMemoryIdentity.shared.certificateDER]))
        let client = try TLSContext(configuration).makeConnection()
        let server = try TLSContext(InMemoryIdentity.serverConfiguration()).makeConnection()
        try await ConnectionPump.run(client, server)
        #expect(client.state == .established)

        // The chain itself is still checked: an untrusted certificate is refused.
        let stranger = try SelfSignedIdentity()
        configuration.certificateVerification = .insecureNoServerNameCheck(trustRoots: try .certificates([stranger.certificateDER]))
        let (clientError, _) = try await handshakeError(try TLSContext(configuration).makeConnection())
        #expect(clientError?.alertToSend == .unknownCA || clientError?.alertToSend == .badCertificate)
    }

    @Test func serverNamesThatCannotBeSentAreRefused() throws {
        let connection = try TLSContext(try InMemoryIdentity.clientConfiguration()).makeConnection()
        for bad in ["", String(repeating: "a", count: 256), "with space", "caf\u{E9}.example"] {
            #expect(throws: TLSError.self) { try connection.setServerName(bad) }
        }
        var configuration = try InMemoryIdentity.clientConfiguration()
        configuration.serverName = String(repeating: "a", count: 300)
        #expect(throws: TLSError.self) { try TLSContext(configuration) }
        let server = try TLSContext(InMemoryIdentity.serverConfiguration()).makeConnection()
        #expect(throws: TLSError.self) { try server.setServerName("localhost") }
    }

    @Test func aServerChainIsNeverFullyVerifiedWithoutAName() async throws {
        let verification = CertificateVerification.fullVerification(trustRoots: try .certificates([InMemoryIdentity.shared.certificateDER]))
        await #expect(throws: TLSError.self) {
            try await verification.verifyPeerChain([InMemoryIdentity.shared.certificateDER], owner: .server, expectedServerName: nil)
        }
        // A client's chain has no name to check.
        try await verification.verifyPeerChain([InMemoryIdentity.shared.certificateDER], owner: .client, expectedServerName: nil)
    }
}
