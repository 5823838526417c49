import Testing
import ResumableTLS

/// Handshakes between a client and a server context in memory, for the store tests.
enum InMemoryHandshake {
    /// Drives a client and a server connection to the end in memory, then closes both cleanly.
    static func run(_ client: TLSContext, _ server: TLSContext, offering session: TLSSession? = nil) async throws -> (TLSConnection, TLSConnection) {
        let clientConnection = client.makeConnection()
        try clientConnection.offer(session)
        let serverConnection = server.makeConnection()
        try clientConnection.startHandshake()
        for _ in 0..<64 {
            var moved = false
            let toServer = clientConnection.takeOutput()
            if !toServer.isEmpty { try serverConnection.receive(toServer); moved = true }
            if let work = serverConnection.takePendingWork() { try serverConnection.completePendingWork(await work.run()); moved = true }
            let toClient = serverConnection.takeOutput()
            if !toClient.isEmpty { try clientConnection.receive(toClient); moved = true }
            if let work = clientConnection.takePendingWork() { try clientConnection.completePendingWork(await work.run()); moved = true }
            if !moved { break }
        }
        #expect(clientConnection.state == .established && serverConnection.state == .established)
        try clientConnection.close()
        try serverConnection.receive(clientConnection.takeOutput())
        try serverConnection.close()
        try clientConnection.receive(serverConnection.takeOutput())
        return (clientConnection, serverConnection)
    }

    /// The tickets a client connection received, in order.
    static func tickets(_ connection: TLSConnection) -> [TLSSession] {
        var sessions: [TLSSession] = []
        while let event = connection.nextEvent() {
            if case .newSession(let session) = event { sessions.append(session) }
        }
        return sessions
    }
}
