import ResumableTLS

/// One self-signed identity for the NIO tests, and configurations that trust it.
enum TestIdentity {
    static let shared: SelfSignedIdentity = {
        do { return try SelfSignedIdentity() } catch { preconditionFailure("cannot make a test identity: \(error)") }
    }()

    static func serverContext(_ adjust: (inout TLSConfiguration) -> Void = { _ in }) throws -> TLSContext {
        var configuration = TLSConfiguration.server(chain: shared.chain, key: shared.privateKey)
        adjust(&configuration)
        return try TLSContext(configuration)
    }

    static func clientContext() throws -> TLSContext {
        var configuration = TLSConfiguration.client(serverName: "localhost")
        configuration.certificateVerification = .fullVerification(trustRoots: try .certificates([shared.certificateDER]))
        return try TLSContext(configuration)
    }
}
