import Synchronization

/// A snapshot of a context's session statistics: OpenSSL's `SSL_CTX_sess_*` counters (S30).
///
/// A plain value, so a metrics exporter (swift-metrics, later) can read it on a timer; see
/// `namedValues` for the counters under OpenSSL's names.
public struct SessionCacheStatistics: Sendable, Hashable {
    /// Sessions in the internal cache (`SSL_CTX_sess_number`).
    public var number: Int
    /// The cache's bound, 0 for none (`SSL_CTX_sess_get_cache_size`).
    public var capacity: Int
    /// Client handshakes started (`SSL_CTX_sess_connect`).
    public var connect: Int
    /// Client handshakes finished (`SSL_CTX_sess_connect_good`).
    public var connectGood: Int
    /// Client renegotiations started (`SSL_CTX_sess_connect_renegotiate`): always 0, this library
    /// does not renegotiate.
    public var connectRenegotiate: Int
    /// Server handshakes started (`SSL_CTX_sess_accept`).
    public var accept: Int
    /// Server handshakes finished (`SSL_CTX_sess_accept_good`).
    public var acceptGood: Int
    /// Server renegotiations started (`SSL_CTX_sess_accept_renegotiate`): always 0.
    public var acceptRenegotiate: Int
    /// Sessions resumed, from the internal cache or the get callback / external store
    /// (`SSL_CTX_sess_hits`).
    public var hits: Int
    /// Sessions offered by clients and not found in the internal cache (`SSL_CTX_sess_misses`);
    /// as in OpenSSL, counted only when internal lookup is on, even if the get callback then hits.
    public var misses: Int
    /// Sessions offered by clients and found, internally or externally, but expired
    /// (`SSL_CTX_sess_timeouts`); not counted as hits or misses.
    public var timeouts: Int
    /// Sessions evicted because the cache was full (`SSL_CTX_sess_cache_full`).
    public var cacheFull: Int
    /// Sessions found by the get callback or external store (`SSL_CTX_sess_cb_hits`).
    public var callbackHits: Int
    /// Calls to the get callback or an external store that threw or ran past their time limit;
    /// a lookup among them became a miss (S23; no OpenSSL counterpart).
    public var externalStoreFailures: Int

    /// The counters under OpenSSL's names (`SSL_CTX_sess_<name>`), for a metrics exporter.
    public var namedValues: [(name: String, value: Int)] {
        [
            ("number", number), ("cache_size", capacity),
            ("connect", connect), ("connect_good", connectGood), ("connect_renegotiate", connectRenegotiate),
            ("accept", accept), ("accept_good", acceptGood), ("accept_renegotiate", acceptRenegotiate),
            ("hits", hits), ("misses", misses), ("timeouts", timeouts), ("cache_full", cacheFull),
            ("cb_hits", callbackHits), ("external_store_failures", externalStoreFailures),
        ]
    }
}

/// The live, atomic counters behind `SessionCacheStatistics` (S30): shared by a context's
/// cache, its `SessionCacheCoordinator` and its connections; any thread may increment them.
public final class SessionCacheCounters: Sendable {
    let connect = Atomic<Int>(0)
    let connectGood = Atomic<Int>(0)
    let accept = Atomic<Int>(0)
    let acceptGood = Atomic<Int>(0)
    let hits = Atomic<Int>(0)
    let misses = Atomic<Int>(0)
    let timeouts = Atomic<Int>(0)
    let cacheFull = Atomic<Int>(0)
    let callbackHits = Atomic<Int>(0)
    let externalStoreFailures = Atomic<Int>(0)

    /// Counters all at zero.
    public init() {}

    /// A client handshake started (`SSL_CTX_sess_connect`); the connection calls this.
    func recordConnect() { Self.bump(connect) }
    /// A client handshake finished (`SSL_CTX_sess_connect_good`).
    func recordConnectGood() { Self.bump(connectGood) }
    /// A server handshake started (`SSL_CTX_sess_accept`).
    func recordAccept() { Self.bump(accept) }
    /// A server handshake finished (`SSL_CTX_sess_accept_good`).
    func recordAcceptGood() { Self.bump(acceptGood) }
    /// A session was resumed (`SSL_CTX_sess_hits`). A client resuming a session it offered
    /// counts here too, as in OpenSSL.
    func recordHit() { Self.bump(hits) }

    /// Counts a miss: an offered session the server could not resume (`SSL_CTX_sess_misses`).
    func recordMiss() { Self.bump(misses) }
    func recordTimeout() { Self.bump(timeouts) }
    func recordCacheFull() { Self.bump(cacheFull) }
    func recordCallbackHit() { Self.bump(callbackHits) }
    func recordExternalStoreFailure() { Self.bump(externalStoreFailures) }

    /// The counters now; `number` and `capacity` as given (the cache fills them in).
    public func snapshot(number: Int = 0, capacity: Int = 0) -> SessionCacheStatistics {
        SessionCacheStatistics(
            number: number, capacity: capacity,
            connect: connect.load(ordering: .relaxed), connectGood: connectGood.load(ordering: .relaxed),
            connectRenegotiate: 0,
            accept: accept.load(ordering: .relaxed), acceptGood: acceptGood.load(ordering: .relaxed),
            acceptRenegotiate: 0,
            hits: hits.load(ordering: .relaxed), misses: misses.load(ordering: .relaxed),
            timeouts: timeouts.load(ordering: .relaxed), cacheFull: cacheFull.load(ordering: .relaxed),
            callbackHits: callbackHits.load(ordering: .relaxed),
            externalStoreFailures: externalStoreFailures.load(ordering: .relaxed))
    }

    // Wrapping, so a counter that runs for years never traps.
    private static func bump(_ counter: borrowing Atomic<Int>) {
        counter.wrappingAdd(1, ordering: .relaxed)
    }
}
