import Foundation
import ResumableTLS
import Synchronization

/// A `SessionStore` that forwards every call to `base` and lets a benchmark wait until the
/// write (`put`) of a given session ID has finished.
///
/// A server context writes each new session to its store in a background task of its own
/// (`NewSessionOutcome.externalStoreWrite`, run off the handshake path whatever drives the
/// connection), so a client offering the ticket at once can overtake the write. A benchmark
/// that must resume every time waits here for the ticket's write before offering it.
///
/// Writes nobody waits for are remembered until 1,024 of them pile up, then forgotten.
/// Waiters are failed by `failWaiters(olderThan:)`, so no wait outlives a lost write.
public final class WriteAwaitingSessionStore: SessionStore {
    /// The store that does the work.
    public let base: any SessionStore

    private struct Waiter {
        var since: Double
        var continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        /// Finished writes nobody has waited for yet: ID → whether the write succeeded.
        var finished: [[UInt8]: Bool] = [:]
        var waiters: [[UInt8]: Waiter] = [:]
    }

    private let state = Mutex(State())

    /// A store forwarding to `base`.
    public init(base: any SessionStore) {
        self.base = base
    }

    /// Writes through `base`, then wakes whoever waits for `session`'s ID (also when the
    /// write failed or was cancelled by the context's time limit).
    public func put(_ session: TLSSession) async throws {
        var succeeded = false
        defer { finish(id: session.sessionID, succeeded: succeeded) }
        try await base.put(session)
        succeeded = true
    }

    public func get(id: [UInt8]) async throws -> TLSSession? {
        try await base.get(id: id)
    }

    public func take(id: [UInt8]) async throws -> TLSSession? {
        try await base.take(id: id)
    }

    public func remove(id: [UInt8]) async throws {
        try await base.remove(id: id)
    }

    /// Waits until the write of the session with `id` has finished; returns whether it
    /// succeeded (false when `failWaiters(olderThan:)` gave up on it). One waiter per ID.
    public func waitForWrite(id: [UInt8]) async -> Bool {
        await withCheckedContinuation { continuation in
            let done: Bool? = state.withLock { state in
                if let succeeded = state.finished.removeValue(forKey: id) { return succeeded }
                if let earlier = state.waiters.updateValue(Waiter(since: BenchProbe.now(), continuation: continuation), forKey: id) {
                    earlier.continuation.resume(returning: false)
                }
                return nil
            }
            if let done { continuation.resume(returning: done) }
        }
    }

    /// Fails every wait that began more than `seconds` ago: its write never came (the server
    /// sent no ticket, or the context did not write it).
    public func failWaiters(olderThan seconds: Double) {
        let now = BenchProbe.now()
        let overdue: [Waiter] = state.withLock { state in
            let expired = state.waiters.filter { now - $0.value.since > seconds }
            for id in expired.keys { state.waiters.removeValue(forKey: id) }
            return Array(expired.values)
        }
        for waiter in overdue { waiter.continuation.resume(returning: false) }
    }

    private func finish(id: [UInt8], succeeded: Bool) {
        let waiter: Waiter? = state.withLock { state in
            if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
            if state.finished.count >= 1_024 { state.finished.removeAll() }
            state.finished[id] = succeeded
            return nil
        }
        waiter?.continuation.resume(returning: succeeded)
    }
}
