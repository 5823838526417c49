import Foundation

/// A record of used stateless tickets that several servers share, so that a single-use ticket
/// resumes once across a fleet rather than once per server (S14, S27):
/// `StatelessTicketReuse.singleUseAcrossFleet(_:)`.
///
/// `ResumableTLSRedis`'s `RedisTicketReplayRegistry` keeps it in Redis (`SET … NX PX`). The
/// server asks the registry when a ClientHello presents a ticket that its keys open and that has
/// not expired, before the state machine checks the PSK binder, as the asynchronous step in
/// which it also asks external session stores (S23). So a ClientHello that presents a ticket
/// and then fails the handshake (a wrong binder, another SNI or ALPN) has spent that ticket:
/// single use fails closed. Only a party that saw the ticket on the wire can do that, and it could
/// equally drop the connection.
public protocol TicketReplayRegistry: Sendable {
    /// Records the first use of the ticket whose SHA-256 digest is `ticketDigest`, remembered
    /// until `expiry` (the ticket's own expiry, S16): true when no server recorded it before,
    /// false when it was used already. Throwing, or not answering within the context's
    /// `TLSConfiguration.sessionStoreTimeLimit`, declines the ticket (`store_unavailable`): a
    /// ticket whose single use cannot be checked is not resumed.
    func recordFirstUse(ofTicketDigest ticketDigest: [UInt8], until expiry: Date) async throws -> Bool
}
