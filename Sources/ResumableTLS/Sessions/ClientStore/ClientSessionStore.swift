import Foundation
import Synchronization

/// What a client's sessions are filed under (S28): the server it connects to and what it offers
/// it. A session is offered only to a connection with an equal key.
///
/// OpenSSL's client cache has no such key (applications keep sessions themselves and call
/// `SSL_set_session`); this is the key most clients (curl, browsers) use.
public struct ClientSessionKey: Sendable, Hashable, CustomStringConvertible {
    /// The server name, lower-cased (DNS names are case-insensitive), without a trailing dot.
    public let serverName: String
    /// The server's port.
    public let port: UInt16
    /// The ALPN protocols the client offers, in order; empty for none. A session negotiated for
    /// one protocol list is not offered under another (its ALPN and early-data terms differ).
    public let applicationProtocols: [String]

    /// A key for `serverName:port` offering `applicationProtocols`.
    public init(serverName: String, port: UInt16 = 443, applicationProtocols: [String] = []) {
        var name = serverName.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        self.serverName = name
        self.port = port
        self.applicationProtocols = applicationProtocols
    }

    /// `name:port` with the ALPN list, for logs.
    public var description: String {
        applicationProtocols.isEmpty
            ? "\(serverName):\(port)"
            : "\(serverName):\(port) [\(applicationProtocols.joined(separator: ","))]"
    }
}

/// A client's store of sessions to resume with (S28), bounded, honouring lifetimes (S16) and
/// handing each session out once (S14).
///
/// - Up to `maximumSessionsPerServer` sessions per key (default 8), because a TLS 1.3 server
///   sends several tickets (S10) and each may be used once; inserting one more evicts that
///   key's oldest.
/// - Up to `maximumServers` keys (default 256); a new key beyond that evicts the key used
///   least recently (by `insert` or `take`).
/// - `take(for:now:)` removes and returns the newest usable session, dropping every expired or
///   non-resumable one it finds. A session is usable until `usableUntil(_:)`.
///
/// This is the client half of OpenSSL's session cache (`SSL_SESS_CACHE_CLIENT`), with the
/// application's `SSL_CTX_sess_set_new_cb` / `SSL_set_session` bookkeeping built in.
/// `Sendable`; every operation takes one `Mutex`.
public final class ClientSessionStore: Sendable {
    /// The default number of sessions kept per key.
    public static let defaultMaximumSessionsPerServer = 8
    /// The default number of keys kept.
    public static let defaultMaximumServers = 256

    private struct ServerEntry {
        /// Oldest first.
        var sessions: [TLSSession]
        /// The store's use counter when the key was last inserted into or taken from.
        var lastUsed: UInt64
    }

    private struct State {
        var servers: [ClientSessionKey: ServerEntry] = [:]
        var useCounter: UInt64 = 0
        var sessionCount = 0
    }

    /// The most sessions kept per key.
    public let maximumSessionsPerServer: Int
    /// The most keys kept.
    public let maximumServers: Int

    private let state = Mutex(State())

    /// An empty store. Limits below 1 are taken as 1.
    public init(
        maximumSessionsPerServer: Int = ClientSessionStore.defaultMaximumSessionsPerServer,
        maximumServers: Int = ClientSessionStore.defaultMaximumServers
    ) {
        self.maximumSessionsPerServer = max(1, maximumSessionsPerServer)
        self.maximumServers = max(1, maximumServers)
    }

    /// The last instant `session` may be offered: its `creationTime` plus its `timeout`, and,
    /// when it carries a ticket, plus at most its ticket lifetime. A TLS 1.3 ticket lifetime of
    /// 0 means "discard at once" (RFC 8446 §4.6.1); a TLS 1.2 `ticket_lifetime_hint` of 0 means
    /// "unspecified" (RFC 5077 §3.3) and only the timeout applies.
    public static func usableUntil(_ session: TLSSession) -> Date {
        var lifetime = session.timeout
        if !session.ticket.isEmpty {
            if session.protocolVersion >= .tls13 {
                lifetime = min(lifetime, TimeInterval(session.ticketLifetime))
            } else if session.ticketLifetime > 0 {
                lifetime = min(lifetime, TimeInterval(session.ticketLifetime))
            }
        }
        return session.creationTime.addingTimeInterval(lifetime)
    }

