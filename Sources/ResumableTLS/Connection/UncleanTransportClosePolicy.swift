/// What a peer's transport close without close_notify, after a completed handshake, does to
/// the connection's session (S13): `TLSConfiguration.uncleanTransportClose`.
public enum UncleanTransportClosePolicy: Sendable, Hashable {
    /// The session stays resumable (the default; BoringSSL's choice). A deliberate deviation
    /// from OpenSSL: close_notify protects application data against truncation (RFC 8446
    /// §6.1), which says nothing against the session's secrets, and HTTP clients and servers
    /// close TCP without it all the time, so poisoning would cost most resumptions.
    case keepSession
    /// The session is marked not resumable and leaves the cache (the remove callback hears of
    /// it as `.uncleanShutdown`), as OpenSSL does (openssl#11378).
    case invalidateSession
}
