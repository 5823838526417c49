import Foundation
import Synchronization

/// What `SessionCacheCoordinator.sessionEstablished(_:now:)` did with a new session (S19).
public struct NewSessionOutcome: Sendable {
    /// Whether the session is in the internal cache afterwards.
    public var isCachedInternally: Bool
    /// The new-session callback's answer; nil when it did not run (none configured, or caching
    /// off for this side).
    public var decision: NewSessionDecision?
    /// Writing the session to the external store, to be run off the handshake path (the
    /// connection's driver runs it like `TLSPendingWork`); nil when there is no store or caching
    /// is off for this side.
    public var externalStoreWrite: SessionStoreWork?
}

/// A call to an external `SessionStore`, made `Sendable` so a driver can run it on any task.
/// A store that throws or runs past the time limit is counted (`externalStoreFailures`) and
/// otherwise ignored: it never fails a connection (S23).
public struct SessionStoreWork: Sendable {
    let timeLimit: Duration
    let counters: SessionCacheCounters
    let operation: @Sendable () async throws -> Void

    /// Runs the store call; returns whether it finished in time without throwing.
    @discardableResult
    public func run() async -> Bool {
        switch await runWithTimeLimit(timeLimit, operation) {
        case .value: return true
        case .failed, .timedOut:
            counters.recordExternalStoreFailure()
            return false
        }
    }
}

/// The next step of a server's resumption decision after the synchronous internal lookup
/// (`SessionCacheCoordinator.resumeFromInternalCache(id:singleUse:now:)`).
public enum SessionResumptionStep: Sendable {
    /// Resume this session (the handshake still checks context, SNI and cipher suite, S5).
    case resumed(TLSSession)
    /// Nothing to resume: do a full handshake.
    case fullHandshake
    /// Ask the get callback / external store: run the lookup asynchronously (it never throws and
    /// ends within the coordinator's time limit) and resume what it returns, if anything.
    case lookUpExternally(ExternalSessionLookup)
}

/// An asynchronous lookup through the get callback and the external store (S21, S23).
public struct ExternalSessionLookup: Sendable {
    let coordinator: SessionCacheCoordinator
    /// What the get callback is asked: the offered ID and the connection's details.
    public private(set) var request: SessionLookupRequest
    /// The session ID or ticket identity the client offered.
    public var id: [UInt8] { request.sessionID }
    /// Whether the session is consumed (a TLS 1.3 ticket, S14).
    public let singleUse: Bool
    let now: Date

    /// The session to resume, or nil for a full handshake; a slow or failing store is nil.
    public func run() async -> TLSSession? {
        if case .found(let session) = await outcome() { return session }
        return nil
    }

    /// What the lookup found, telling a miss from a store that could not answer.
    func outcome() async -> ExternalLookupOutcome {
        await coordinator.lookUpExternally(request, singleUse: singleUse, now: now)
    }

    /// The same lookup, telling the get callback about the connection that asks (S21).
    func describing(serverName: String?, offeredApplicationProtocols: [String], protocolVersion: ProtocolVersion,
                    peerAddress: String?) -> ExternalSessionLookup {
        var lookup = self
        lookup.request.serverName = serverName
        lookup.request.offeredApplicationProtocols = offeredApplicationProtocols
        lookup.request.protocolVersion = protocolVersion
        lookup.request.peerAddress = peerAddress
        return lookup
    }
}

/// What an external lookup came to (S23): a session, nothing, or no answer from the get
/// callback or store (a throw or a timeout), which the decision log reports as
/// `store_unavailable`.
enum ExternalLookupOutcome: Sendable {
    case found(TLSSession)
    case notFound
    case unavailable
    /// A single-use ticket that a fleet's `TicketReplayRegistry` saw before (S14).
    case replayed
}

/// The context a `SessionCacheCoordinator` belongs to, held weakly (the context owns the
/// coordinator), for the callbacks' context arguments.
final class OwningContextReference: Sendable {
    private struct Weak { weak var context: TLSContext? }
    private let storage = Mutex(Weak())

    var context: TLSContext? { storage.withLock { $0.context } }

    func set(_ context: TLSContext) {
        storage.withLock { $0.context = context }
    }
}

