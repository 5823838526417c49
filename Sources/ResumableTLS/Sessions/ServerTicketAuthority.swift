import Foundation

/// How a server context turns sessions into TLS 1.3 tickets and tickets back into sessions:
/// sealing the state under ticket keys (S24) or storing it under an opaque ID (S26).
protocol ServerTicketAuthority: Sendable {
    /// Makes the ticket for `session` and returns the session carrying it (its `ticket`, and
    /// as `sessionID` the ticket's identity in the cache).
    func issue(_ session: TLSSession, now: Date) throws -> TLSSession
    /// The session `identity` (a ticket a client presents) stands for, or nil: unknown,
    /// undecryptable, tampered, already used. Never throws: a bad ticket only means a full
    /// handshake.
    func redeem(_ identity: [UInt8], now: Date) -> TLSSession?
    /// Forgets `session` if it is held (S13).
    func invalidate(_ session: TLSSession)
}
