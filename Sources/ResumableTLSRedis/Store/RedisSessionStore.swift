import CoreMetrics
import Foundation
import ResumableTLS

/// A `SessionStore` in Redis, shared by a fleet of servers (S27): TLS 1.3 stateful tickets and
/// TLS 1.2 session IDs made on one server resume on another.
///
/// - `put` is `SET key value PX ttl`, the TTL being the session's remaining lifetime (S16), so
///   Redis forgets a session when it expires; `get` is `GET`; `take` is `GETDEL`, atomic, so of
///   several servers only one resumes a single-use ticket (S14); `remove` is `DEL`.
/// - The key is `prefix:context:name`, `context` the hex session-ID context (S5) and `name` a
///   keyed hash of the session ID (`SessionSealingKey`); the value is the session's OpenSSL DER
///   encoding with its authentication time, sealed with AES-256-GCM for that key. A Redis dump
///   holds neither session IDs nor resumption secrets.
/// - Sessions read back belong to `contextID` (S5): give the servers' contexts that ID
///   (`TLSContext(_:contextID:clock:)`).
///
/// - It works over one Redis (`RedisClient`) or a Redis Cluster (`RedisClusterClient`): every
///   command names a single key, so each goes to the master of that key's slot and keys need
///   no hash tags. (A command on several keys would need them, `{…}` in `prefix` or the name,
///   to keep its keys in one slot.)
///
/// Every call is bounded by the client's command timeout and throws a `RedisError` when Redis
/// does not answer; the context's session cache turns that into a miss (a full handshake), and
/// a failed `put` only costs a later resumption (S23).
public struct RedisSessionStore: SessionStore {
    /// Where the commands go: a `RedisClient` or a `RedisClusterClient`.
    public let sender: any RedisCommandSender
    /// The Redis connection pool, when the store is on one Redis server; nil over a cluster.
    public var client: RedisClient? { sender as? RedisClient }
    /// What the values are sealed and the keys named with.
    public let key: SessionSealingKey
    /// The context the sessions read back belong to (S5).
    public let contextID: UUID
    /// The first part of every key, to share a Redis between applications.
    public let prefix: String
    /// The session-ID context of the sessions looked up here (S5): a lookup by ID alone finds
    /// only sessions stored under it. Empty by default, like a server without client
    /// authentication (otherwise its `TLSConfiguration.effectiveSessionIDContext`).
    public let sessionIDContext: [UInt8]
    private let clock: any TLSClock
    private let counters: RedisSessionStoreCounters

    /// What the store has done so far: hits, misses, timeouts, errors, puts, dropped puts.
    public var statistics: RedisSessionStoreStatistics { counters.snapshot }

    /// A store on `client`, sealing with `key`, for the context `contextID`, under `prefix`
    /// and `sessionIDContext`; its counters and command latencies go to swift-metrics through
    /// `metricsFactory`, labelled `tls_session_store_…` with `metricsDimensions`.
    public init(client: RedisClient, key: SessionSealingKey, contextID: UUID, prefix: String = "rtls:session",
                sessionIDContext: [UInt8] = [], clock: any TLSClock = SystemClock(),
                metricsDimensions: [(String, String)] = [], metricsFactory: any MetricsFactory = MetricsSystem.factory) {
        self.init(sender: client, key: key, contextID: contextID, prefix: prefix, sessionIDContext: sessionIDContext,
                  clock: clock, metricsDimensions: metricsDimensions, metricsFactory: metricsFactory)
    }

    /// A store whose commands go through `sender`, a `RedisClient` or a `RedisClusterClient`;
    /// the other parameters are those of `init(client:key:contextID:prefix:sessionIDContext:clock:metricsDimensions:metricsFactory:)`.
    public init(sender: any RedisCommandSender, key: SessionSealingKey, contextID: UUID, prefix: String = "rtls:session",
                sessionIDContext: [UInt8] = [], clock: any TLSClock = SystemClock(),
                metricsDimensions: [(String, String)] = [], metricsFactory: any MetricsFactory = MetricsSystem.factory) {
        self.counters = RedisSessionStoreCounters(labelPrefix: "tls_session_store", dimensions: metricsDimensions, factory: metricsFactory)
        self.sender = sender
        self.key = key
        self.contextID = contextID
        self.prefix = prefix
        self.sessionIDContext = sessionIDContext
        self.clock = clock
    }

