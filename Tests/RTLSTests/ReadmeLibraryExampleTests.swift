import Foundation
import NIOPosix
import NIOResumableTLS
import ResumableTLS
import Testing

/// The README's "Using the library" example, as written there (file names made absolute):
/// the second client run resumes with the session the first one saved.
@Suite struct ReadmeLibraryExampleTests {
    @Test("README library example: server with file ticket keys, client saves and resumes a session")
    func readmeExample() async throws {
        let directory = try RTLSTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        let identity = try SelfSignedIdentity()
        try identity.certificatePEM.write(toFile: path("cert.pem"), atomically: true, encoding: .utf8)
        try identity.certificatePEM.write(toFile: path("ca.pem"), atomically: true, encoding: .utf8)
        try identity.privateKeyPEM.write(toFile: path("key.pem"), atomically: true, encoding: .utf8)
        try TicketKeyFile.write([TicketKey.generate(notBefore: Date().addingTimeInterval(-60))], to: path("ticket.keys"))

        // --- README server ---
        var serverConfiguration = TLSConfiguration.server(
            chain: try CertificateChain(pemFile: path("cert.pem")), key: try TLSPrivateKey(pemFile: path("key.pem")))
        serverConfiguration.ticketMode = .stateless
        serverConfiguration.ticketKeys = try TicketKeyRing(keyFile: path("ticket.keys"))
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await TLSServer.bind(host: "127.0.0.1", port: 0,
                                              context: try TLSContext(serverConfiguration), group: group) { connection in
            try? await connection.write(Array("hello, \(connection.sessionReused ? "again" : "newcomer")\n".utf8))
        }

        // --- README client, run twice ---
        func runClient() async throws -> (resumed: Bool, greeting: String) {
            var clientConfiguration = TLSConfiguration.client(serverName: "localhost")
            clientConfiguration.certificateVerification = .fullVerification(trustRoots: try .pem(path: path("ca.pem")))
            let clientContext = try TLSContext(clientConfiguration)
            let saved = try? TLSSession.decode(pem: String(contentsOfFile: path("session.pem"), encoding: .utf8),
                                               contextID: clientContext.contextID)
            let connection = try await TLSClient.connect(host: "127.0.0.1", port: server.port, context: clientContext,
                                                         offering: saved, group: group)
            let greeting = try await connection.readToEnd()
            if let session = try await connection.newSession(timeout: .seconds(1)), session.isResumable {
                try session.pemEncoded().write(toFile: path("session.pem"), atomically: true, encoding: .utf8)
            }
            await connection.close()
            return (connection.sessionReused, String(decoding: greeting, as: UTF8.self))
        }

        do {
            let first = try await runClient()
            let second = try await runClient()
            #expect(first.resumed == false && first.greeting == "hello, newcomer\n")
            #expect(second.resumed == true && second.greeting == "hello, again\n")
        } catch {
            await server.close()
            try? await group.shutdownGracefully()
            throw error
        }
        await server.close()
        try await group.shutdownGracefully()
    }
}