/// A context's session-cache policy: OpenSSL's session cache modes and the new / remove / get
/// callbacks as a façade over the internal `SessionCache` and an optional external
/// `SessionStore` (S15–S23, S30). `TLSContext` owns one; its connections call it at the moments
/// named on each method.
///
/// - Storing (S15, S19): a new session goes into the internal cache when caching is on for
///   this side and `.noInternalStore` is off; then `onNew` runs (caching on for the side); if it
///   answers `.notKept`, the session is taken out of the internal cache again. An external store
///   gets it too (`NewSessionOutcome.externalStoreWrite`).
/// - Resuming (S15, S21, S23): servers only (a client never looks sessions up in a cache, as in
///   OpenSSL). The internal cache is searched unless `.noInternalLookup` or server caching is
///   off; on a miss, or without internal lookup, `onLookup` and then the external store are
///   asked, even with caching off, each under `externalTimeLimit`; a slow or throwing one is a
///   miss. A found session that belongs to another context is refused (S5, `contextID`); one
///   that is accepted goes into the internal cache unless `.noInternalStore` is set, as OpenSSL
///   does (or the result opts out, `SessionLookupResult.insertIntoInternalCache`).
/// - Removing (S13, S17, S20): `invalidate(_:reason:)`, `flush(now:)`, `teardown()`; every
///   removal from the internal cache reaches `onRemove` with its reason.
public final class SessionCacheCoordinator: Sendable {
    /// The cache mode (`SSL_CTX_get_session_cache_mode`, S15).
    public let mode: SessionCacheMode
    /// Which side this context plays; the mode's `.client` / `.server` bit that applies.
    public let role: TLSConfiguration.Role
    /// The configured callbacks (`SSL_CTX_sess_get_new_cb`, `SSL_CTX_sess_get_remove_cb`, `SSL_CTX_sess_get_get_cb`, S22).
    public let callbacks: SessionCallbacks
    /// The configured external store, if any (S22, S23).
    public let externalStore: (any SessionStore)?
    /// How long the get callback or external store may take before it counts as a miss (S23).
    public let externalTimeLimit: Duration
    /// The internal cache (S16–S18).
    public let cache: SessionCache
    /// The statistics counters (S30), shared with `cache`.
    public let counters: SessionCacheCounters
    /// The ID of the context this cache belongs to (`TLSContext.contextID`): sessions found by
    /// the get callback or the external store must carry it (S5). Nil for a coordinator driven
    /// outside a context, which then accepts any.
    public let contextID: UUID?
    private let owner: OwningContextReference

    /// The context this cache belongs to, if it still exists (what `onRemove` and
    /// `SessionLookupRequest.context` receive).
    public var context: TLSContext? { owner.context }

    /// Links the coordinator to the context that owns it (weakly).
    func attach(to context: TLSContext) {
        owner.set(context)
    }

    /// The default time limit for external lookups: 100 ms.
    public static let defaultExternalTimeLimit: Duration = .milliseconds(100)

    /// A coordinator with a new, empty internal cache.
    /// - Parameters:
    ///   - mode: OpenSSL's cache mode; `.noAutoClear` turns off the cache's automatic removal
    ///     of expired sessions.
    ///   - role: the context's side.
    ///   - cacheConfiguration: the internal cache's bound and timeouts.
    ///   - callbacks: the new / remove / get callbacks.
    ///   - externalStore: a store consulted like the get callback (after it) and written like
    ///     the new callback.
    ///   - externalTimeLimit: the time limit for callback and store calls.
    ///   - clock: the time for the cache's `SessionStore` methods.
    ///   - contextID: the owning context's ID, which sessions from outside must carry (S5).
    public init(
        mode: SessionCacheMode = .default,
        role: TLSConfiguration.Role = .server,
        cacheConfiguration: SessionCacheConfiguration = .init(),
        callbacks: SessionCallbacks = .init(),
        externalStore: (any SessionStore)? = nil,
        externalTimeLimit: Duration = SessionCacheCoordinator.defaultExternalTimeLimit,
        clock: any TLSClock = SystemClock(),
        contextID: UUID? = nil
    ) {
        self.mode = mode
        self.contextID = contextID
        self.role = role
        self.callbacks = callbacks
        self.externalStore = externalStore
        self.externalTimeLimit = externalTimeLimit > .zero ? externalTimeLimit : Self.defaultExternalTimeLimit
        let counters = SessionCacheCounters()
        self.counters = counters
        var configuration = cacheConfiguration
        configuration.removesExpiredAutomatically = cacheConfiguration.removesExpiredAutomatically
            && !mode.contains(.noAutoClear)
        let owner = OwningContextReference()
        self.owner = owner
        var observer: (@Sendable (TLSSession, SessionRemovalReason) -> Void)?
        if let onRemove = callbacks.onRemove {
            observer = { session, reason in onRemove(session, reason, owner.context) }
        }
        self.cache = SessionCache(configuration: configuration, counters: counters, clock: clock, removalObserver: observer)
    }

    /// Whether new sessions go into the internal cache: caching on for this side and no
    /// `.noInternalStore` (S15).
    public var storesInternally: Bool {
        mode.isCaching(for: role) && !mode.contains(.noInternalStore)
    }

