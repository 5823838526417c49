import Foundation
import Testing
@testable import ResumableTLS

/// Security review M4 (RFC 8446 §4.6.1): a client offers a session only to a server name its
/// original certificate is valid for. One server whose certificate names a.example and
/// b.example (not c.example); sessions made with a.example.
@Suite("M4: a session is offered only where its certificate is valid")
struct ClientOfferServerNameTests {
    static let identity: SelfSignedIdentity = {
        do {
            return try SelfSignedIdentity(commonName: "a.example", dnsNames: ["a.example", "b.example"], ipAddresses: [])
        } catch { preconditionFailure("cannot make the identity: \(error)") }
    }()

    /// The same server after its certificate was renewed with c.example added.
    static let renewed: SelfSignedIdentity = {
        do {
            return try SelfSignedIdentity(commonName: "a.example", dnsNames: ["a.example", "b.example", "c.example"], ipAddresses: [])
        } catch { preconditionFailure("cannot make the identity: \(error)") }
    }()

    private let server: TLSContext
    private let renewedServer: TLSContext
    private let client: TLSContext

    init() throws {
        server = try TLSContext(TLSConfiguration.server(chain: Self.identity.chain, key: Self.identity.privateKey))
        renewedServer = try TLSContext(TLSConfiguration.server(chain: Self.renewed.chain, key: Self.renewed.privateKey))
        var configuration = TLSConfiguration.client(serverName: nil)
        configuration.certificateVerification = .fullVerification(
            trustRoots: try .certificates([Self.identity.certificateDER, Self.renewed.certificateDER]))
        client = try TLSContext(configuration)
    }

    /// A handshake to `name`, offering `session`; returns both connections and the client's
    /// ClientHello.
    private func connect(to name: String, offering session: TLSSession?, renewed: Bool = false) async throws -> (client: TLSConnection, server: TLSConnection, hello: ClientHello) {
        let connection = client.makeConnection()
        try connection.setServerName(name)
        try connection.offer(session)
        try connection.startHandshake()
        try await ConnectionPump.runPendingWork(connection)
        let first = connection.takeOutput()
        let hello = try Self.clientHello(in: first)
        let serverConnection = (renewed ? renewedServer : server).makeConnection()
        try serverConnection.receive(first)
        try await ConnectionPump.run(connection, serverConnection)
        #expect(connection.state == .established && serverConnection.state == .established)
        return (connection, serverConnection, hello)
    }

    private static func clientHello(in records: [UInt8]) throws -> ClientHello {
        let length = Int(records[3]) << 8 | Int(records[4])
        guard case .clientHello(let hello) = try HandshakeMessage(parsingMessage: Array(records[5..<(5 + length)]), context: .initial) else {
            throw TLSError.internalError("not a ClientHello")
        }
        return hello
    }

    private func sessionFor(_ name: String) async throws -> TLSSession {
        let (connection, server, _) = try await connect(to: name, offering: nil)
        try ConnectionPump.shutDown(connection, server)
        let session = try #require(connection.session)
        #expect(session.isResumable && session.serverName == name)
        return session
    }

    @Test("Not offered to a name the session's certificate does not cover: full handshake, reason server_name")
    func notOfferedToAnUncoveredName() async throws {
        let session = try await sessionFor("a.example")
        // The renewed certificate covers c.example, the session's original one does not.
        let (connection, server, hello) = try await connect(to: "c.example", offering: session, renewed: true)
        #expect(hello.offeredPSKs == nil)
        #expect(!connection.sessionReused && !server.sessionReused)
        #expect(connection.negotiated?.resumption == .declined([.serverName]))
    }

    @Test("Offered to another name the certificate covers")
    func offeredToACoveredName() async throws {
        let session = try await sessionFor("a.example")
        let (connection, _, hello) = try await connect(to: "b.example", offering: session)
        #expect(hello.offeredPSKs?.identities.first?.identity == session.ticket)
        // This server resumes only under the SNI the session was made with (S5): it declines.
        #expect(connection.negotiated?.resumption == .declined([.declinedByServer]))
    }

    @Test("The same name in another case is the same name: offered and resumed")
    func sameNameAnyCase() async throws {
        let session = try await sessionFor("a.example")
        let (connection, server, hello) = try await connect(to: "A.Example", offering: session)
        #expect(hello.offeredPSKs != nil)
        #expect(connection.sessionReused && server.sessionReused)
    }

    @Test("An expired certificate is not valid for another name")
    func expiredCertificateCoversNothing() async throws {
        let leaf = Self.identity.certificateDER
        #expect(await CertificateChainVerifier.leaf(leaf, covers: "b.example", at: Date()))
        #expect(!(await CertificateChainVerifier.leaf(leaf, covers: "c.example", at: Date())))
        #expect(!(await CertificateChainVerifier.leaf(leaf, covers: "b.example", at: Date().addingTimeInterval(365 * 24 * 3600))))
        #expect(!(await CertificateChainVerifier.leaf([0x30, 0x00], covers: "b.example", at: Date())))
    }

    @Test("Without a name check (the explicit opt-out) a session is offered to any name")
    func optOutOffersAnywhere() async throws {
        let session = try await sessionFor("a.example")
        var configuration = TLSConfiguration.client(serverName: "c.example")
        configuration.certificateVerification = .insecureNoServerNameCheck(trustRoots: try .certificates([Self.identity.certificateDER]))
        let connection = try TLSContext(configuration).makeConnection()
        try connection.offer(session)
        try connection.startHandshake()
        #expect(!connection.isAwaitingPendingWork)
        #expect(try Self.clientHello(in: connection.takeOutput()).offeredPSKs != nil)
    }
}
