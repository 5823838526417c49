import Foundation

/// What a ticket a client presents turned out to be.
enum TicketRedemption: Sendable {
    /// The session it stands for; `renew` when the ticket should be replaced by a fresh one
    /// (it was used up, or sealed under a key that no longer encrypts).
    case session(TLSSession, renew: Bool)
    /// Nothing usable: unknown, undecryptable, tampered, expired, already used.
    case none
    /// Not known here; ask the get callback and the external store (asynchronous, S21, S23).
    case lookUp(ExternalSessionLookup)
}

/// How a server context turns sessions into TLS 1.3 tickets and tickets back into sessions:
/// sealing the state under ticket keys (S24) or storing it under an opaque ID (S26).
protocol ServerTicketAuthority: Sendable {
    /// Makes a new ticket and the session it stands for: `make(sessionID, ticket)` builds the
    /// session, given the ticket's identity when it is known beforehand (a stateful ticket's
    /// random ID: the session is made once) or empty ones (a stateless ticket seals the
    /// session's state, and the session carrying it is returned). The result has the ticket as
    /// `ticket` and the ticket's identity as `sessionID`. Nothing else: storing the session and
    /// telling the new-session callback is the connection's one place for new sessions (S19).
    func issue(_ make: (_ sessionID: [UInt8], _ ticket: [UInt8]) throws -> TLSSession) throws -> TLSSession
    /// Whether a ticket carries the whole session (stateless, S24), so that nothing is
    /// cached for it, or names a session the cache must hold (stateful, S26).
    var ticketsCarryState: Bool { get }
    /// What `identity` (a ticket a client presents) stands for. Never throws: a bad ticket
    /// only means a full handshake.
    func redeem(_ identity: [UInt8], now: Date) -> TicketRedemption
    /// Called once the handshake chose `session` for `identity` (binder verified): false
    /// declines it as replayed (S14). Stateful tickets were already taken by `redeem`.
    func claimSingleUse(_ identity: [UInt8], session: TLSSession, now: Date) -> Bool
    /// A registry shared by a fleet that must record a ticket's first use before it resumes
    /// (asynchronous, asked with the ClientHello's other lookups); nil when single use, if any,
    /// is this process's own (`claimSingleUse`).
    var sharedReplayRegistry: (any TicketReplayRegistry)? { get }
}

extension ServerTicketAuthority {
    /// Every ticket may be used: the default, and right for stateful tickets (taken on redeem).
    func claimSingleUse(_ identity: [UInt8], session: TLSSession, now: Date) -> Bool { true }
    var sharedReplayRegistry: (any TicketReplayRegistry)? { nil }
}
