import Foundation
import Synchronization

/// Stateful TLS 1.3 tickets (S26): the ticket is 32 random bytes naming a session kept in the
/// server's memory; redeeming takes it out, so each ticket resumes once (S14).
final class StatefulTicketAuthority: ServerTicketAuthority {
    private let sessions = Mutex<[[UInt8]: TLSSession]>([:])

    func issue(_ session: TLSSession, now: Date) throws -> TLSSession {
        let id = HandshakeRandom.bytes(32)
        let stored = session.replacing(sessionID: id, ticket: id)
        sessions.withLock { $0[id] = stored }
        return stored
    }

    func redeem(_ identity: [UInt8], now: Date) -> TLSSession? {
        guard identity.count == 32 else { return nil }
        return sessions.withLock { $0.removeValue(forKey: identity) }
    }

    func invalidate(_ session: TLSSession) {
        sessions.withLock { _ = $0.removeValue(forKey: session.sessionID) }
    }
}
