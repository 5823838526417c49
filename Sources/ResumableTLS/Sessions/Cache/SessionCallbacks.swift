/// The new-session callback's answer: OpenSSL's `new_session_cb` return value (S19).
///
/// **Porting a callback from OpenSSL:** `.notKept` follows the manual page, not OpenSSL's code.
/// The manual says a 0 takes the session out of the internal cache again, and so does this
/// library; OpenSSL's `ssl_update_cache` only drops the extra reference and leaves it cached. A
/// ported callback that returns 0 "because I kept no reference" (the common C idiom) must
/// return `.kept` here, or every stateful session leaves the cache at once and never resumes.
public enum NewSessionDecision: Sendable, Hashable {
    /// The application keeps the session (OpenSSL's 1); in Swift, by holding the reference.
    /// The session stays in the internal cache, if it went in.
    case kept
    /// The application does not want the session cached (OpenSSL's 0): as the manual page and
    /// S19 specify, it is taken out of the internal cache again at once (reported to the remove
    /// callback as `.rejectedByNewCallback`). See the porting note above.
    case notKept
}

/// What the get callback found (`SSL_CTX_sess_set_get_cb`'s return value, S21).
///
/// OpenSSL's `*copy` out-parameter only adjusts a reference count and has no meaning under
/// ARC. As in OpenSSL, a session found by the get callback or the external store goes into
/// the internal cache unless `SessionCacheMode.noInternalStore` is set.
public struct SessionLookupResult: Sendable {
    /// The session to resume.
    public var session: TLSSession
    /// A Swift-only, per-lookup override with no OpenSSL counterpart: false keeps this session
    /// out of the internal cache even when the mode would insert it. True (the default) leaves
    /// the decision to the mode. A single-use resumption (a stateful TLS 1.3 ticket, S14) is
    /// never re-cached either way: the ticket was consumed.
    public var insertIntoInternalCache: Bool

    /// A lookup result; by default the mode decides whether it is cached internally, as in
    /// OpenSSL.
    public init(_ session: TLSSession, insertIntoInternalCache: Bool = true) {
        self.session = session
        self.insertIntoInternalCache = insertIntoInternalCache
    }
}

/// What the get callback is asked (`SSL_CTX_sess_set_get_cb`, S21): the session ID or ticket
/// identity the client proposed, and the connection's details that OpenSSL's callback would
/// read from its `SSL *` (SNI, the offered ALPN protocols, the version, the peer's address).
///
/// A `Sendable` snapshot rather than the `TLSConnection` itself: the lookup is asynchronous
/// and may run on another thread (S23), and a connection is driven from one thread at a time.
public struct SessionLookupRequest: Sendable {
    /// The session ID (TLS 1.2) or ticket identity (a stateful TLS 1.3 ticket) the client
    /// proposed: OpenSSL's `data` and `len`.
    public var sessionID: [UInt8]
    /// The SNI name of the ClientHello (`SSL_get_servername`), if any.
    public var serverName: String?
    /// The ALPN protocols the client offered, in its order (none agreed yet).
    public var offeredApplicationProtocols: [String]
    /// The protocol version this handshake negotiates.
    public var protocolVersion: ProtocolVersion
    /// The peer's address as the driver gave it (`TLSConnection.peerAddress`), if known.
    public var peerAddress: String?
    /// The context the lookup is for (`SSL_get_SSL_CTX`): weakly held by its cache, so nil only
    /// when the context has gone away meanwhile, or for a cache driven outside a context.
    public var context: TLSContext?

    /// A request; the details default to unknown.
    public init(
        sessionID: [UInt8], serverName: String? = nil, offeredApplicationProtocols: [String] = [],
        protocolVersion: ProtocolVersion = .tls13, peerAddress: String? = nil, context: TLSContext? = nil
    ) {
        self.sessionID = sessionID
        self.serverName = serverName
        self.offeredApplicationProtocols = offeredApplicationProtocols
        self.protocolVersion = protocolVersion
        self.peerAddress = peerAddress
        self.context = context
    }
}

/// The application's session callbacks: OpenSSL's `SSL_CTX_sess_set_new_cb`,
/// `SSL_CTX_sess_set_remove_cb` and `SSL_CTX_sess_set_get_cb` as closures (S19–S21). Read back
/// through `SessionCacheCoordinator.callbacks` (the `SSL_CTX_sess_get_new_cb`,
/// `SSL_CTX_sess_get_remove_cb` and `SSL_CTX_sess_get_get_cb` getters, S22).
///
/// Each callback reaches its context without capturing it (which would be a cycle: the context
/// holds its callbacks): `onNew` through `connection.context`, `onRemove` through its context
/// argument, `onLookup` through `request.context`.
public struct SessionCallbacks: Sendable {
    /// Runs once for every new session when caching is on for the side
    /// (`SSL_CTX_sess_set_new_cb`, S19), with the session and the connection that made it (nil
    /// only when the cache is driven directly, outside a connection); its answer says whether the
    /// application keeps the session.
    ///
    /// It runs on the thread driving that connection, in the middle of its work: read the
    /// connection's properties (`negotiated`, `session`, `offeredSession`), do not drive it.
    public var onNew: (@Sendable (TLSSession, TLSConnection?) -> NewSessionDecision)?
    /// Runs for every session the engine removes from its internal cache, with why and the
    /// context (`SSL_CTX_sess_set_remove_cb`, S20). Called outside any cache lock. The context
    /// is nil only while it is being deinitialised (its last sessions go as `.contextTeardown`;
    /// `TLSContext.removeAllSessions()` is the deterministic teardown and passes it) and for a
    /// cache driven outside a context.
    public var onRemove: (@Sendable (TLSSession, SessionRemovalReason, TLSContext?) -> Void)?
    /// Runs on a server when a client offers a session the internal cache does not hold, or when
    /// internal lookup is off, even with caching off (`SSL_CTX_sess_set_get_cb`, S21), with the
    /// proposed ID and the connection's details. May be slow or throw (S23): the coordinator
    /// gives it a time limit and treats a throw or a timeout as "not found". Only asked where
    /// sessions are looked up by ID: TLS 1.2 session IDs, and stateful TLS 1.3 tickets
    /// (`TicketMode.stateful`); a stateless ticket carries its session and asks no one.
    public var onLookup: (@Sendable (SessionLookupRequest) async throws -> SessionLookupResult?)?

    /// Callbacks; none by default.
    public init(
        onNew: (@Sendable (TLSSession, TLSConnection?) -> NewSessionDecision)? = nil,
        onRemove: (@Sendable (TLSSession, SessionRemovalReason, TLSContext?) -> Void)? = nil,
        onLookup: (@Sendable (SessionLookupRequest) async throws -> SessionLookupResult?)? = nil
    ) {
        self.onNew = onNew
        self.onRemove = onRemove
        self.onLookup = onLookup
    }
}
