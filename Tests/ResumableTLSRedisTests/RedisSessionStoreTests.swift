import Foundation
import Testing
import ResumableTLS
@testable import ResumableTLSRedis

/// S27 with a real `redis-server` (started and stopped by each test): servers sharing one Redis
/// resume each other's sessions, sealed, with Redis TTLs that follow the sessions' lifetimes,
/// single use across the fleet, and a full handshake (never a failure) when Redis is gone.
@Suite(.serialized, .timeLimit(.minutes(2))) struct RedisSessionStoreTests {
    static let identity: SelfSignedIdentity = {
        do { return try SelfSignedIdentity() } catch { preconditionFailure("cannot make a test identity: \(error)") }
    }()

    /// A server of the fleet `fleet`, storing its stateful tickets in Redis only.
    private func server(_ redis: RedisClient, fleet: UUID, key: SessionSealingKey, timeout: TimeInterval = 7_200) throws -> TLSContext {
        var configuration = TLSConfiguration.server(chain: Self.identity.chain, key: Self.identity.privateKey)
        configuration.ticketMode = .stateful
        configuration.sessionTimeout = timeout
        // Every redemption goes through Redis's atomic GETDEL: single use across the fleet.
        configuration.sessionCacheMode = [.server, .noInternalStore]
        configuration.sessionStore = RedisSessionStore(client: redis, key: key, contextID: fleet)
        configuration.sessionStoreTimeLimit = .seconds(2)
        return try TLSContext(configuration, contextID: fleet)
    }

    private func client() throws -> TLSContext {
        var configuration = TLSConfiguration.client(serverName: "localhost")
        configuration.certificateVerification = .fullVerification(trustRoots: try .certificates([Self.identity.certificateDER]))
        return try TLSContext(configuration)
    }

    private func handshake(_ client: TLSContext, _ server: TLSContext, offering session: TLSSession? = nil) async throws -> (TLSConnection, TLSConnection) {
        try await InMemoryHandshake.run(client, server, offering: session)
    }

    private func tickets(_ connection: TLSConnection) -> [TLSSession] {
        InMemoryHandshake.tickets(connection)
    }

    /// Waits (bounded) until `redis` holds `count` keys: new sessions are written off the handshake.
    private func waitForKeys(_ redis: RedisClient, count: Int) async throws -> [String] {
        for _ in 0..<200 {
            if case .array(let keys?) = try await redis.send("KEYS", "*"), keys.count >= count {
                return keys.compactMap { $0.bytes.map { String(decoding: $0, as: UTF8.self) } }
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return []
    }

    @Test("S27, S14: a ticket made on one server resumes on another once; replayed anywhere it gets a full handshake")
    func fleetResumesOnceAcrossServers() async throws {
        let redis = try await RedisServerProcess.start()
        defer { redis.stop() }
        let fleet = UUID()
        let key = SessionSealingKey.random()
        let (serverA, serverB, serverC) = (try server(redis.client(), fleet: fleet, key: key),
                                           try server(redis.client(), fleet: fleet, key: key),
                                           try server(redis.client(), fleet: fleet, key: key))
        let clientContext = try client()
        let (first, _) = try await handshake(clientContext, serverA)
        let issued = tickets(first)
        #expect(issued.count == 2)
        let probe = redis.client()
        #expect(try await waitForKeys(probe, count: 2).count == 2)

        let (resumed, resumedServer) = try await handshake(clientContext, serverB, offering: issued[0])
        #expect(resumed.sessionReused && resumedServer.sessionReused, "made on A, resumed on B")
        let (replayed, replayedServer) = try await handshake(clientContext, serverC, offering: issued[0])
        #expect(!replayed.sessionReused && !replayedServer.sessionReused, "taken by B: a replay to C is a full handshake")
        let (second, _) = try await handshake(clientContext, serverA, offering: issued[1])
        #expect(second.sessionReused, "the other ticket still resumes, back on A")
        func statistics(_ context: TLSContext) throws -> RedisSessionStoreStatistics {
            try #require(context.configuration.sessionStore as? RedisSessionStore).statistics
        }
        #expect(try statistics(serverB).hits == 1 && statistics(serverC).misses == 1 && statistics(serverA).hits == 1)
        #expect(try statistics(serverA).puts >= 2 && statistics(serverA).droppedPuts == 0)
    }

    @Test("S27: a TLS 1.2 session ID made on one server resumes on the others, again and again")
    func tls12SessionIDsAcrossTheFleet() async throws {
        let redis = try await RedisServerProcess.start()
        defer { redis.stop() }
        let fleet = UUID()
        let key = SessionSealingKey.random()
        func tls12Server() throws -> TLSContext {
            var configuration = TLSConfiguration.server(chain: Self.identity.chain, key: Self.identity.privateKey)
            configuration.maximumVersion = .tls12
            configuration.sessionCacheMode = [.server, .noInternalStore]
            configuration.sessionStore = RedisSessionStore(client: redis.client(), key: key, contextID: fleet)
            configuration.sessionStoreTimeLimit = .seconds(2)
            return try TLSContext(configuration, contextID: fleet)
        }
        let servers = [try tls12Server(), try tls12Server()]
        var clientConfiguration = TLSConfiguration.client(serverName: "localhost")
        clientConfiguration.certificateVerification = .fullVerification(trustRoots: try .certificates([Self.identity.certificateDER]))
        clientConfiguration.tls12SessionTickets = false
        let clientContext = try TLSContext(clientConfiguration)
        let (first, _) = try await handshake(clientContext, servers[0])
        let session = try #require(first.session)
        #expect(session.protocolVersion == .tls12 && session.ticket.isEmpty && session.sessionID.count == 32)
        #expect(try await waitForKeys(redis.client(), count: 1).count == 1)
        for round in 0..<4 {
            let (again, serverSide) = try await handshake(clientContext, servers[round % 2], offering: session)
            #expect(again.sessionReused && serverSide.negotiated?.resumptionMechanism == .sessionID, "round \(round)")
        }
    }

    @Test("S16, S27: the TTL in Redis is the session's remaining lifetime")
    func ttlFollowsTheSessionTimeout() async throws {
        let redis = try await RedisServerProcess.start()
        defer { redis.stop() }
        let serverContext = try server(redis.client(), fleet: UUID(), key: .random(), timeout: 600)
        _ = try await handshake(try client(), serverContext)
        let probe = redis.client()
        let keys = try await waitForKeys(probe, count: 2)
        #expect(keys.count == 2)
        for name in keys {
            guard case .integer(let milliseconds) = try await probe.send("PTTL", name) else {
                Issue.record("PTTL gave no integer")
                continue
            }
            #expect(milliseconds > 590_000 && milliseconds <= 600_000, "PTTL \(milliseconds)")
        }
    }

    @Test("S27: what Redis holds reveals neither the session ID nor the resumption secret, and a value moved to another key does not open")
    func valuesAndKeysAreSealed() async throws {
        let redis = try await RedisServerProcess.start()
        defer { redis.stop() }
        let key = SessionSealingKey.random()
        let fleet = UUID()
        let store = RedisSessionStore(client: redis.client(), key: key, contextID: fleet)
        let session = TLSSession(
            protocolVersion: .tls13, cipherSuite: .tlsAES128GCMSHA256, secret: [UInt8](repeating: 0xA5, count: 32),
            sessionID: [UInt8](repeating: 0x3C, count: 32), ticket: [UInt8](repeating: 0x3C, count: 32),
            creationTime: Date(), timeout: 300, serverName: "localhost", contextID: fleet)
        try await store.put(session)
        let probe = redis.client()
        let keys = try await waitForKeys(probe, count: 1)
        let name = try #require(keys.first)
        let hexID = session.sessionID.map { String(format: "%02x", $0) }.joined()
        #expect(!name.contains(hexID), "the key is a keyed hash, not the session ID")
        guard case .bulkString(let raw?) = try await probe.send("GET", name) else {
            Issue.record("no value")
            return
        }
        #expect(!Self.contains(raw, session.secret), "the resumption secret is not in the clear")
        #expect(!Self.contains(raw, session.sessionID), "the session ID is not in the clear")
        let read = try #require(try await store.get(id: session.sessionID))
        #expect(read.secret == session.secret && read.contextID == fleet)

        // The same bytes under another session's key do not open: a miss, not another session.
        let otherID = [UInt8](repeating: 0x77, count: 32)
        let otherName = store.redisKey(id: otherID, sessionIDContext: [])
        _ = try await probe.send([Array("SET".utf8), Array(otherName.utf8), raw])
        #expect(try await store.get(id: otherID) == nil)
        // Another fleet's key opens nothing.
        let stranger = RedisSessionStore(client: probe, key: .random(), contextID: fleet)
        #expect(try await stranger.get(id: session.sessionID) == nil)
        // take is single use.
        #expect(try await store.take(id: session.sessionID) != nil)
        #expect(try await store.take(id: session.sessionID) == nil)
    }

    @Test("S23: with Redis down, stopped (SIGSTOP) or back again, handshakes never fail and resumption returns")
    func redisFaultsDegradeToFullHandshakes() async throws {
        let redis = try await RedisServerProcess.start()
        defer { redis.stop() }
        let fleet = UUID()
        let key = SessionSealingKey.random()
        let pool = redis.client {
            $0.commandTimeout = .milliseconds(100)
            $0.initialBackoff = .milliseconds(50)
            $0.maximumBackoff = .milliseconds(200)
        }
        let serverContext = try server(pool, fleet: fleet, key: key)
        let clientContext = try client()
        let (first, _) = try await handshake(clientContext, serverContext)
        var issued = tickets(first)
        #expect(try await waitForKeys(redis.client(), count: 2).count == 2)

        // Hung: every lookup is bounded by the command timeout, the handshake is a full one.
        redis.signal(SIGSTOP)
        let started = ContinuousClock.now
        let (hung, hungServer) = try await handshake(clientContext, serverContext, offering: issued.removeFirst())
        #expect(!hung.sessionReused)
        #expect(hungServer.negotiated?.resumption == .declined([.storeUnavailable]))
        #expect(ContinuousClock.now - started < .seconds(2), "bounded by the 100 ms command timeout")
        redis.signal(SIGCONT)

        // Back: after the backoff, the other ticket resumes.
        var resumed = false
        for _ in 0..<50 where !resumed {
            try await Task.sleep(for: .milliseconds(50))
            let ticket = issued[0]
            let (again, _) = try await handshake(clientContext, serverContext, offering: ticket)
            resumed = again.sessionReused
            if !resumed { issued = tickets(again) + issued }   // its fresh tickets, should the old one be gone
        }
        #expect(resumed, "resumption returns once Redis answers again")

        // Gone: connection refused, a full handshake at once.
        redis.stop()
        let (down, _) = try await handshake(clientContext, serverContext, offering: issued.last)
        #expect(!down.sessionReused && down.state == .closed(error: nil))
        let statistics = try #require(serverContext.configuration.sessionStore as? RedisSessionStore).statistics
        #expect(statistics.timeouts >= 1, "the stopped Redis: \(statistics)")
        #expect(statistics.errors >= 1 && statistics.hits >= 1, "\(statistics)")
    }

    @Test func backoffDoublesWithJitterWithinTheBounds() {
        var configuration = RedisConfiguration()
        configuration.initialBackoff = .milliseconds(100)
        configuration.maximumBackoff = .seconds(5)
        for failures in 1...40 {
            let full = min(Int64(5_000_000_000), Int64(100_000_000) << Int64(min(failures - 1, 30)))
            let wait = RedisConnectionSlot.backoff(after: failures, configuration).nanoseconds
            #expect(wait >= full / 2 && wait <= full, "after \(failures): \(wait)")
        }
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { Array(haystack[$0..<($0 + needle.count)]) == needle }
    }
}
