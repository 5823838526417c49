/// A setting that does nothing in the configuration it is part of (`TLSConfiguration.warnings`):
/// valid, so the context is made, but most likely not what was meant. `TLSContext.init` logs
/// each one at `warning` level through the configuration's logger.
public enum TLSConfigurationWarning: Sendable, Hashable, CustomStringConvertible {
    /// A server with stateless tickets and TLS 1.3 only: tickets carry their sessions, so the
    /// get callback and the session store are never asked, and nothing is stored or removed.
    /// Use `TicketMode.stateful`, or allow TLS 1.2 (whose session IDs use them).
    case lookupNeverAskedWithStatelessTickets
    /// A remove callback on a server whose sessions never enter the internal cache (stateless
    /// TLS 1.3 tickets, TLS 1.3 only, or caching off): it never runs for them.
    case removeCallbackNeverCalled
    /// Caching is off for this side (`sessionCacheMode`): the new callback is never called and
    /// the session store never written (it is still asked, as OpenSSL's get callback is).
    case newSessionsNotReportedWithCachingOff
    /// A get callback on a client: only servers look sessions up (`SSL_CTX_sess_set_get_cb` is
    /// server-only); a client keeps sessions in `clientSessionStore`.
    case lookupCallbackOnClient
    /// Stateful tickets with nowhere to keep the session (no internal store, no session store,
    /// no get callback): every ticket is unknown when it comes back.
    case statefulTicketsCannotResume

    /// One line for the log.
    public var description: String {
        switch self {
        case .lookupNeverAskedWithStatelessTickets:
            return "stateless TLS 1.3 tickets carry their sessions: the get callback and session store are never asked (use ticketMode .stateful, or allow TLS 1.2)"
        case .removeCallbackNeverCalled:
            return "no server session enters the internal cache (stateless TLS 1.3 tickets, or caching off): the remove callback never runs"
        case .newSessionsNotReportedWithCachingOff:
            return "session caching is off for this side: the new callback is never called and the session store never written"
        case .lookupCallbackOnClient:
            return "the get callback is server-only: a client never calls it (use clientSessionStore)"
        case .statefulTicketsCannotResume:
            return "stateful tickets with no internal store, session store or get callback: no ticket can resume"
        }
    }
}
