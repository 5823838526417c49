/// What keeps a server's accepted early data from being replayed (S29, RFC 8446 §8).
enum EarlyDataReplayProtection: Sendable {
    /// Each ticket resumes once (stateful tickets, or stateless ones with
    /// `StatelessTicketReuse.singleUse` / `.singleUseAcrossFleet`), so a replayed ClientHello
    /// cannot resume, let alone send early data (§8.1).
    case singleUseTickets
    /// Stateless tickets that resume many times: each ClientHello that sends early data is
    /// recorded, by its binder, for the freshness window (§8.2).
    case clientHelloRecord(StatelessTicketReplayCache)
    /// The same, in a registry the fleet shares (`EarlyDataConfiguration.sharedClientHelloRecord`),
    /// asked asynchronously while the ClientHello's sessions are resolved.
    case sharedClientHelloRecord(any TicketReplayRegistry)
}
