import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing
import ResumableTLS
import NIOResumableTLS

/// Security review H1 through `TLSClient.connect`: the server's certificate is checked for the
/// configuration's name, else for the host connected to.
@Suite(.timeLimit(.minutes(1))) struct ClientServerNameTests {
    /// A server on 127.0.0.1 presenting `identity`; returns what the client's `connect` did and
    /// the errors the server's handshakes failed with.
    private func connect(
        serverIdentity identity: SelfSignedIdentity, host: String = "127.0.0.1",
        client adjust: (inout TLSConfiguration) -> Void
    ) async throws -> (result: Result<NegotiatedParameters, any Error>, serverErrors: [String]) {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let serverErrors = NIOLockedValueBox<[String]>([])
        do {
            let server = try await TLSServer.bind(
                host: "127.0.0.1", port: 0,
                context: try TLSContext(TLSConfiguration.server(chain: identity.chain, key: identity.privateKey)), group: group,
                handshakeFailed: { error in serverErrors.withLockedValue { $0.append("\(error)") } }
            ) { connection in
                try? await connection.write(Array("hello\n".utf8))
            }
            var configuration = TLSConfiguration.client(serverName: nil)
            configuration.certificateVerification = .fullVerification(trustRoots: try .certificates([identity.certificateDER]))
            adjust(&configuration)
            let result: Result<NegotiatedParameters, any Error>
            do {
                let connection = try await TLSClient.connect(host: host, port: server.port, context: try TLSContext(configuration), group: group)
                result = .success(connection.negotiated)
                await connection.close()
            } catch {
                result = .failure(error)
            }
            await server.close()
            try await group.shutdownGracefully()
            return (result, serverErrors.withLockedValue { $0 })
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    @Test func theHostIsVerifiedWhenTheConfigurationNamesNoServer() async throws {
        // A valid, trusted chain, for another name only: refused.
        let elsewhere = try SelfSignedIdentity(commonName: "elsewhere.example", dnsNames: ["elsewhere.example"], ipAddresses: [])
        let (refused, serverErrors) = try await connect(serverIdentity: elsewhere) { _ in }
        guard case .failure(let error) = refused else {
            Issue.record("a certificate for elsewhere.example was accepted for 127.0.0.1")
            return
        }
        #expect((error as? TLSError)?.alertToSend == .badCertificate, "\(error)")
        #expect(serverErrors.contains { $0.contains("bad_certificate") || $0.contains("badCertificate") }, "\(serverErrors)")

        // The same chain with the host's address in it: accepted, for that address.
        let local = try SelfSignedIdentity(commonName: "local", dnsNames: [], ipAddresses: [[127, 0, 0, 1]])
        let (accepted, _) = try await connect(serverIdentity: local) { _ in }
        let negotiated = try accepted.get()
        #expect(negotiated.serverName == "127.0.0.1")
    }

    @Test func theConfigurationsNameWinsOverTheHost() async throws {
        // The certificate covers 127.0.0.1 (the host) but not the configured name.
        let local = try SelfSignedIdentity(commonName: "local", dnsNames: [], ipAddresses: [[127, 0, 0, 1]])
        let (refused, _) = try await connect(serverIdentity: local) { $0.serverName = "api.example" }
        guard case .failure(let error) = refused else {
            Issue.record("the configured name was not checked")
            return
        }
        #expect((error as? TLSError)?.alertToSend == .badCertificate, "\(error)")
    }

    @Test func theExplicitOptOutConnectsToAnyName() async throws {
        let elsewhere = try SelfSignedIdentity(commonName: "elsewhere.example", dnsNames: ["elsewhere.example"], ipAddresses: [])
        let (accepted, _) = try await connect(serverIdentity: elsewhere) {
            if case .fullVerification(let roots) = $0.certificateVerification {
                $0.certificateVerification = .insecureNoServerNameCheck(trustRoots: roots)
            }
        }
        #expect(throws: Never.self) { try accepted.get() }
    }

    /// M4 through the handler: a session made for 127.0.0.1 offered to "localhost" is first
    /// checked against its certificate (pending work before the ClientHello), then offered.
    @Test func aSessionForAnotherNameIsCheckedBeforeItIsOffered() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await TLSServer.bind(host: "127.0.0.1", port: 0, context: try TestIdentity.serverContext(), group: group) { connection in
            try? await connection.write(Array("hello\n".utf8))
        }
        var byAddress = TLSConfiguration.client(serverName: nil)
        byAddress.certificateVerification = .fullVerification(trustRoots: try .certificates([TestIdentity.shared.certificateDER]))
        let first = try await TLSClient.connect(host: "127.0.0.1", port: server.port, context: try TLSContext(byAddress), group: group)
        _ = try await first.readToEnd()
        let session = try #require(try await first.newSession(timeout: .seconds(5)))
        await first.close()
        #expect(session.serverName == "127.0.0.1")

        let byName = try TestIdentity.clientContext()   // serverName "localhost", also in the certificate
        let second = try await TLSClient.connect(host: "127.0.0.1", port: server.port, context: byName, offering: session, group: group)
        // Offered (the certificate covers localhost); this server resumes only under the
        // session's own SNI, so it declines: a full handshake, not a stall.
        #expect(second.negotiated.resumption == .declined([.declinedByServer]))
        await second.close()
        await server.close()
        try await group.shutdownGracefully()
    }

    @Test func aBadHostNameFailsBeforeConnecting() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let context = try TLSContext(TLSConfiguration.client(serverName: nil))
        // Port 9 is never contacted: the name is refused first.
        await #expect(throws: TLSError.self) {
            _ = try await TLSClient.connect(host: String(repeating: "x", count: 300), port: 9, context: context, group: group)
        }
        try await group.shutdownGracefully()
        #expect(throws: TLSError.self) { try TLSChannelHandler(context: context) }
        #expect(throws: Never.self) { try TLSChannelHandler(context: context, serverName: "localhost") }
    }
}
