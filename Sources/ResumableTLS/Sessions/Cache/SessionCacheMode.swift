/// What a context's session cache does: OpenSSL's `SSL_CTX_set_session_cache_mode` flags (S15),
/// with OpenSSL's bit values (`SSL_SESS_CACHE_*`).
///
/// The default is `.server`: a server caches the sessions it makes, a client does not
/// (OpenSSL's default `SSL_SESS_CACHE_SERVER`).
public struct SessionCacheMode: OptionSet, Sendable, Hashable, CustomStringConvertible {
    /// The raw OpenSSL bits.
    public let rawValue: UInt32

    /// A mode from OpenSSL's raw bits (`SSL_SESS_CACHE_*`); unknown bits (such as
    /// `SSL_SESS_CACHE_UPDATE_TIME`) are kept but ignored.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// No caching (`SSL_SESS_CACHE_OFF`, 0). The get callback / external store is still asked
    /// on a server (S21).
    public static let off: SessionCacheMode = []
    /// Client sessions are cached and the new-session callback runs on clients
    /// (`SSL_SESS_CACHE_CLIENT`, 0x0001).
    public static let client = SessionCacheMode(rawValue: 0x0001)
    /// Server sessions are cached and the new-session callback runs on servers
    /// (`SSL_SESS_CACHE_SERVER`, 0x0002). The default.
    public static let server = SessionCacheMode(rawValue: 0x0002)
    /// Both sides (`SSL_SESS_CACHE_BOTH`, 0x0003).
    public static let both: SessionCacheMode = [.client, .server]
    /// Expired sessions are not removed automatically, only by an explicit flush
    /// (`SSL_SESS_CACHE_NO_AUTO_CLEAR`, 0x0080; S17).
    public static let noAutoClear = SessionCacheMode(rawValue: 0x0080)
    /// The internal cache is not searched when a client offers a session; only the get
    /// callback / external store is (`SSL_SESS_CACHE_NO_INTERNAL_LOOKUP`, 0x0100).
    public static let noInternalLookup = SessionCacheMode(rawValue: 0x0100)
    /// New sessions are not put into the internal cache; the new-session callback still runs
    /// (`SSL_SESS_CACHE_NO_INTERNAL_STORE`, 0x0200).
    public static let noInternalStore = SessionCacheMode(rawValue: 0x0200)
    /// Neither internal lookup nor internal store (`SSL_SESS_CACHE_NO_INTERNAL`, 0x0300).
    public static let noInternal: SessionCacheMode = [.noInternalLookup, .noInternalStore]

    /// OpenSSL's default: server caching on, client off (S15).
    public static let `default`: SessionCacheMode = .server

    /// Whether caching is on for a side (`SSL_SESS_CACHE_CLIENT` / `SERVER` set).
    public func isCaching(for role: TLSConfiguration.Role) -> Bool {
        contains(role == .server ? .server : .client)
    }

    /// The set flags by their OpenSSL names.
    public var description: String {
        var names: [String] = []
        if contains(.client) { names.append("client") }
        if contains(.server) { names.append("server") }
        if contains(.noAutoClear) { names.append("noAutoClear") }
        if contains(.noInternalLookup) { names.append("noInternalLookup") }
        if contains(.noInternalStore) { names.append("noInternalStore") }
        return names.isEmpty ? "off" : names.joined(separator: "|")
    }
}
