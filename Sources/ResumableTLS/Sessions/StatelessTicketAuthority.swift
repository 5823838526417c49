import Crypto
import Foundation

/// Stateless TLS 1.3 tickets (S24): the ticket is the session state sealed under the
/// context's `TicketKeyRing` (S25); the server keeps nothing.
///
/// The ring is the context binding: a ticket opens only under the keys that sealed it, so a
/// context with its own keys never resumes another's tickets (S5), and a fleet that shares a
/// key file deliberately shares its sessions. A ticket the ring opens is therefore this
/// context's: its session is re-owned by `contextID`, whichever server sealed it. The
/// session-ID context, SNI and ALPN checks of the handshake apply on top.
struct StatelessTicketAuthority: ServerTicketAuthority {
    let ring: TicketKeyRing
    /// The context the opened sessions belong to.
    let contextID: UUID
    /// Used tickets, when tickets are single use (`StatelessTicketReuse.singleUse`, S14).
    let replayCache: StatelessTicketReplayCache?
    /// The fleet's record of used tickets (`StatelessTicketReuse.singleUseAcrossFleet`, S14,
    /// S27), asked while the ClientHello's sessions are resolved.
    let sharedReplayRegistry: (any TicketReplayRegistry)?

    var ticketsCarryState: Bool { true }

    func issue(_ make: (_ sessionID: [UInt8], _ ticket: [UInt8]) throws -> TLSSession) throws -> TLSSession {
        let session = try make([], [])
        let ticket = try ring.seal(session: session)
        // As OpenSSL's client does, name the session by a hash of its ticket.
        return session.replacing(ticket: ticket, sessionIDBytes: TLSSession.sessionID(forTicket: ticket))
    }

    func redeem(_ identity: [UInt8], now: Date) -> TicketRedemption {
        // A stateless ticket is a replayable bearer token: single use (S14) is the replay
        // cache's job, once the handshake chose the ticket (`claimSingleUse`).
        // Expiry is the handshake's check, so that it can say why it declined (S30).
        guard let opened = ring.openTicket(identity) else { return .none }
        return .session(opened.state.makeSession(ticket: identity, sessionIDBytes: TLSSession.sessionID(forTicket: identity),
                                                          contextID: contextID),
                        renew: opened.shouldRenew)
    }

    func claimSingleUse(_ identity: [UInt8], session: TLSSession, now: Date) -> Bool {
        guard let replayCache else { return true }
        return replayCache.claim(identity, until: session.expirationTime, now: now)
    }
}
