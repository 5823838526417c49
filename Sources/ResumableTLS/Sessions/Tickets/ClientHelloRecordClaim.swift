import Crypto
import Foundation

/// Recording a ClientHello that sends early data in a fleet's shared record, for the freshness
/// window (S29, RFC 8446 §8.2): one of the asynchronous lookups of a ClientHello.
struct ClientHelloRecordClaim: Sendable {
    let registry: any TicketReplayRegistry
    let binderDigest: [UInt8]
    let expiry: Date
    let timeLimit: Duration
    let counters: SessionCacheCounters

    init(binder: [UInt8], registry: any TicketReplayRegistry, window: TimeInterval, now: Date, timeLimit: Duration,
         counters: SessionCacheCounters) {
        self.registry = registry
        // The binder is unique to its ClientHello: it covers the random and the key shares.
        self.binderDigest = Array(SHA256.hash(data: binder))
        self.expiry = now.addingTimeInterval(window)
        self.timeLimit = timeLimit
        self.counters = counters
    }

    /// Whether no server recorded this ClientHello before; false too when the registry failed
    /// or was slow (early data declined: fails closed).
    func isFirstSeen() async -> Bool {
        let registry = registry, digest = binderDigest, expiry = expiry
        switch await runWithTimeLimit(timeLimit, { try await registry.recordFirstUse(ofTicketDigest: digest, until: expiry) }) {
        case .value(let first): return first
        case .failed, .timedOut:
            counters.recordExternalStoreFailure()
            return false
        }
    }
}
