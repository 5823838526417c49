import Foundation
import Testing
import ResumableTLS
@testable import ResumableTLSRedis

/// TLS to Redis (`redis-server --tls-port`) through this library's own TLS client (issue 18).
@Suite(.serialized, .timeLimit(.minutes(1))) struct RedisTLSTests {
    /// A certificate for 127.0.0.1 made by `openssl req`, in `directory`.
    private static func certificate(in directory: URL) throws -> (certificate: String, key: String) {
        let certificate = directory.appendingPathComponent("redis.pem").path
        let key = directory.appendingPathComponent("redis.key").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
                             "-out", certificate, "-days", "1", "-subj", "/CN=redis", "-addext", "subjectAltName=IP:127.0.0.1"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw RedisError.connectFailed("openssl req failed") }
        return (certificate, key)
    }

    private static func clientContext(trusting certificate: String) throws -> TLSContext {
        var configuration = TLSConfiguration.client(serverName: nil)
        configuration.certificateVerification = .fullVerification(trustRoots: try .certificates(CertificateChain(pemFile: certificate).certificatesDER))
        return try TLSContext(configuration)
    }

    @Test func sessionsGoThroughTLS() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("redis-tls-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (certificate, key) = try Self.certificate(in: directory)
        let redis = try await RedisServerProcess.start(tls: (certificate, key, try Self.clientContext(trusting: certificate)))
        defer { redis.stop() }
        let fleet = UUID()
        let store = RedisSessionStore(client: redis.client(), key: .random(), contextID: fleet)
        let session = TLSSession(protocolVersion: .tls13, cipherSuite: .tlsAES128GCMSHA256, secret: [UInt8](repeating: 9, count: 32),
                                 sessionID: [UInt8](repeating: 4, count: 32), ticket: [UInt8](repeating: 4, count: 32),
                                 creationTime: Date(), timeout: 60, contextID: fleet)
        try await store.put(session)
        #expect(try await store.take(id: session.sessionID)?.secret == session.secret)

        // A client that does not trust Redis's certificate gets no connection, and says so.
        let other = try Self.certificate(in: directory.appendingPathComponent("other", isDirectory: true).creatingDirectory())
        let distrusting = redis.client { $0.tls = try? Self.clientContext(trusting: other.certificate) }
        await #expect(throws: RedisError.self) { try await distrusting.send("PING") }
        // Plain TCP to the TLS port gets no answer either.
        let plain = redis.client { $0.tls = nil; $0.connectTimeout = .milliseconds(300); $0.commandTimeout = .milliseconds(300) }
        await #expect(throws: RedisError.self) { try await plain.send("PING") }
    }
}

private extension URL {
    func creatingDirectory() throws -> URL {
        try FileManager.default.createDirectory(at: self, withIntermediateDirectories: true)
        return self
    }
}
