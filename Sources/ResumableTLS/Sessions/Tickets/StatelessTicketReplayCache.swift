import Crypto
import Foundation

/// How often a stateless TLS 1.3 ticket may resume (S14's "policy for stateless tickets").
///
/// A stateless ticket is a bearer token the server does not keep, so by default it resumes as
/// often as it is presented within its lifetime (what OpenSSL does for tickets without early
/// data). `.singleUse` makes the server remember every ticket it resumed until the ticket
/// expires, and decline a second use (`ResumptionDeclineReason.replayed`), as stateful
/// tickets are (S14). That memory is per context: a fleet sharing ticket keys makes tickets
/// single use across its servers with `.singleUseAcrossFleet(_:)` and a shared registry (S27).
public enum StatelessTicketReuse: Sendable {
    /// A ticket resumes any number of times until it expires.
    case allowed
    /// A ticket resumes once. The server remembers at most `capacity` used tickets (32 bytes
    /// each plus the dictionary's overhead); when that many unexpired ones are remembered, it
    /// declines further resumptions until some expire: it fails closed, to a full handshake.
    case singleUse(capacity: Int)
    /// A ticket resumes once across every server that shares `registry` (and the ticket keys):
    /// the first server to record its use resumes it, every later presentation, on any server,
    /// gets a full handshake (`ResumptionDeclineReason.replayed`). A registry that fails or does
    /// not answer in time declines the ticket (`.storeUnavailable`): single use fails closed.
    case singleUseAcrossFleet(any TicketReplayRegistry)

    /// Single use, remembering up to 100,000 used tickets.
    public static let singleUse = StatelessTicketReuse.singleUse(capacity: 100_000)
}

/// The used stateless tickets a `.singleUse` server remembers until they expire (S14).
///
/// Keyed by SHA-256 of the ticket, so memory per entry is fixed whatever the ticket's size.
/// Expired entries are dropped every `purgeInterval` claims (one O(n) pass per interval, so a
/// flood of claims against a full cache costs no more).
final class StatelessTicketReplayCache: Sendable {
    private struct State {
        var expiries: [SHA256.Digest: Date] = [:]
        var claimsSincePurge = 0
    }

    let capacity: Int
    private let purgeInterval: Int
    private let state = LockedValue(State())

    init(capacity: Int, purgeInterval: Int = 4_096) {
        self.capacity = max(0, capacity)
        self.purgeInterval = max(1, purgeInterval)
    }

    /// Claims the single use of `ticket`, valid until `expiry`: true the first time, false for
    /// a ticket already claimed and not yet expired, or when the cache is full of live claims.
    func claim(_ ticket: [UInt8], until expiry: Date, now: Date) -> Bool {
        let key = SHA256.hash(data: ticket)
        return state.withLock { state in
            if let known = state.expiries[key], known > now { return false }
            state.claimsSincePurge += 1
            if state.claimsSincePurge >= purgeInterval {
                state.expiries = state.expiries.filter { $0.value > now }
                state.claimsSincePurge = 0
            }
            guard state.expiries.count < capacity else { return false }
            state.expiries[key] = expiry
            return true
        }
    }

    /// The used tickets remembered now (expired ones may linger until the next purge).
    var count: Int { state.withLock { $0.expiries.count } }
}
