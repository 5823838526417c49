import Crypto
import Foundation

/// Recording a first use in a fleet's `TicketReplayRegistry` — a stateless ticket's (S14, S27)
/// or a ClientHello's that sends early data (S29, RFC 8446 §8.2) — as one of the asynchronous
/// lookups of a ClientHello, bounded by the store time limit (S23).
struct RegistryFirstUse: Sendable {
    let registry: any TicketReplayRegistry
    /// SHA-256 of what is recorded (the ticket, or the ClientHello's first binder).
    let digest: [UInt8]
    let expiry: Date
    let timeLimit: Duration
    let counters: SessionCacheCounters

    init(of bytes: [UInt8], until expiry: Date, registry: any TicketReplayRegistry, timeLimit: Duration,
         counters: SessionCacheCounters) {
        self.registry = registry
        self.digest = SHA256.hash(data: bytes).tlsBytes
        self.expiry = expiry
        self.timeLimit = timeLimit
        self.counters = counters
    }

    /// True for a first use, false for one seen before, nil when the registry failed or ran out
    /// of time (counted as a store failure; callers fail closed).
    func record() async -> Bool? {
        let registry = registry, digest = digest, expiry = expiry
        switch await runWithTimeLimit(timeLimit, { try await registry.recordFirstUse(ofTicketDigest: digest, until: expiry) }) {
        case .value(let first): return first
        case .failed, .timedOut:
            counters.recordExternalStoreFailure()
            return nil
        }
    }
}
