/// Where sessions are kept, in three verbs (DESIGN: "Storage has three verbs: put, get, take"):
/// the in-memory `SessionCache`, `DirectorySessionStore` and ResumableTLSRedis's `RedisSessionStore`
/// implement it.
///
/// OpenSSL has no such protocol: its internal cache is the hash table behind
/// `SSL_CTX_add_session` / `SSL_CTX_remove_session`, and external caches are reached through the
/// `SSL_CTX_sess_set_new_cb` / `SSL_CTX_sess_set_get_cb` / `SSL_CTX_sess_set_remove_cb` callbacks (S19–S21). Here an external store
/// given to `SessionCacheCoordinator` plays those callbacks' part.
///
/// The verbs are `async` because external stores do I/O (S23); a slow or failing store never
/// fails a connection, the coordinator turns it into a miss (a full handshake). The in-memory
/// cache also has synchronous methods (`SessionCache.insert(_:now:)`,
/// `lookup(id:now:)`, `take(id:now:)`) so the handshake never suspends for it.
public protocol SessionStore: Sendable {
    /// Stores `session` under its `sessionID`, replacing any session with the same ID
    /// (`SSL_CTX_add_session`; the new-session callback's job for an external store, S19).
    func put(_ session: TLSSession) async throws

    /// The live session stored under `id`, or nil (`SSL_CTX_sess_set_get_cb`'s job, S21).
    /// A store may return an expired session; the caller checks expiry.
    func get(id: [UInt8]) async throws -> TLSSession?

    /// Atomically returns and deletes the session stored under `id`: at most one caller ever
    /// gets a given session. For single-use TLS 1.3 tickets (S14, S27).
    func take(id: [UInt8]) async throws -> TLSSession?

    /// Deletes the session stored under `id`, if any (`SSL_CTX_remove_session`, S17).
    func remove(id: [UInt8]) async throws
}
