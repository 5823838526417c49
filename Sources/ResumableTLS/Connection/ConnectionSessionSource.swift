import Foundation

/// A server connection's `ServerSessionSource`: offered identities are answered from the
/// sessions its resolver prefetched, tickets are sealed and claimed by the context's ticket
/// authority. Confined to the connection's thread, like the connection.
final class ConnectionSessionSource: ServerSessionSource {
    private let prefetched: PrefetchedSessions
    private let authority: any ServerTicketAuthority
    /// Set by the application through `TLSConnection.acceptsEarlyData`, read when the ClientHello arrives.
    var earlyDataAllowed = true

    init(prefetched: PrefetchedSessions, authority: any ServerTicketAuthority) {
        self.prefetched = prefetched
        self.authority = authority
    }

    func redeem(_ identity: [UInt8], now: Date) -> TLSSession? { prefetched.take(identity) }
    func missingReason(_ identity: [UInt8]) -> ResumptionDeclineReason { prefetched.missingReason(identity) }
    func claim(_ identity: [UInt8], session: TLSSession, now: Date) -> Bool {
        authority.claimSingleUse(identity, session: session, now: now)
    }
    func issueTicket(_ make: (_ sessionID: [UInt8], _ ticket: [UInt8]) throws -> TLSSession) throws -> TLSSession {
        try authority.issue(make)
    }
    func ticketNeedsRenewal(_ identity: [UInt8]) -> Bool { prefetched.needsRenewal(identity) }
    var clientHelloFirstSeen: Bool? { prefetched.clientHelloFirstSeen }
}
