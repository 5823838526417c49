import Foundation

/// The shape of a context's internal session cache: OpenSSL's `SSL_CTX_sess_set_cache_size`,
/// `SSL_CTX_set_timeout` and the `SSL_SESS_CACHE_NO_AUTO_CLEAR` flag (S16, S17).
/// Out-of-range values are clamped, never trapped on.
public struct SessionCacheConfiguration: Sendable, Hashable {
    /// OpenSSL's default cache size, `SSL_SESSION_CACHE_MAX_SIZE_DEFAULT` (S16).
    public static let defaultCapacity = 20_480
    /// The default session timeout in seconds: 7,200, what OpenSSL and BoringSSL use for TLS (S16).
    public static let defaultSessionTimeout: TimeInterval = 7_200
    /// OpenSSL flushes expired sessions after every 255 good handshakes; we do after every
    /// 255 inserts.
    public static let defaultAutoFlushInterval = 255

    /// The most sessions held at once (`SSL_CTX_sess_set_cache_size`); 0 means no bound, as in
    /// OpenSSL. When full, the entry closest to expiry is evicted (S16).
    public var capacity: Int {
        didSet { capacity = max(0, capacity) }
    }
    /// The timeout given to sessions this context makes (`SSL_CTX_set_timeout`, S16): a context
    /// copies `TLSConfiguration.sessionTimeout` here, which is what its handshakes use, capped at
    /// 7 days for TLS 1.3; `SessionCacheCoordinator.timeout(for:)` reads it back with that cap
    /// (`SSL_CTX_get_timeout`). The cache itself always uses each session's own `timeout`.
    public var defaultTimeout: TimeInterval {
        didSet { defaultTimeout = defaultTimeout.isFinite ? max(0, defaultTimeout) : Self.defaultSessionTimeout }
    }
    /// How many independently locked shards the cache is split into (1...256), so that
    /// concurrent handshakes do not contend on one lock.
    public var shardCount: Int {
        didSet { shardCount = min(256, max(1, shardCount)) }
    }
    /// Expired sessions are flushed after every this many inserts, when
    /// `removesExpiredAutomatically`; 0 turns the periodic flush off.
    public var autoFlushInterval: Int {
        didSet { autoFlushInterval = max(0, autoFlushInterval) }
    }
    /// Whether expired sessions are removed without an explicit flush: on lookup and every
    /// `autoFlushInterval` inserts. False under `SessionCacheMode.noAutoClear` (S15, S17).
    public var removesExpiredAutomatically: Bool

    /// A configuration; the defaults are OpenSSL's.
    public init(
        capacity: Int = Self.defaultCapacity,
        defaultTimeout: TimeInterval = Self.defaultSessionTimeout,
        shardCount: Int = 16,
        autoFlushInterval: Int = Self.defaultAutoFlushInterval,
        removesExpiredAutomatically: Bool = true
    ) {
        self.capacity = max(0, capacity)
        self.defaultTimeout = defaultTimeout.isFinite ? max(0, defaultTimeout) : Self.defaultSessionTimeout
        self.shardCount = min(256, max(1, shardCount))
        self.autoFlushInterval = max(0, autoFlushInterval)
        self.removesExpiredAutomatically = removesExpiredAutomatically
    }
}

/// The earlier name of `SessionCacheConfiguration`.
@available(*, deprecated, renamed: "SessionCacheConfiguration")
public typealias ServerSessionCacheConfiguration = SessionCacheConfiguration
