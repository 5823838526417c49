import Foundation
import NIOCore
import NIOPosix
import Synchronization
import Testing
import ResumableTLS
import NIOResumableTLS

/// Opens once; every waiter before and after that goes on.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// S23 over a real event loop: an asynchronous get callback (a network store) suspends without
/// blocking the event-loop thread that drives the server's other connections.
@Suite(.timeLimit(.minutes(1))) struct AsyncSessionStoreTests {
    @Test func s23ASuspendedLookupDoesNotBlockTheEventLoop() async throws {
        let serverGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1) // one thread for every connection
        let clientGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let gate = Gate()
        let lookupStarted = Gate()
        let archive = Mutex<[[UInt8]: TLSSession]>([:])
        let serverContext = try TestIdentity.serverContext { configuration in
            configuration.ticketMode = .stateful
            // Only the callbacks hold sessions, so every resumption asks the get callback.
            configuration.sessionCacheMode = [.server, .noInternalStore]
            configuration.sessionStoreTimeLimit = .seconds(30)
            configuration.sessionCallbacks.onNew = { session, _ in
                archive.withLock { $0[session.sessionID] = session }
                return .kept
            }
            configuration.sessionCallbacks.onLookup = { request in
                let id = request.sessionID
                lookupStarted.open()
                await gate.wait() // the network store answers only when the test says so
                return archive.withLock { $0[id] }.map { SessionLookupResult($0, insertIntoInternalCache: false) }
            }
        }
        do {
            let server = try await TLSServer.bind(context: serverContext, group: serverGroup) { channel in
                channel.eventLoop.makeSucceededVoidFuture()
            }
            let clientContext = try TestIdentity.clientContext()
            let first = try await TLSClient.connect(host: "127.0.0.1", port: server.port, context: clientContext, group: clientGroup)
            // The tickets follow the handshake: wait for a resumable session (bounded).
            var session: TLSSession?
            for _ in 0..<200 {
                if let latest = try await first.session(), latest.isResumable { session = latest; break }
                try await Task.sleep(for: .milliseconds(10))
            }
            let offered = try #require(session)
            await first.close()

            // A resumption whose lookup hangs in the store…
            let resuming = Task {
                try await TLSClient.connect(host: "127.0.0.1", port: server.port, context: clientContext, offering: offered, group: clientGroup)
            }
            await lookupStarted.wait()
            // …while another client completes a full handshake on the same single event loop
            // (within 10 s: a blocked loop would never complete it while the gate is shut).
            let port = server.port
            let other = try await withThrowingTaskGroup(of: TLSAsyncConnection?.self) { group in
                group.addTask { try await TLSClient.connect(host: "127.0.0.1", port: port, context: clientContext, group: clientGroup) }
                group.addTask { try await Task.sleep(for: .seconds(10)); return nil }
                let first = try await group.next() ?? nil
                group.cancelAll()
                return first
            }
            let otherConnection = try #require(other, "a full handshake stalled behind a suspended store lookup")
            #expect(!otherConnection.sessionReused)
            await otherConnection.close()

            gate.open()
            let resumed = try await resuming.value
            #expect(resumed.sessionReused, "the store's answer, when it came, resumed the session")
            await resumed.close()
            #expect(serverContext.statistics.callbackHits == 1)
            await server.close()
        } catch {
            gate.open()
            try? await serverGroup.shutdownGracefully()
            try? await clientGroup.shutdownGracefully()
            throw error
        }
        try await serverGroup.shutdownGracefully()
        try await clientGroup.shutdownGracefully()
    }
}
