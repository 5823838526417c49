/// The new-session callback's answer: OpenSSL's `new_session_cb` return value (S19).
public enum NewSessionDecision: Sendable, Hashable {
    /// The application keeps the session (OpenSSL's 1); in Swift, by holding the reference.
    case kept
    /// The application does not keep it (OpenSSL's 0): as S19 specifies, the session is taken
    /// out of the internal cache again at once (reported as `.rejectedByNewCallback`).
    case notKept
}

/// What the get callback found (`SSL_CTX_sess_set_get_cb`'s return value and `copy` flag, S21).
public struct SessionLookupResult: Sendable {
    /// The session to resume.
    public var session: TLSSession
    /// Whether the engine should also put it into the internal cache (OpenSSL's `*copy`, which
    /// OpenSSL presets to 1). Ignored when internal storing is off (`.noInternalStore`, or server
    /// caching off) and for single-use resumptions (a consumed ticket is never re-cached).
    public var insertIntoInternalCache: Bool

    /// A lookup result; by default the session is also cached internally, as in OpenSSL.
    public init(_ session: TLSSession, insertIntoInternalCache: Bool = true) {
        self.session = session
        self.insertIntoInternalCache = insertIntoInternalCache
    }
}

/// The application's session callbacks: OpenSSL's `SSL_CTX_sess_set_new_cb`,
/// `SSL_CTX_sess_set_remove_cb` and `SSL_CTX_sess_set_get_cb` as closures (S19–S21). Read back
/// through `SessionCacheCoordinator.callbacks` (the `SSL_CTX_sess_get_*_cb` getters, S22).
public struct SessionCallbacks: Sendable {
    /// Runs once for every new session when caching is on for the side
    /// (`SSL_CTX_sess_set_new_cb`, S19), with the session and the connection that made it (nil
    /// only when the cache is driven directly, outside a connection); its answer says whether the
    /// application keeps the session.
    ///
    /// It runs on the thread driving that connection, in the middle of its work: read the
    /// connection's properties (`negotiated`, `session`, `offeredSession`), do not drive it.
    public var onNew: (@Sendable (TLSSession, TLSConnection?) -> NewSessionDecision)?
    /// Runs for every session the engine removes from its internal cache, with why
    /// (`SSL_CTX_sess_set_remove_cb`, S20). Called outside any cache lock.
    public var onRemove: (@Sendable (TLSSession, SessionRemovalReason) -> Void)?
    /// Runs on a server when a client offers a session the internal cache does not hold, or when
    /// internal lookup is off, even with caching off (`SSL_CTX_sess_set_get_cb`, S21). May be
    /// slow or throw (S23): the coordinator gives it a time limit and treats a throw or a timeout
    /// as "not found".
    public var onLookup: (@Sendable ([UInt8]) async throws -> SessionLookupResult?)?

    /// Callbacks; none by default.
    public init(
        onNew: (@Sendable (TLSSession, TLSConnection?) -> NewSessionDecision)? = nil,
        onRemove: (@Sendable (TLSSession, SessionRemovalReason) -> Void)? = nil,
        onLookup: (@Sendable ([UInt8]) async throws -> SessionLookupResult?)? = nil
    ) {
        self.onNew = onNew
        self.onRemove = onRemove
        self.onLookup = onLookup
    }
}
