import Foundation

/// A configuration made ready to serve many connections: OpenSSL's `SSL_CTX`.
///
/// Built once from a `TLSConfiguration` (checked here, so a connection never meets a bad
/// configuration) and shared by every connection it makes. Later it owns the session cache,
/// ticket keys and statistics.
public final class TLSContext: Sendable {
    /// The configuration this context was built from.
    public let configuration: TLSConfiguration
    /// Where this context and its connections read the time.
    public let clock: any TLSClock
    /// This context's identity: sessions it makes carry it (S5).
    public let contextID = UUID()
    /// Issues and redeems this (server) context's TLS 1.3 tickets.
    let ticketAuthority: any ServerTicketAuthority

    /// A context for `configuration`; throws `invalidState` if the configuration cannot work.
    public convenience init(_ configuration: TLSConfiguration, clock: any TLSClock = SystemClock()) throws {
        try configuration.validate()
        self.init(validated: configuration, clock: clock)
    }

    /// A context for a configuration already checked (tests also use it to build a deliberately
    /// broken server).
    init(validated configuration: TLSConfiguration, clock: any TLSClock = SystemClock()) {
        self.configuration = configuration
        self.clock = clock
        switch configuration.ticketMode {
        case .stateful:
            ticketAuthority = StatefulTicketAuthority()
        case .stateless:
            let ring = configuration.ticketKeys ?? TicketKeyRing(
                clock: clock, maximumTicketLifetime: min(configuration.sessionTimeout, TLSSession.maximumTLS13Lifetime))
            ticketAuthority = StatelessTicketAuthority(ring: ring)
        }
    }

    /// A connection of this context ended uncleanly (S13): its session must not be resumed.
    /// Marking the session not resumable already stops every resumption of it; caches drop it.
    func sessionInvalidated(_ session: TLSSession) {
        ticketAuthority.invalidate(session)
    }

    /// A new connection under this context (`SSL_new`).
    public func makeConnection() -> TLSConnection {
        TLSConnection(context: self)
    }
}
