import Foundation
import ResumableTLS

/// One handshake between a client and a server `TLSConnection` in memory, in the calling task:
/// bytes are moved both ways and each side's pending work (the server's session lookup in an
/// external store or replay registry, the client's chain verification) is run and awaited
/// where it arises (the Redis tests drive their handshakes with `exchange` too). No sockets:
/// what a handshake costs beyond its own computation is the pending work's.
public enum InMemoryHandshakePump {
    /// How one handshake ended.
    public struct Outcome: Sendable {
        /// Whether both sides reached `.established`.
        public var established: Bool
        /// Whether both sides report the session resumed.
        public var resumed: Bool
        /// The client's newest session after the handshake (the ticket to offer next), or nil.
        public var nextSession: TLSSession?
    }

    /// Moves bytes between `client` and `server` (whose handshake the caller started) and runs
    /// their pending work until neither has anything left to say. Throws what the connections
    /// throw, or `BenchError` when they still talk after 64 rounds.
    public static func exchange(_ client: TLSConnection, _ server: TLSConnection) async throws {
        for _ in 0..<64 {
            var moved = false
            let toServer = client.takeOutput()
            if !toServer.isEmpty { try server.receive(toServer); moved = true }
            if let work = server.takePendingWork() { try server.completePendingWork(await work.run()); moved = true }
            let toClient = server.takeOutput()
            if !toClient.isEmpty { try client.receive(toClient); moved = true }
            if let work = client.takePendingWork() { try client.completePendingWork(await work.run()); moved = true }
            if !moved && !client.isAwaitingPendingWork && !server.isAwaitingPendingWork { return }
        }
        throw BenchError("in-memory handshake: connections still talking after 64 rounds")
    }

    /// Runs a handshake of a new `client` connection offering `session` (nil: a full
    /// handshake) against a new `server` connection, then ends the transport as a TCP close
    /// would (neither connection is reused). Throws what the connections throw, or
    /// `BenchError` when they still talk after 64 rounds.
    public static func handshake(client: TLSContext, server: TLSContext, offering session: TLSSession?) async throws -> Outcome {
        let clientConnection = client.makeConnection()
        if let session { try clientConnection.offer(session) }
        let serverConnection = server.makeConnection()
        defer {
            // Releasing an established connection without a close would poison its session (S13).
            clientConnection.transportClosed()
            serverConnection.transportClosed()
        }
        try clientConnection.startHandshake()
        try await exchange(clientConnection, serverConnection)
        let established = clientConnection.state == .established && serverConnection.state == .established
        return Outcome(established: established,
                       resumed: established && clientConnection.sessionReused && serverConnection.sessionReused,
                       nextSession: clientConnection.session)
    }
}
