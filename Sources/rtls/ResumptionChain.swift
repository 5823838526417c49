import Foundation
import ResumableTLS
import RTLSBenchmarks

/// One client's chain of resumed handshakes in `rtls bench-fleet`: each handshake offers the
/// ticket the previous one left, so every ticket is fresh and used once.
struct ResumptionChain: Sendable {
    /// How one resumption went.
    struct Attempt: Sendable {
        /// Both sides established and resumed, a new ticket came, and (with a Redis session
        /// store) its write finished: the next handshake can resume with it.
        var succeeded: Bool
        /// Both sides report the session resumed.
        var resumed: Bool
        /// From making the connections to both established (and the new ticket's write
        /// finished, with a Redis session store).
        var seconds: Double
        /// From making the connections to both established.
        var handshakeSeconds: Double
    }

    let contexts: FleetBenchContexts
    /// The ticket the next handshake offers; nil after a failure, until `prime()`.
    private(set) var session: TLSSession?

    /// A chain on `contexts`, primed with one full handshake.
    init(contexts: FleetBenchContexts) async throws {
        self.contexts = contexts
        try await prime()
    }

    /// A full handshake for a first ticket (after a failure: a fresh one); throws when it
    /// gives none that can be offered.
    mutating func prime() async throws {
        let outcome = try await InMemoryHandshakePump.handshake(client: contexts.client, server: contexts.server, offering: nil)
        guard outcome.established, let next = outcome.nextSession, !next.ticket.isEmpty else {
            throw CLIError("bench-fleet: the priming full handshake gave no ticket")
        }
        if let store = contexts.awaitedStore, !(await store.waitForWrite(id: next.ticket)) {
            throw CLIError("bench-fleet: the priming handshake's ticket was not written to Redis")
        }
        session = next
    }

    /// One handshake offering the current ticket; keeps the new ticket on success, drops it
    /// otherwise (call `prime()` before the next attempt).
    mutating func resume() async -> Attempt {
        let offered = session
        let start = BenchProbe.now()
        do {
            let outcome = try await InMemoryHandshakePump.handshake(client: contexts.client, server: contexts.server, offering: offered)
            let established = BenchProbe.now()
            var succeeded = outcome.resumed
            if let next = outcome.nextSession, !next.ticket.isEmpty, next.ticket != offered?.ticket {
                if succeeded, let store = contexts.awaitedStore {
                    succeeded = await store.waitForWrite(id: next.ticket)
                }
            } else {
                succeeded = false
            }
            let end = BenchProbe.now()
            session = succeeded ? outcome.nextSession : nil
            return Attempt(succeeded: succeeded, resumed: outcome.resumed, seconds: end - start, handshakeSeconds: established - start)
        } catch {
            session = nil
            let end = BenchProbe.now()
            return Attempt(succeeded: false, resumed: false, seconds: end - start, handshakeSeconds: end - start)
        }
    }
}
