import Foundation
import Testing
import ResumableTLS
@testable import ResumableTLSRedis

/// Redis Cluster (issue 18) against a real three-master cluster that each test starts and stops:
/// slots as the cluster computes them, routing, sessions shared by servers over the cluster, and
/// `MOVED` and `ASK` during a slot migration.
@Suite(.serialized, .timeLimit(.minutes(3))) struct RedisClusterTests {
    static let identity = InMemoryHandshake.identity

    /// A server of the fleet `fleet`, storing its stateful tickets in the cluster only.
    private func server(_ cluster: RedisClusterClient, fleet: UUID, key: SessionSealingKey) throws -> TLSContext {
        var configuration = TLSConfiguration.server(chain: Self.identity.chain, key: Self.identity.privateKey)
        configuration.ticketMode = .stateful
        configuration.sessionCacheMode = [.server, .noInternalStore]
        configuration.sessionStore = RedisSessionStore(sender: cluster, key: key, contextID: fleet)
        configuration.sessionStoreTimeLimit = .seconds(2)
        return try TLSContext(configuration, contextID: fleet)
    }

    private func clientContext() throws -> TLSContext { try InMemoryHandshake.client() }

    /// A TLS 1.3 session for `store`'s context, stored with `put`.
    private func storedSession(_ store: RedisSessionStore, id: UInt8) async throws -> TLSSession {
        let session = TLSSession(
            protocolVersion: .tls13, cipherSuite: .tlsAES128GCMSHA256, secret: [UInt8](repeating: 0xA5, count: 32),
            sessionID: [UInt8](repeating: id, count: 32), ticket: [UInt8](repeating: id, count: 32),
            creationTime: Date(), timeout: 300, serverName: "localhost", contextID: store.contextID)
        try await store.put(session)
        return session
    }

    @Test("Every key's slot is the one the cluster computes (CLUSTER KEYSLOT); commands go to the slot's master without redirections")
    func slotsAndRoutingMatchTheCluster() async throws {
        let cluster = try await RedisClusterProcess.start()
        defer { cluster.stop() }
        let port = try #require(cluster.nodes.first?.port)
        var keys = ["{user1000}.following", "{user1000}.followers", "foo{}{bar}", "{}", "{", "}", "", "rtls:session::00ff"]
        keys += (0..<40).map { _ in (0..<Int.random(in: 1...24)).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined() }
        for key in keys {
            let answer = try await cluster.admin(port) { try await $0.send("CLUSTER", "KEYSLOT", key) }
            #expect(answer == .integer(Int64(RedisHashSlot.slot(for: key))), "\(key)")
        }

        let client = cluster.client()
        defer { client.close() }
        for index in 0..<60 {
            #expect(try await client.send("SET", "key:\(index)", "\(index)") == .simpleString("OK"))
        }
        for index in 0..<60 {
            #expect(try await client.send("GET", "key:\(index)") == .bulkString(Array("\(index)".utf8)))
        }
        let map = try #require(client.slotMap)
        #expect(map.servedSlotCount == RedisHashSlot.count && Set(map.nodes.map(\.port)) == Set(cluster.nodes.map(\.port)))
        #expect(client.statistics.redirectionsFollowed == 0 && client.statistics.topologyRefreshes == 1)
        let held = try await cluster.keys()
        #expect(held.values.map(\.count).reduce(0, +) == 60 && held.values.allSatisfy { !$0.isEmpty }, "every master holds some: \(held.mapValues(\.count))")
        // The key given by position or explicitly.
        #expect(try await client.send([Array("GET".utf8), Array("key:7".utf8)], key: Array("key:7".utf8)) == .bulkString(Array("7".utf8)))
        await #expect(throws: RedisClusterError.noKey(3)) { _ = try await client.send([Array("PING".utf8)], keyAt: 3) }
    }

    @Test("S27: sessions made on one server resume on the others through a cluster, their keys on several masters; single use holds")
    func serversShareSessionsThroughTheCluster() async throws {
        let cluster = try await RedisClusterProcess.start()
        defer { cluster.stop() }
        let fleet = UUID()
        let key = SessionSealingKey.random()
        let clients = [cluster.client(), cluster.client(), cluster.client()]
        defer { for client in clients { client.close() } }
        let servers = try clients.map { try server($0, fleet: fleet, key: key) }
        let client = try clientContext()
        var issued: [TLSSession] = []
        for _ in 0..<4 {
            let (connection, _) = try await InMemoryHandshake.run(client, servers[0])
            issued += InMemoryHandshake.tickets(connection)
        }
        #expect(issued.count == 8)
        var held: [Int: [String]] = [:]
        for _ in 0..<200 {
            held = try await cluster.keys()
            if held.values.map(\.count).reduce(0, +) >= 8 { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(held.values.map(\.count).reduce(0, +) == 8)
        #expect(held.values.filter { !$0.isEmpty }.count >= 2, "the sessions' keys are on several masters: \(held.mapValues(\.count))")

        for (index, ticket) in issued.enumerated() {
            let (resumed, serverSide) = try await InMemoryHandshake.run(client, servers[1 + index % 2], offering: ticket)
            #expect(resumed.sessionReused && serverSide.sessionReused, "ticket \(index), made on the first server")
        }
        let (replayed, _) = try await InMemoryHandshake.run(client, servers[0], offering: issued[0])
        #expect(!replayed.sessionReused, "taken once: a replay is a full handshake")
        let statistics = try servers.map { try #require($0.configuration.sessionStore as? RedisSessionStore).statistics }
        #expect(statistics[1].hits + statistics[2].hits == 8 && statistics[0].misses >= 1 && statistics[0].errors == 0)
    }

    @Test("MOVED: after the slot of a stored session moves to another master, the client with its stale map follows the redirection and finds it")
    func movedAfterSlotMigration() async throws {
        let cluster = try await RedisClusterProcess.start()
        defer { cluster.stop() }
        let client = cluster.client()
        defer { client.close() }
        let strict = cluster.client { $0.maximumRedirections = 0 }
        defer { strict.close() }
        let store = RedisSessionStore(sender: client, key: .random(), contextID: UUID())
        let session = try await storedSession(store, id: 0x42)
        #expect(try await store.get(id: session.sessionID)?.secret == session.secret)
        _ = try await strict.send("PING", "x", keyAt: 1)   // loads its map too

        let name = store.redisKey(id: session.sessionID, sessionIDContext: [])
        let slot = RedisHashSlot.slot(for: name)
        let source = try #require(client.slotMap?.node(forSlot: slot)?.port)
        let target = try #require(cluster.nodes.map(\.port).first { $0 != source })
        try await cluster.migrate(slot: slot, key: name, from: source, to: target)

        #expect(client.slotMap?.node(forSlot: slot)?.port == source, "the map is stale")
        #expect(try await store.get(id: session.sessionID)?.secret == session.secret, "found on the new master")
        #expect(client.statistics.movedRedirections == 1 && client.statistics.askRedirections == 0)
        #expect(client.slotMap?.node(forSlot: slot)?.port == target, "MOVED updated the map")
        #expect(try await store.take(id: session.sessionID) != nil)
        #expect(client.statistics.movedRedirections == 1, "no further redirection")
        #expect(try await store.get(id: session.sessionID) == nil)

        // No redirection allowed: the stale map's command fails, bounded, with a typed error.
        await #expect(throws: RedisClusterError.tooManyRedirections(0)) { _ = try await strict.send("GET", name, keyAt: 1) }
        #expect(strict.statistics.redirectionsFollowed == 0)
    }

    @Test("ASK: while a slot migrates, a session already moved is found through ASKING on the importing master; the map is kept")
    func askDuringSlotMigration() async throws {
        let cluster = try await RedisClusterProcess.start()
        defer { cluster.stop() }
        let client = cluster.client()
        defer { client.close() }
        let store = RedisSessionStore(sender: client, key: .random(), contextID: UUID())
        let session = try await storedSession(store, id: 0x17)
        let name = store.redisKey(id: session.sessionID, sessionIDContext: [])
        let slot = RedisHashSlot.slot(for: name)
        let source = try #require(client.slotMap?.node(forSlot: slot)?.port)
        let target = try #require(cluster.nodes.map(\.port).first { $0 != source })
        try await cluster.migrate(slot: slot, key: name, from: source, to: target, finish: false)

        #expect(try await store.get(id: session.sessionID)?.secret == session.secret)
        #expect(try await store.get(id: session.sessionID) != nil)
        #expect(client.statistics.askRedirections == 2 && client.statistics.movedRedirections == 0, "\(client.statistics)")
        #expect(client.slotMap?.node(forSlot: slot)?.port == source, "ASK does not change the map")
        // Without ASKING, the importing master refuses: the flag is what made it answer.
        let refused = try await cluster.admin(target) { try? await $0.send("GET", name) }
        #expect(refused == nil, "MOVED back to the source without ASKING")
    }

    @Test("Seeds: the first that answers CLUSTER SLOTS wins; with none answering, commands fail at once with topologyUnavailable")
    func seedsAndAnUnreachableCluster() async throws {
        let cluster = try await RedisClusterProcess.start()
        defer { cluster.stop() }
        let port = try #require(cluster.nodes.last?.port)
        // A port nothing listens on: the cluster's own first node, stopped below, stands in for it.
        var node = RedisConfiguration()
        node.commandTimeout = .seconds(2)
        let dead = RedisClusterNode(host: "127.0.0.1", port: 1)
        let client = RedisClusterClient(configuration: RedisClusterConfiguration(seeds: [dead, RedisClusterNode(host: "127.0.0.1", port: port)], node: node))
        defer { client.close() }
        #expect(try await client.send("SET", "seeded", "1") == .simpleString("OK"))
        #expect(client.statistics.topologyRefreshes == 1 && client.slotMap?.servedSlotCount == RedisHashSlot.count)

        let unreachable = RedisClusterClient(configuration: RedisClusterConfiguration(seeds: [dead], node: node))
        defer { unreachable.close() }
        let started = ContinuousClock.now
        await #expect(throws: RedisClusterError.topologyUnavailable) { _ = try await unreachable.send("GET", "seeded") }
        await #expect(throws: RedisClusterError.topologyUnavailable) { _ = try await unreachable.send("GET", "seeded") }
        #expect(ContinuousClock.now - started < .seconds(3))
        #expect(unreachable.statistics.failedTopologyRefreshes == 1, "the second command does not ask again within the refresh interval")

        unreachable.close()
        await #expect(throws: RedisClusterError.closed) { _ = try await unreachable.send("GET", "seeded") }
    }
}
