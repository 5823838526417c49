import Foundation

/// Stateful TLS 1.3 tickets (S26): the ticket is 32 random bytes naming a session kept in the
/// context's session cache (and external store, if any), so the cache modes, bounds and the
/// new / remove / get callbacks apply to TLS 1.3 too. Redeeming takes the session out: each
/// ticket resumes once (S14).
struct StatefulTicketAuthority: ServerTicketAuthority {
    let cache: SessionCacheCoordinator

    var ticketsCarryState: Bool { false }

    func issue(_ make: (_ sessionID: [UInt8], _ ticket: [UInt8]) throws -> TLSSession) throws -> TLSSession {
        let id = HandshakeRandom.bytes(32)
        return try make(id, id)
    }

    func redeem(_ identity: [UInt8], now: Date) -> TicketRedemption {
        guard identity.count == 32 else { return .none }
        switch cache.resumeFromInternalCache(id: identity, singleUse: true, now: now) {
        case .resumed(let session): return .session(session, renew: true)   // taken: single use
        case .fullHandshake: return .none
        case .lookUpExternally(let lookup): return .lookUp(lookup)
        }
    }
}