    /// Whether a server searches the internal cache: server caching on and no
    /// `.noInternalLookup` (S15).
    public var looksUpInternally: Bool {
        role == .server && mode.contains(.server) && !mode.contains(.noInternalLookup)
    }

    /// Whether anything external can be asked for a session (S21).
    public var looksUpExternally: Bool {
        role == .server && (callbacks.onLookup != nil || externalStore != nil)
    }

    /// The timeout to give a session this context makes now (`SSL_CTX_get_timeout`, S16): the
    /// configured default, at most 7 days for TLS 1.3.
    public func timeout(for protocolVersion: ProtocolVersion) -> TimeInterval {
        let timeout = cache.configuration.defaultTimeout
        return protocolVersion >= .tls13 ? min(timeout, TLSSession.maximumTLS13Lifetime) : timeout
    }

    // MARK: The connection's calls

    /// A handshake made a new session (a TLS ≤1.2 handshake, or each TLS 1.3 ticket sent or
    /// received): OpenSSL's `ssl_update_cache` (S15, S19). Stores it internally per the mode, runs
    /// `onNew` with `connection` (the one that made the session, nil when called from outside a
    /// connection) and honours its answer. Synchronous: run `externalStoreWrite` off the handshake.
    @discardableResult
    public func sessionEstablished(_ session: TLSSession, on connection: TLSConnection? = nil, now: Date) -> NewSessionOutcome {
        guard mode.isCaching(for: role) else {
            return NewSessionOutcome(isCachedInternally: false, decision: nil, externalStoreWrite: nil)
        }
        var isCached = false
        if !mode.contains(.noInternalStore) {
            isCached = cache.insert(session, now: now).isCached
        }
        let decision = callbacks.onNew?(session, connection)
        if decision == .notKept && isCached {
            cache.remove(session, reason: .rejectedByNewCallback)
            isCached = false
        }
        let write = externalStore.map { store in
            SessionStoreWork(timeLimit: externalTimeLimit, counters: counters) { try await store.put(session) }
        }
        return NewSessionOutcome(isCachedInternally: isCached, decision: decision, externalStoreWrite: write)
    }

    /// The synchronous part of a server's resumption (S14–S16, S21): the internal lookup. A client
    /// offered `id` (a TLS 1.2 session ID or a stateful TLS 1.3 ticket); `singleUse` takes the
    /// session out of the cache as it is found (S14). Counts hits, misses and timeouts (S30).
    public func resumeFromInternalCache(id: [UInt8], singleUse: Bool, now: Date) -> SessionResumptionStep {
        guard role == .server, !id.isEmpty else { return .fullHandshake }
        if looksUpInternally {
            // For single use the take is the lookup: atomic, so only one concurrent resumer wins.
            let outcome = singleUse ? cache.takeOutcome(id: id, now: now) : cache.lookupOutcome(id: id, now: now)
            switch outcome {
            case .found(let session):
                guard session.isResumable else {
                    // Marked bad (S13) but still cached: drop it (a take already has), resume nothing.
                    if !singleUse { cache.remove(session, reason: .uncleanShutdown) }
                    counters.recordMiss()
                    return .fullHandshake
                }
                counters.recordHit()
                if singleUse, let store = externalStore {
                    // The store's copy of a consumed ticket must not resume it again (S14). Best
                    // effort, after the fact: fleet-wide single use takes from the store itself
                    // (`.noInternalStore`), which is atomic.
                    let work = SessionStoreWork(timeLimit: externalTimeLimit, counters: counters) { try await store.remove(id: id) }
                    Task { await work.run() }
                }
                return .resumed(session)
            case .expired:
                // The cache counted the timeout; an external copy has the same expiry.
                return .fullHandshake
            case .notFound:
                counters.recordMiss()
            }
        }
        guard looksUpExternally else { return .fullHandshake }
        return .lookUpExternally(ExternalSessionLookup(
            coordinator: self, request: SessionLookupRequest(sessionID: id, context: owner.context), singleUse: singleUse, now: now))
    }

    /// A server's whole resumption decision: `resumeFromInternalCache(id:singleUse:now:)`, then,
    /// if it says so, the external lookup. Nil means a full handshake; never throws (S23).
    public func resume(id: [UInt8], singleUse: Bool, now: Date) async -> TLSSession? {
        switch resumeFromInternalCache(id: id, singleUse: singleUse, now: now) {
        case .resumed(let session): return session
        case .fullHandshake: return nil
        case .lookUpExternally(let lookup): return await lookup.run()
        }
    }

