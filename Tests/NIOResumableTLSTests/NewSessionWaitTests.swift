import NIOCore
import NIOPosix
import Testing
import ResumableTLS
import NIOResumableTLS

/// `TLSAsyncConnection.newSession(timeout:)` and `session()` (issue 15): the wait ends when a
/// ticket arrives, when the deadline passes, when the task is cancelled, or when the channel
/// closes; `session()` reports the session without swallowing errors.
@Suite(.timeLimit(.minutes(1))) struct NewSessionWaitTests {
    /// A server on 127.0.0.1 sending `tickets` tickets and then holding the connection open
    /// until the client closes it; runs `body` with a connected client.
    private func withConnection(tickets: Int, _ body: (TLSAsyncConnection) async throws -> Void) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            let server = try await TLSServer.bind(
                host: "127.0.0.1", port: 0, context: try TestIdentity.serverContext { $0.ticketCount = tickets }, group: group
            ) { connection in
                _ = try? await connection.readToEnd()
            }
            let connection = try await TLSClient.connect(host: "127.0.0.1", port: server.port, context: try TestIdentity.clientContext(), group: group)
            try await body(connection)
            await connection.close()
            await server.close()
            try await group.shutdownGracefully()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    @Test func aTicketEndsTheWaitAtOnce() async throws {
        try await withConnection(tickets: 1) { connection in
            let started = ContinuousClock.now
            let session = try #require(try await connection.newSession(timeout: .seconds(30)))
            #expect(session.isResumable)
            #expect(ContinuousClock.now - started < .seconds(10), "the ticket ends the wait, not the deadline")
            #expect(try await connection.session() === session)
        }
    }

    @Test func withoutATicketTheDeadlineEndsTheWait() async throws {
        try await withConnection(tickets: 0) { connection in
            let started = ContinuousClock.now
            let session = try await connection.newSession(timeout: .milliseconds(300))
            let waited = ContinuousClock.now - started
            #expect(waited >= .milliseconds(250) && waited < .seconds(10), "\(waited)")
            #expect(session != nil && session?.isResumable == false, "the current session: the connection's own, not resumable")
        }
    }

    @Test func cancellingTheTaskEndsTheWait() async throws {
        try await withConnection(tickets: 0) { connection in
            let started = ContinuousClock.now
            let waiting = Task { try await connection.newSession(timeout: .seconds(30)) }
            try await Task.sleep(for: .milliseconds(100))
            waiting.cancel()
            let session = try await waiting.value
            #expect(ContinuousClock.now - started < .seconds(10), "cancellation ends the wait")
            #expect(session?.isResumable == false)
        }
    }

    @Test func closingTheChannelEndsTheWaitAndTheSessionStaysReadable() async throws {
        try await withConnection(tickets: 0) { connection in
            let started = ContinuousClock.now
            let waiting = Task { try await connection.newSession(timeout: .seconds(30)) }
            try await Task.sleep(for: .milliseconds(100))
            await connection.close()
            let session = try await waiting.value
            #expect(ContinuousClock.now - started < .seconds(10), "the channel's end ends the wait")
            #expect(session != nil, "after the close, the session the handshake ended with")
            #expect(try await connection.session() != nil)
        }
    }
}
