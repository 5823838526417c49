import Foundation
import ResumableTLS

/// A `SessionStore` that forwards to `base` and times its lookups (`get`, `take`) and writes
/// (`put`): what the store's own round trips cost, apart from the handshake around them.
public struct TimedSessionStore: SessionStore {
    public let base: any SessionStore
    /// `get` and `take` calls.
    public let lookups: CallTimer
    /// `put` calls.
    public let writes: CallTimer

    public init(base: any SessionStore, lookups: CallTimer, writes: CallTimer) {
        self.base = base
        self.lookups = lookups
        self.writes = writes
    }

    public func put(_ session: TLSSession) async throws {
        try await writes.measure { try await base.put(session) }
    }

    public func get(id: [UInt8]) async throws -> TLSSession? {
        try await lookups.measure { try await base.get(id: id) }
    }

    public func take(id: [UInt8]) async throws -> TLSSession? {
        try await lookups.measure { try await base.take(id: id) }
    }

    public func remove(id: [UInt8]) async throws {
        try await base.remove(id: id)
    }
}
