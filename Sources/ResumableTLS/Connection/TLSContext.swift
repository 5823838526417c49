import Foundation
import Synchronization

/// A configuration made ready to serve many connections: OpenSSL's `SSL_CTX`.
///
/// Built once from a `TLSConfiguration` (checked here, so a connection never meets a bad
/// configuration) and shared by every connection it makes. Later it owns the session cache,
/// ticket keys and statistics.
public final class TLSContext: Sendable {
    /// The configuration new connections use: the one this context was built from, with the
    /// certificate chain and key of the last `reloadIdentity(chain:key:)`.
    public var configuration: TLSConfiguration { sharedConfiguration.value }
    /// The same, by reference, for the connections' state machines; each connection keeps the
    /// one current when it was made.
    var sharedConfiguration: SharedConfiguration { current.withLock { $0 } }
    private let current: Mutex<SharedConfiguration>
    /// Which side this context plays.
    let role: TLSConfiguration.Role
    /// Where this context and its connections read the time.
    public let clock: any TLSClock
    /// This context's identity (S5): sessions it makes carry it, and a server resumes a session
    /// from its get callback or external store only if it carries it too (OpenSSL: one
    /// `SSL_SESSION`, one `SSL_CTX`). Random unless given at init: give a restarted server the
    /// same ID (and its `DirectorySessionStore`) to resume the sessions it stored before.
    /// Stateless tickets are bound by their ticket keys instead: a ticket that this context's
    /// keys open is re-owned by it. A client's offer (`TLSConnection.offer(_:)`) is not checked:
    /// a client context holds no server state that a foreign session could corrupt, and the
    /// server decides.
    public let contextID: UUID
    /// Issues and redeems this (server) context's TLS 1.3 tickets.
    let ticketAuthority: any ServerTicketAuthority
    /// What keeps this server's accepted early data from being replayed (S29).
    let earlyDataReplay: EarlyDataReplayProtection
    /// The session cache with its mode, callbacks, external store and statistics (S15–S23,
    /// S30). Its `mode`, `callbacks` and `externalStore` are the configured ones, readable back
    /// like `SSL_CTX_sess_get_new_cb` and friends (S22).
    public let sessionCache: SessionCacheCoordinator

    /// A context for `configuration` (`SSL_CTX_new`); throws `invalidState` if the
    /// configuration cannot work, and logs its `warnings` (settings that do nothing) through
    /// its logger.
    /// - Parameters:
    ///   - configuration: what the context's connections do.
    ///   - contextID: the context's identity (S5); give the same one to a restarted server and
    ///     to the `DirectorySessionStore` it reads, so the stored sessions stay its own.
    ///   - clock: where the context reads the time.
    public convenience init(_ configuration: TLSConfiguration, contextID: UUID = UUID(), clock: any TLSClock = SystemClock()) throws {
        try configuration.validate()
        self.init(validated: configuration, contextID: contextID, clock: clock)
        if let logger = configuration.logger {
            for warning in configuration.warnings {
                logger.warning("\(warning)", metadata: ["role": "\(configuration.role)"])
            }
        }
    }

    /// A context for a configuration already checked (tests also use it to build a deliberately
    /// broken server).
    init(validated configuration: TLSConfiguration, contextID: UUID = UUID(), clock: any TLSClock = SystemClock()) {
        self.contextID = contextID
        self.current = Mutex(SharedConfiguration(configuration))
        self.role = configuration.role
        self.clock = clock
        let coordinator = SessionCacheCoordinator(
            mode: configuration.sessionCacheMode, role: configuration.role,
            cacheConfiguration: SessionCacheConfiguration(
                capacity: configuration.sessionCacheSize, defaultTimeout: configuration.sessionTimeout),
            callbacks: configuration.sessionCallbacks, externalStore: configuration.sessionStore,
            externalTimeLimit: configuration.sessionStoreTimeLimit, clock: clock, contextID: contextID)
        sessionCache = coordinator
        switch configuration.ticketMode {
        case .stateful:
            ticketAuthority = StatefulTicketAuthority(cache: coordinator)
            earlyDataReplay = .singleUseTickets
        case .stateless:
            let ring = configuration.ticketKeys ?? TicketKeyRing(
                clock: clock, maximumTicketLifetime: min(configuration.sessionTimeout, TLSSession.maximumTLS13Lifetime))
            var replayCache: StatelessTicketReplayCache?
            var registry: (any TicketReplayRegistry)?
            switch configuration.statelessTicketReuse {
            case .allowed: break
            case .singleUse(let capacity): replayCache = StatelessTicketReplayCache(capacity: capacity)
            case .singleUseAcrossFleet(let shared): registry = shared
            }
            if case .allowed = configuration.statelessTicketReuse {
                if let shared = configuration.earlyData?.sharedClientHelloRecord {
                    earlyDataReplay = .sharedClientHelloRecord(shared)
                } else {
                    let capacity = configuration.earlyData?.replayRecordCapacity ?? 0
                    earlyDataReplay = .clientHelloRecord(StatelessTicketReplayCache(capacity: capacity))
                }
            } else {
                earlyDataReplay = .singleUseTickets
            }
            ticketAuthority = StatelessTicketAuthority(ring: ring, contextID: contextID, replayCache: replayCache,
                                                       sharedReplayRegistry: registry)
        }
        coordinator.attach(to: self)
    }