    /// Asks `onLookup`, then the external store (`take` when `singleUse`), each under
    /// `externalTimeLimit` (S21, S23). Counts callback hits, hits and timeouts (S30). A session
    /// of another context is refused (S5); an accepted one is cached unless `.noInternalStore`.
    func lookUpExternally(_ request: SessionLookupRequest, singleUse: Bool, now: Date) async -> ExternalLookupOutcome {
        let id = request.sessionID
        var found: SessionLookupResult?
        var failed = false
        if let onLookup = callbacks.onLookup {
            switch await runWithTimeLimit(externalTimeLimit, { try await onLookup(request) }) {
            case .value(let result): found = result
            case .failed, .timedOut:
                counters.recordExternalStoreFailure()
                failed = true
            }
        }
        if found == nil, let store = externalStore {
            let lookup: @Sendable () async throws -> TLSSession? = {
                singleUse ? try await store.take(id: id) : try await store.get(id: id)
            }
            switch await runWithTimeLimit(externalTimeLimit, lookup) {
            case .value(let session): found = session.map { SessionLookupResult($0) }
            case .failed, .timedOut:
                counters.recordExternalStoreFailure()
                failed = true
            }
        }
        guard let found else { return failed ? .unavailable : .notFound }
        counters.recordCallbackHit()
        let session = found.session
        if let contextID, session.contextID != contextID {
            // One session, one context (S5): a store shared by several contexts, or a file
            // imported for another, must not resume here. `copy(ownedBy:)` re-owns one.
            return .notFound
        }
        if session.isExpired(at: now) {
            counters.recordTimeout()
            return .notFound
        }
        guard session.isResumable else { return .notFound }
        // A single-use session was consumed: caching it would let it be resumed again.
        if found.insertIntoInternalCache && !singleUse && !mode.contains(.noInternalStore) {
            cache.insert(session, now: now)
        }
        counters.recordHit()
        return .found(session)
    }

    /// Takes `session` out of the internal cache and marks it not resumable: its connection
    /// ended without a clean shutdown (S13, reason `.uncleanShutdown`), or the application
    /// removed it (`SSL_CTX_remove_session`, S17, reason `.explicit`). Only this very object is
    /// removed (a copy is not in the cache, S3). Returns the matching external-store removal, if
    /// a store is configured, to run off the handshake path.
    @discardableResult
    public func invalidate(_ session: TLSSession, reason: SessionRemovalReason = .uncleanShutdown) -> SessionStoreWork? {
        session.markNotResumable()
        cache.remove(session, reason: reason)
        guard let store = externalStore, session.hasSessionID else { return nil }
        let id = session.sessionID
        return SessionStoreWork(timeLimit: externalTimeLimit, counters: counters) { try await store.remove(id: id) }
    }

    /// Removes `session` on the application's request (`SSL_CTX_remove_session`, S17): as
    /// current OpenSSL does, whatever the cache holds under the session's ID goes (and is marked
    /// not resumable), even when `session` is another object with that ID, such as a session
    /// read back from a store (seed issue 15); `session` itself is marked not resumable too.
    /// Returns the matching external-store removal, if a store is configured.
    @discardableResult
    public func remove(_ session: TLSSession) -> SessionStoreWork? {
        session.markNotResumable()
        if session.hasSessionID, let cached = cache.remove(id: session.sessionID, reason: .explicit) {
            cached.markNotResumable()
        }
        guard let store = externalStore, session.hasSessionID else { return nil }
        let id = session.sessionID
        return SessionStoreWork(timeLimit: externalTimeLimit, counters: counters) { try await store.remove(id: id) }
    }

    /// Removes every session expired at `now` (`SSL_CTX_flush_sessions`, S17); returns how many.
    @discardableResult
    public func flush(now: Date) -> Int {
        cache.flush(expiredAt: now)
    }

    /// The context is going away: removes every session, each reported to `onRemove` as
    /// `.contextTeardown` (`SSL_CTX_free`, S17, S20). External stores are left alone (they
    /// outlive a context). Returns how many went.
    @discardableResult
    public func teardown() -> Int {
        cache.removeAll(reason: .contextTeardown)
    }

    // MARK: Statistics (S30)

    /// The statistics now (`SSL_CTX_sess_*`).
    public var statistics: SessionCacheStatistics { cache.statistics }

    // Counted by the library's connections only, so an application cannot skew them.

    /// A client handshake started (`SSL_CTX_sess_connect`).
    func recordConnect() { counters.recordConnect() }
    /// A client handshake finished (`SSL_CTX_sess_connect_good`).
    func recordConnectGood() { counters.recordConnectGood() }
    /// A server handshake started (`SSL_CTX_sess_accept`).
    func recordAccept() { counters.recordAccept() }
    /// A server handshake finished (`SSL_CTX_sess_accept_good`).
    func recordAcceptGood() { counters.recordAcceptGood() }
    /// A client's offered session was resumed (`SSL_CTX_sess_hits` in client mode).
    func recordClientHit() { counters.recordHit() }
}
