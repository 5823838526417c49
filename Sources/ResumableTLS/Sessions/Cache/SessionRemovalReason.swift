/// Why a session left the internal cache: passed to the remove callback with the session
/// (`SSL_CTX_sess_set_remove_cb`, S20). OpenSSL passes no reason; it is given here so an
/// external store can tell, say, an expiry from an unclean shutdown.
public enum SessionRemovalReason: Sendable, Hashable, CustomStringConvertible {
    /// Its timeout passed: found expired on lookup, or removed by a flush (S16, S17).
    case expired
    /// The cache was full and this was the entry closest to expiry (S16; counted as
    /// `cacheFull`, OpenSSL's `SSL_CTX_sess_cache_full`).
    case evicted
    /// Its connection ended without a clean shutdown; it is also marked not resumable (S13).
    case uncleanShutdown
    /// It was resumed and a TLS 1.3 ticket is used once (S14).
    case singleUse
    /// The application removed it (`SSL_CTX_remove_session`, S17).
    case explicit
    /// The context was torn down; every session goes (`SSL_CTX_free`, S17).
    case contextTeardown
    /// The new-session callback answered "not kept" (S19).
    case rejectedByNewCallback
    /// A different session with the same ID was inserted in its place (`SSL_CTX_add_session`
    /// with an existing ID, e.g. a session fetched again from an external store).
    case replaced

    /// The reason's name.
    public var description: String {
        switch self {
        case .expired: "expired"
        case .evicted: "evicted"
        case .uncleanShutdown: "uncleanShutdown"
        case .singleUse: "singleUse"
        case .explicit: "explicit"
        case .contextTeardown: "contextTeardown"
        case .rejectedByNewCallback: "rejectedByNewCallback"
        case .replaced: "replaced"
        }
    }
}