    deinit {
        // S17: tearing the context down removes every session (and tells the remove callback).
        _ = sessionCache.teardown()
    }

    /// The cache statistics (`SSL_CTX_sess_number`, `SSL_CTX_sess_hits`, …, S30).
    public var statistics: SessionCacheStatistics { sessionCache.statistics }

    /// Removes the sessions expired at `time` from the internal cache
    /// (`SSL_CTX_flush_sessions`, S17); returns how many went.
    @discardableResult
    public func flushSessions(expiredAt time: Date) -> Int {
        sessionCache.flush(now: time)
    }

    /// Removes what the internal cache and the external store hold under `session`'s ID, and
    /// marks it and `session` not resumable (`SSL_CTX_remove_session`, S17, S18): as current
    /// OpenSSL does, the ID decides, so a session read back from a file or store removes the
    /// cached one. Other holders keep their reference.
    public func removeSession(_ session: TLSSession) {
        Self.runInBackground(sessionCache.remove(session))
    }

    /// Removes every session, as tearing the context down does (`SSL_CTX_free`'s effect on the
    /// cache, S17, S20), but deterministically: `deinit` runs only once every connection of the
    /// context (and every closure holding one) is gone, and its remove callbacks get a nil
    /// context, where these get this one.
    @discardableResult
    public func removeAllSessions() -> Int {
        sessionCache.teardown()
    }

    /// A connection of this context ended uncleanly (S13): its session must not be resumed.
    func sessionInvalidated(_ session: TLSSession) {
        Self.runInBackground(sessionCache.invalidate(session, reason: .uncleanShutdown))
    }

    /// A new session was made (a ticket or session ID sent, a ticket received): the cache, the
    /// external store and the new callback learn of it per the mode (S15, S19). A stateless
    /// server ticket carries the session itself: nothing is stored, the new callback still
    /// hears of it when server caching is on.
    func sessionEstablished(_ session: TLSSession, on connection: TLSConnection) {
        if role == .server, ticketAuthority.ticketsCarryState, !session.ticket.isEmpty {
            if sessionCache.mode.isCaching(for: .server), let onNew = sessionCache.callbacks.onNew {
                _ = onNew(session, connection)
            }
            return
        }
        let outcome = sessionCache.sessionEstablished(session, on: connection, now: clock.now())
        Self.runInBackground(outcome.externalStoreWrite)
    }

    /// Runs a store write off the handshake path; its failure only costs a future resumption.
    static func runInBackground(_ work: SessionStoreWork?) {
        guard let work else { return }
        Task { _ = await work.run() }
    }

    /// Replaces the server's certificate chain and private key for the handshakes that start
    /// from now on, atomically (S32): connections already made keep the identity they began
    /// with, and the session cache, external store, callbacks and ticket keys stay, so sessions
    /// made before the reload still resume (the session-ID context does not change). Throws
    /// `invalidState`, leaving the identity as it was, on a client context or when the key does
    /// not match the certificate (like `SSL_CTX_use_certificate_chain_file` and
    /// `SSL_CTX_use_PrivateKey_file` on a live context, then `SSL_CTX_check_private_key`).
    public func reloadIdentity(chain: CertificateChain, key: TLSPrivateKey) throws {
        guard role == .server else { throw TLSError.invalidState("only a server context has an identity to reload") }
        try current.withLock { shared in
            var configuration = shared.value
            configuration.certificateChain = chain
            configuration.privateKey = key
            try configuration.validate()
            shared = SharedConfiguration(configuration)
        }
    }

    /// A new connection under this context (`SSL_new`).
    public func makeConnection() -> TLSConnection {
        TLSConnection(context: self)
    }
}
