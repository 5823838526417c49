import Testing
@testable import ResumableTLS

/// Drives two sans-I/O connections against each other in memory: each one's output becomes the
/// other's input, and pending asynchronous work (chain verification) is run and fed back.
enum ConnectionPump {
    /// Runs any pending work of `connection`; returns whether there was some.
    @discardableResult
    static func runPendingWork(_ connection: TLSConnection) async throws -> Bool {
        guard let work = connection.takePendingWork() else { return false }
        try connection.completePendingWork(await work.run())
        return true
    }

    /// Moves bytes both ways until neither side has anything left to say (bounded); the
    /// client sends `earlyData` as 0-RTT data if given.
    static func run(_ client: TLSConnection, _ server: TLSConnection, earlyData: [UInt8]? = nil) async throws {
        if let earlyData { try client.startHandshake(earlyData: earlyData) } else { try client.startHandshake() }
        // A client may check its offered session before its ClientHello (RFC 8446 §4.6.1).
        try await runPendingWork(client)
        for _ in 0..<64 {
            var moved = false
            let toServer = client.takeOutput()
            if !toServer.isEmpty { try server.receive(toServer); moved = true }
            try await runPendingWork(server)
            let toClient = server.takeOutput()
            if !toClient.isEmpty { try client.receive(toClient); moved = true }
            try await runPendingWork(client)
            if !moved && !client.isAwaitingPendingWork && !server.isAwaitingPendingWork { return }
        }
        throw TLSError.invalidState("connections still talking after 64 rounds")
    }

    /// A connection of each context, the client offering `session` (`SetSession`), driven to
    /// the end; expects both established.
    static func connect(_ clientContext: TLSContext, _ serverContext: TLSContext, offering session: TLSSession? = nil,
                        earlyData: [UInt8]? = nil) async throws -> (client: TLSConnection, server: TLSConnection) {
        let client = clientContext.makeConnection()
        try client.offer(session)
        let server = serverContext.makeConnection()
        try await run(client, server, earlyData: earlyData)
        #expect(client.state == .established && server.state == .established)
        return (client, server)
    }

    /// `connect`, then both sides close cleanly: for a connection that only makes a session to
    /// resume later (an established connection released without `close()` poisons it, S13).
    static func connectAndClose(_ clientContext: TLSContext, _ serverContext: TLSContext, offering session: TLSSession? = nil) async throws -> (client: TLSConnection, server: TLSConnection) {
        let (client, server) = try await connect(clientContext, serverContext, offering: session)
        try shutDown(client, server)
        return (client, server)
    }

    /// Closes both connections cleanly (close_notify each way), as an application does before
    /// it lets them go: releasing an established connection without `close()` poisons its
    /// session (S13).
    static func shutDown(_ client: TLSConnection, _ server: TLSConnection) throws {
        try client.close()
        let toServer = client.takeOutput()
        if server.state == .established { try server.receive(toServer) }
        try server.close()
        let toClient = server.takeOutput()
        if client.state != .closed(error: nil) { try client.receive(toClient) }
    }

    /// All events a connection has queued.
    static func events(_ connection: TLSConnection) -> [TLSEvent] {
        var events: [TLSEvent] = []
        while let event = connection.nextEvent() { events.append(event) }
        return events
    }

    /// The application data among `events`, joined.
    static func applicationData(_ events: [TLSEvent]) -> [UInt8] {
        events.flatMap { event -> [UInt8] in
            if case .applicationData(let bytes) = event { return bytes }
            return []
        }
    }
}

/// A test identity shared by the in-memory tests: one self-signed P-256 certificate for
/// localhost / 127.0.0.1, made once.
enum InMemoryIdentity {
    static let shared: SelfSignedIdentity = {
        do { return try SelfSignedIdentity() } catch { preconditionFailure("cannot make a test identity: \(error)") }
    }()

    static func serverConfiguration() -> TLSConfiguration {
        TLSConfiguration.server(chain: shared.chain, key: shared.privateKey)
    }

    static func clientConfiguration(serverName: String = "localhost") throws -> TLSConfiguration {
        var configuration = TLSConfiguration.client(serverName: serverName)
        configuration.certificateVerification = .fullVerification(trustRoots: try .certificates([shared.certificateDER]))
        return configuration
    }
}
