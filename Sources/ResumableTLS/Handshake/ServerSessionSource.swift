import Foundation

/// What a server's handshake asks about the sessions a client offers and the tickets it
/// issues: the connection answers from its prefetched lookups (cache, store, ticket keys) and
/// the context's ticket authority (S14, S21–S25, S29, S30).
///
/// One object per connection instead of a closure per question: the connection makes it
/// once, and the state machines of both versions hold it.
protocol ServerSessionSource: AnyObject {
    /// The session a PSK identity, TLS 1.2 session ID or ticket stands for, or nil.
    func redeem(_ identity: [UInt8], now: Date) -> TLSSession?
    /// Why an identity that `redeem` did not find has no session (unknown, or its store did not answer).
    func missingReason(_ identity: [UInt8]) -> ResumptionDeclineReason
    /// Asked once a ticket is chosen (after its binder checked): false if it was already used (S14).
    func claim(_ identity: [UInt8], session: TLSSession, now: Date) -> Bool
    /// A new session with its ticket (sealed, or named by an ID) for a NewSessionTicket:
    /// `make(sessionID, ticket)` builds the session (`ServerTicketAuthority.issue(_:)`).
    func issueTicket(_ make: (_ sessionID: [UInt8], _ ticket: [UInt8]) throws -> TLSSession) throws -> TLSSession
    /// Whether a redeemed TLS 1.2 ticket should be replaced (used up, or sealed under an old key).
    func ticketNeedsRenewal(_ identity: [UInt8]) -> Bool
    /// Whether the application lets this connection accept early data (`TLSConnection.acceptsEarlyData`).
    var earlyDataAllowed: Bool { get }
    /// What the fleet's ClientHello record answered (`EarlyDataReplayProtection.sharedClientHelloRecord`), if asked.
    var clientHelloFirstSeen: Bool? { get }
}