    /// The Redis key for a session ID in a session-ID context.
    func redisKey(id: [UInt8], sessionIDContext: [UInt8]) -> String {
        "\(prefix):\(sessionIDContext.map { String(format: "%02x", $0) }.joined()):\(key.name(for: id))"
    }

    /// Stores `session` until it expires (`SET … PX`); one without an ID, or already expired, is
    /// not stored.
    public func put(_ session: TLSSession) async throws {
        guard !session.sessionID.isEmpty else { return }
        let milliseconds = Int64((session.expirationTime.timeIntervalSince(clock.now()) * 1000).rounded(.down))
        guard milliseconds > 0 else { return }
        let name = redisKey(id: session.sessionID, sessionIDContext: session.sessionIDContext)
        let value = try key.seal(try StoredSession.encode(session), for: name)
        do {
            _ = try await timed("SET") {
                try await sender.send([Array("SET".utf8), Array(name.utf8), value, Array("PX".utf8), Array(String(milliseconds).utf8)],
                                      key: Array(name.utf8))
            }
            counters.count("puts") { $0.puts += 1 }
        } catch {
            counters.countFailure(error)
            counters.count("dropped_puts") { $0.droppedPuts += 1 }
            throw error
        }
    }

    /// The session stored under `id` (`GET`), or nil.
    public func get(id: [UInt8]) async throws -> TLSSession? {
        try await read("GET", id: id)
    }

    /// The session stored under `id`, removed in the same step (`GETDEL`): one taker wins.
    public func take(id: [UInt8]) async throws -> TLSSession? {
        try await read("GETDEL", id: id)
    }

    /// Forgets the session stored under `id` (`DEL`).
    public func remove(id: [UInt8]) async throws {
        let name = lookupName(for: id)
        do {
            _ = try await timed("DEL") { try await sender.send([Array("DEL".utf8), Array(name.utf8)], key: Array(name.utf8)) }
        } catch {
            counters.countFailure(error)
            throw error
        }
    }

    /// The key a lookup by ID reads: a `SessionStore` is asked by ID alone, so the lookup uses
    /// the session-ID context this store's sessions are made under.
    private func lookupName(for id: [UInt8]) -> String {
        redisKey(id: id, sessionIDContext: sessionIDContext)
    }

    /// Runs a command and records how long it took, answered or not.
    private func timed(_ command: String, _ body: () async throws -> RESPValue) async throws -> RESPValue {
        let start = ContinuousClock.now
        defer { counters.recordLatency(command, ContinuousClock.now - start) }
        return try await body()
    }

    private func read(_ command: String, id: [UInt8]) async throws -> TLSSession? {
        let name = lookupName(for: id)
        let reply: RESPValue
        do {
            reply = try await timed(command) { try await sender.send([Array(command.utf8), Array(name.utf8)], key: Array(name.utf8)) }
        } catch {
            counters.countFailure(error)
            throw error
        }
        switch reply {
        case .bulkString(nil):
            counters.count("misses") { $0.misses += 1 }
            return nil
        case .bulkString(let sealed?):
            // What does not open or decode is not ours (or was tampered with): a miss.
            guard let plaintext = key.open(sealed, for: name),
                  let session = StoredSession.decode(plaintext, contextID: contextID),
                  session.sessionID == id else {
                counters.count("misses") { $0.misses += 1 }
                return nil
            }
            counters.count("hits") { $0.hits += 1 }
            return session
        default:
            counters.count("errors") { $0.errors += 1 }
            throw RedisError.unexpectedReply("\(command) answered \(reply)")
        }
    }
}
