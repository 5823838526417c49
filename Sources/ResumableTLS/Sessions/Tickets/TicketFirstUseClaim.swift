import Crypto
import Foundation

/// Asking a fleet's `TicketReplayRegistry` whether a stateless ticket that opened here may
/// resume: one of the asynchronous lookups of a ClientHello (S14, S23, S27).
struct TicketFirstUseClaim: Sendable {
    let registry: any TicketReplayRegistry
    /// The session the ticket opened to; resumed only if this is the ticket's first use.
    let session: TLSSession
    let ticketDigest: [UInt8]
    let timeLimit: Duration
    let counters: SessionCacheCounters

    init(ticket: [UInt8], session: TLSSession, registry: any TicketReplayRegistry, timeLimit: Duration,
         counters: SessionCacheCounters) {
        self.registry = registry
        self.session = session
        self.ticketDigest = Array(SHA256.hash(data: ticket))
        self.timeLimit = timeLimit
        self.counters = counters
    }

    /// The session when the registry recorded this as the first use, `.replayed` when it was
    /// used before, `.unavailable` when the registry failed or ran out of time (fails closed).
    func outcome() async -> ExternalLookupOutcome {
        let registry = registry, digest = ticketDigest, expiry = session.expirationTime
        switch await runWithTimeLimit(timeLimit, { try await registry.recordFirstUse(ofTicketDigest: digest, until: expiry) }) {
        case .value(true): return .found(session)
        case .value(false): return .replayed
        case .failed, .timedOut:
            counters.recordExternalStoreFailure()
            return .unavailable
        }
    }
}