    /// Whether `session` may be offered at `now`: resumable (S6) and not past `usableUntil`.
    public static func isUsable(_ session: TLSSession, at now: Date) -> Bool {
        session.isResumable && now < usableUntil(session)
    }

    /// Files `session` under `key` (what a client does from `SSL_CTX_sess_set_new_cb` for each
    /// ticket, S19). A non-resumable session is not stored (returns false). Evicts the key's
    /// oldest session beyond `maximumSessionsPerServer`, and the least recently used key beyond
    /// `maximumServers`. Storing the same session object twice stores it once.
    @discardableResult
    public func insert(_ session: TLSSession, for key: ClientSessionKey) -> Bool {
        guard session.isResumable else { return false }
        return state.withLock { state in
            state.useCounter &+= 1
            if var entry = state.servers[key] {
                guard !entry.sessions.contains(where: { $0 === session }) else {
                    entry.lastUsed = state.useCounter
                    state.servers[key] = entry
                    return true
                }
                entry.sessions.append(session)
                entry.lastUsed = state.useCounter
                state.sessionCount += 1
                let excess = entry.sessions.count - maximumSessionsPerServer
                if excess > 0 {
                    entry.sessions.removeFirst(excess)
                    state.sessionCount -= excess
                }
                state.servers[key] = entry
                return true
            }
            if state.servers.count >= maximumServers,
                let leastRecent = state.servers.min(by: { $0.value.lastUsed < $1.value.lastUsed })
            {
                state.sessionCount -= leastRecent.value.sessions.count
                state.servers[leastRecent.key] = nil
            }
            state.servers[key] = ServerEntry(sessions: [session], lastUsed: state.useCounter)
            state.sessionCount += 1
            return true
        }
    }

    /// Removes and returns the newest session for `key` that is usable at `now`, or nil
    /// (S14: each session is handed out once). Expired and non-resumable sessions met on the
    /// way are dropped. What the client then passes to its connection (`SSL_set_session`, S11).
    public func take(for key: ClientSessionKey, now: Date) -> TLSSession? {
        state.withLock { state in
            guard var entry = state.servers[key] else { return nil }
            let before = entry.sessions.count
            entry.sessions.removeAll { !Self.isUsable($0, at: now) }
            let taken = entry.sessions.popLast()
            state.sessionCount -= before - entry.sessions.count
            if entry.sessions.isEmpty {
                state.servers[key] = nil
            } else {
                state.useCounter &+= 1
                entry.lastUsed = state.useCounter
                state.servers[key] = entry
            }
            return taken
        }
    }

    /// Removes every session filed under `key`.
    public func removeAll(for key: ClientSessionKey) {
        state.withLock { state in
            if let entry = state.servers.removeValue(forKey: key) { state.sessionCount -= entry.sessions.count }
        }
    }

    /// Removes `session` wherever it is filed (S13: its connection ended uncleanly).
    public func remove(_ session: TLSSession) {
        state.withLock { state in
            for (key, var entry) in state.servers {
                let before = entry.sessions.count
                entry.sessions.removeAll { $0 === session }
                guard entry.sessions.count != before else { continue }
                state.sessionCount -= before - entry.sessions.count
                state.servers[key] = entry.sessions.isEmpty ? nil : entry
            }
        }
    }

    /// Drops every session that is not usable at `now` (`SSL_CTX_flush_sessions` for the
    /// client side, S17).
    public func removeExpired(now: Date) {
        state.withLock { state in
            for (key, var entry) in state.servers {
                let before = entry.sessions.count
                entry.sessions.removeAll { !Self.isUsable($0, at: now) }
                guard entry.sessions.count != before else { continue }
                state.sessionCount -= before - entry.sessions.count
                state.servers[key] = entry.sessions.isEmpty ? nil : entry
            }
        }
    }

    /// Empties the store.
    public func removeAll() {
        state.withLock { $0 = State() }
    }

    /// The number of sessions held (usable or not yet found unusable).
    public var count: Int { state.withLock { $0.sessionCount } }

    /// The number of sessions held for `key`.
    public func count(for key: ClientSessionKey) -> Int {
        state.withLock { $0.servers[key]?.sessions.count ?? 0 }
    }

    /// The number of keys with at least one session.
    public var serverCount: Int { state.withLock { $0.servers.count } }
}
