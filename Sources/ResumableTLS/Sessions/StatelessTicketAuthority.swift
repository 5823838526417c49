import Crypto
import Foundation

/// Stateless TLS 1.3 tickets (S24): the ticket is the session state sealed under the
/// context's `TicketKeyRing` (S25); the server keeps nothing.
///
/// The ring is the context binding: a ticket opens only under the keys that sealed it, so a
/// context with its own keys never resumes another's tickets (S5), and a fleet that shares a
/// key file deliberately shares its sessions. The session-ID context, SNI and ALPN checks of
/// the handshake apply on top.
struct StatelessTicketAuthority: ServerTicketAuthority {
    let ring: TicketKeyRing

    func issue(_ session: TLSSession, now: Date) throws -> TLSSession {
        let ticket = try ring.seal(session: session)
        // As OpenSSL's client does, name the session by a hash of its ticket.
        let id = SHA256.hash(data: ticket).withUnsafeBytes { Array($0) }
        return session.replacing(sessionID: id, ticket: ticket)
    }

    func redeem(_ identity: [UInt8], now: Date) -> TLSSession? {
        guard let state = ring.open(identity), !state.isExpired(at: now) else { return nil }
        return state.makeSession(ticket: identity, sessionID: SHA256.hash(data: identity).withUnsafeBytes { Array($0) })
    }

    func invalidate(_ session: TLSSession) {
        // Nothing is stored; `markNotResumable()` on the object is all there is. A copy of the
        // same ticket presented again still opens: single use for stateless tickets needs a
        // replay cache (S14's policy), which stateful tickets provide.
    }
}
