import Foundation
import Testing
import ResumableTLS
@testable import ResumableTLSRedis

/// S14, S25, S27 for stateless tickets across a fleet, with a real `redis-server`: single use
/// through `RedisTicketReplayRegistry`, and shared ticket keys through `RedisTicketKeySource`.
@Suite(.serialized, .timeLimit(.minutes(2))) struct RedisFleetTicketTests {
    /// A server with stateless tickets under `ring`, single use across the fleet through `registry`.
    private func server(ring: TicketKeyRing, registry: (any TicketReplayRegistry)?, clock: any TLSClock = SystemClock(),
                        fleet: UUID = UUID(), timeLimit: Duration = .seconds(10)) throws -> TLSContext {
        var configuration = TLSConfiguration.server(chain: InMemoryHandshake.identity.chain, key: InMemoryHandshake.identity.privateKey)
        configuration.ticketMode = .stateless
        configuration.ticketKeys = ring
        if let registry { configuration.statelessTicketReuse = .singleUseAcrossFleet(registry) }
        // Generous, for a loaded test machine; the fault test bounds it by the command timeout.
        configuration.sessionStoreTimeLimit = timeLimit
        return try TLSContext(configuration, contextID: fleet, clock: clock)
    }

    @Test("S14, S27: a single-use stateless ticket resumes once across three servers; replayed to any of them it gets a full handshake")
    func singleUseAcrossTheFleet() async throws {
        let redis = try await RedisServerProcess.start()
        defer { redis.stop() }
        let ring = try TicketKeyRing(keys: [TicketKey.generate(notBefore: Date().addingTimeInterval(-60))])
        let registries = (0..<3).map { _ in RedisTicketReplayRegistry(sender: redis.client()) }
        let servers = try registries.map { try server(ring: ring, registry: $0) }
        let client = try InMemoryHandshake.client()

        let (first, _) = try await InMemoryHandshake.run(client, servers[0])
        let issued = InMemoryHandshake.tickets(first)
        #expect(issued.count == 2)
        let (resumed, resumedServer) = try await InMemoryHandshake.run(client, servers[1], offering: issued[0])
        #expect(resumed.sessionReused && resumedServer.sessionReused, "sealed on server 0, resumed on server 1")
        for (index, server) in servers.enumerated() {
            let (replayed, replayedServer) = try await InMemoryHandshake.run(client, server, offering: issued[0])
            #expect(!replayed.sessionReused, "a replay to server \(index) is a full handshake")
            #expect(replayedServer.negotiated?.resumption == .declined([.replayed]))
        }
        let (second, _) = try await InMemoryHandshake.run(client, servers[2], offering: issued[1])
        #expect(second.sessionReused, "the other ticket is still unused")
        #expect(registries[1].statistics.firstUses == 1 && registries[2].statistics.firstUses == 1)
        #expect(registries.map(\.statistics.replays).reduce(0, +) == 3)

        // The record lives as long as the ticket could: its PTTL is the ticket's remaining lifetime.
        let probe = redis.client()
        guard case .array(let keys?) = try await probe.send("KEYS", "rtls:used-ticket:*") else {
            Issue.record("KEYS gave no array")
            return
        }
        #expect(keys.count == 2)
        let remaining = issued[0].expirationTime.timeIntervalSinceNow * 1000
        for key in keys.compactMap(\.bytes) {
            guard case .integer(let milliseconds) = try await probe.send([Array("PTTL".utf8), key]) else {
                Issue.record("PTTL gave no integer")
                continue
            }
            // PX is relative: Redis counts it from when it runs the SET, which may trail the
            // server's computation by up to the command timeout (10 s here) on a loaded machine.
            #expect(Double(milliseconds) <= remaining + 10_000 && Double(milliseconds) > remaining - 60_000, "PTTL \(milliseconds), ticket \(remaining)")
        }
    }

    @Test("S29, RFC 8446 §8: a ClientHello with early data replayed to another server of the fleet gets no early data (single use through Redis)")
    func replayedEarlyDataAcrossServers() async throws {
        let redis = try await RedisServerProcess.start()
        defer { redis.stop() }
        let ring = try TicketKeyRing(keys: [TicketKey.generate(notBefore: Date().addingTimeInterval(-60))])
        let servers = try (0..<2).map { _ in
            var configuration = TLSConfiguration.server(chain: InMemoryHandshake.identity.chain, key: InMemoryHandshake.identity.privateKey)
            configuration.ticketKeys = ring
            configuration.statelessTicketReuse = .singleUseAcrossFleet(RedisTicketReplayRegistry(sender: redis.client()))
            configuration.earlyData = EarlyDataConfiguration()
            configuration.sessionStoreTimeLimit = .seconds(10)
            return try TLSContext(configuration)
        }
        let clientContext = try InMemoryHandshake.client()
        let (first, _) = try await InMemoryHandshake.run(clientContext, servers[0])
        let ticket = try #require(InMemoryHandshake.tickets(first).first)
        #expect(ticket.maxEarlyDataSize > 0)
        let client = clientContext.makeConnection()
        try client.offer(ticket)
        try client.startHandshake(earlyData: Array("GET / HTTP/1.1\r\n\r\n".utf8))
        let flight = client.takeOutput()

        func earlyData(_ server: TLSConnection) async throws -> [UInt8] {
            try server.receive(flight)
            if let work = server.takePendingWork() { try server.completePendingWork(await work.run()) }
            var bytes: [UInt8] = []
            while let event = server.nextEvent() { if case .earlyData(let data) = event { bytes += data } }
            return bytes
        }
        #expect(try await earlyData(servers[0].makeConnection()) == Array("GET / HTTP/1.1\r\n\r\n".utf8), "the first server takes it")
        #expect(try await earlyData(servers[1].makeConnection()).isEmpty, "the replay to the other server gets none")
    }

    @Test("S29, RFC 8446 §8.2: with reusable stateless tickets, a ClientHello with early data recorded in Redis gets no early data at another server; Redis down declines early data, not the resumption")
    func sharedClientHelloRecord() async throws {
        let redis = try await RedisServerProcess.start()
        defer { redis.stop() }
        let ring = try TicketKeyRing(keys: [TicketKey.generate(notBefore: Date().addingTimeInterval(-60))])
        let pool = redis.client {
            $0.commandTimeout = .milliseconds(200)
            $0.initialBackoff = .milliseconds(20)
            $0.maximumBackoff = .milliseconds(50)
        }
        let servers = try (0..<2).map { _ in
            var configuration = TLSConfiguration.server(chain: InMemoryHandshake.identity.chain, key: InMemoryHandshake.identity.privateKey)
            configuration.ticketKeys = ring
            configuration.earlyData = EarlyDataConfiguration(sharedClientHelloRecord: RedisTicketReplayRegistry(sender: pool, prefix: "rtls:early-hello"))
            configuration.sessionStoreTimeLimit = .seconds(5)
            return try TLSContext(configuration)
        }
        let clientContext = try InMemoryHandshake.client()
        let (first, _) = try await InMemoryHandshake.run(clientContext, servers[0])
        let ticket = try #require(InMemoryHandshake.tickets(first).first)
        let request = Array("GET / HTTP/1.1\r\n\r\n".utf8)

        func flight() throws -> [UInt8] {
            let client = clientContext.makeConnection()
            try client.offer(ticket)
            try client.startHandshake(earlyData: request)
            return client.takeOutput()
        }
        func deliver(_ bytes: [UInt8], to server: TLSConnection) async throws -> (early: [UInt8], answered: Bool) {
            try server.receive(bytes)
            if let work = server.takePendingWork() { try server.completePendingWork(await work.run()) }
            var early: [UInt8] = []
            while let event = server.nextEvent() { if case .earlyData(let data) = event { early += data } }
            return (early, server.isAwaitingPendingWork == false && !server.takeOutput().isEmpty)
        }
        let captured = try flight()
        #expect(try await deliver(captured, to: servers[0].makeConnection()).early == request, "the first server takes it")
        let replayed = try await deliver(captured, to: servers[1].makeConnection())
        #expect(replayed.early.isEmpty && replayed.answered, "the replay at the other server is answered without early data")
        // Another ClientHello with the same ticket is a new one: its early data is accepted.
        #expect(try await deliver(try flight(), to: servers[1].makeConnection()).early == request)

        redis.stop()
        let down = try await deliver(try flight(), to: servers[0].makeConnection())
        #expect(down.early.isEmpty && down.answered, "no record, no early data; the handshake goes on")
    }

    @Test("S14, S23: a single-use ticket whose use Redis cannot record is not resumed (fails closed), and the handshake completes")
    func singleUseFailsClosed() async throws {
        let redis = try await RedisServerProcess.start()
        let ring = try TicketKeyRing(keys: [TicketKey.generate(notBefore: Date().addingTimeInterval(-60))])
        let registry = RedisTicketReplayRegistry(sender: redis.client {
            $0.commandTimeout = .milliseconds(100)
            $0.initialBackoff = .milliseconds(20)
            $0.maximumBackoff = .milliseconds(50)
        })
        let serverContext = try server(ring: ring, registry: registry, timeLimit: .milliseconds(500))
        let client = try InMemoryHandshake.client()
        let (first, _) = try await InMemoryHandshake.run(client, serverContext)
        let issued = InMemoryHandshake.tickets(first)

        redis.signal(SIGSTOP)
        let started = ContinuousClock.now
        let (hung, hungServer) = try await InMemoryHandshake.run(client, serverContext, offering: issued[0])
        #expect(!hung.sessionReused && hung.state == .closed(error: nil))
        #expect(hungServer.negotiated?.resumption == .declined([.storeUnavailable]))
        #expect(ContinuousClock.now - started < .seconds(2), "bounded by the command timeout")
        redis.signal(SIGCONT)
        redis.stop()
        let (down, downServer) = try await InMemoryHandshake.run(client, serverContext, offering: issued[1])
        #expect(!down.sessionReused && downServer.negotiated?.resumption == .declined([.storeUnavailable]))
        #expect(registry.statistics.timeouts >= 1 && registry.statistics.errors >= 1, "\(registry.statistics)")
        #expect(serverContext.statistics.hits == 0)
    }

    @Test("S25, S27: three servers load their ticket keys from Redis; over two rotations every ticket resumes on every server and each period's key is minted once")
    func ticketKeysThroughRedisAcrossRotations() async throws {
        let redis = try await RedisServerProcess.start()
        defer { redis.stop() }
        let sealingKey = SessionSealingKey.random()
        let rotation: TimeInterval = 600
        // Start just after a period boundary, so the run crosses exactly two.
        let start = (Date().timeIntervalSince1970 / rotation).rounded(.down) * rotation + 1
        let clock = SteppedClock(Date(timeIntervalSince1970: start))
        let sources = (0..<3).map { _ in
            RedisTicketKeySource(sender: redis.client(), sealingKey: sealingKey, rotationInterval: rotation,
                                 maximumTicketLifetime: 1_800, clock: clock)
        }
        var rings: [TicketKeyRing] = []
        for source in sources {
            rings.append(try await TicketKeyRing.loading(from: source, clock: clock, maximumTicketLifetime: 1_800))
        }
        let fleet = UUID()
        let servers = try rings.map { try server(ring: $0, registry: nil, clock: clock, fleet: fleet) }
        let client = try InMemoryHandshake.client()
        var sealingKeys: Set<[UInt8]> = []
        // Ten steps of a quarter period: two rotations, each server reloading every step.
        for step in 0..<10 {
            for ring in rings { try await ring.reload() }
            #expect(Set(rings.map(\.keyNames)).count == 1, "step \(step): every server holds the same keys")
            #expect(Set(rings.map(\.sealingKeyName)).count == 1, "step \(step): and seals with the same one")
            if let name = rings[0].sealingKeyName { sealingKeys.insert(name) }
            for (index, origin) in servers.enumerated() {
                let (made, _) = try await InMemoryHandshake.run(client, origin)
                let ticket = try #require(InMemoryHandshake.tickets(made).first)
                for (other, server) in servers.enumerated() where other != index {
                    let (again, _) = try await InMemoryHandshake.run(client, server, offering: ticket)
                    #expect(again.sessionReused, "step \(step): a ticket of server \(index) resumes on server \(other)")
                }
            }
            clock.advance(by: rotation / 4)
        }
        #expect(sealingKeys.count == 3, "two rotations: three keys sealed in turn")
        // Periods 0…3 relative to the start (each load mints the current and the next): four keys,
        // each minted by exactly one of the three servers.
        #expect(sources.map(\.keysMinted).reduce(0, +) == 4, "\(sources.map(\.keysMinted))")
        guard case .array(let stored?) = try await redis.client().send("KEYS", "{rtls:ticket-key}:*") else {
            Issue.record("KEYS gave no array")
            return
        }
        #expect(stored.count == 4)
        for value in stored.compactMap(\.bytes) {
            guard case .bulkString(let raw?) = try await redis.client().send([Array("GET".utf8), value]) else { continue }
            #expect(raw.count == 12 + TicketKey.nameLength + TicketKey.keyLength + 16, "sealed: nonce, name, key, tag")
        }
    }

    @Test("S14, S25, S27 on a three-master Redis Cluster: ticket keys load from it (one hash slot) and a single-use ticket resumes once across the servers")
    func ticketKeysAndSingleUseOnACluster() async throws {
        let cluster = try await RedisClusterProcess.start()
        defer { cluster.stop() }
        let clients = [cluster.client(), cluster.client(), cluster.client()]
        defer { for client in clients { client.close() } }
        let sealingKey = SessionSealingKey.random()
        let fleet = UUID()
        var servers: [TLSContext] = []
        for client in clients {
            let ring = try await TicketKeyRing.loading(from: RedisTicketKeySource(sender: client, sealingKey: sealingKey))
            servers.append(try server(ring: ring, registry: RedisTicketReplayRegistry(sender: client), fleet: fleet))
        }
        let client = try InMemoryHandshake.client()
        var tickets: [TLSSession] = []
        for server in servers {
            let (made, _) = try await InMemoryHandshake.run(client, server)
            tickets += InMemoryHandshake.tickets(made)
        }
        #expect(tickets.count == 6)
        for (index, ticket) in tickets.enumerated() {
            let (resumed, _) = try await InMemoryHandshake.run(client, servers[(index + 1) % 3], offering: ticket)
            #expect(resumed.sessionReused, "ticket \(index), sealed on server \(index / 2), resumed on server \((index + 1) % 3)")
            let (replayed, replayedServer) = try await InMemoryHandshake.run(client, servers[(index + 2) % 3], offering: ticket)
            #expect(!replayed.sessionReused && replayedServer.negotiated?.resumption == .declined([.replayed]), "ticket \(index) replayed")
        }
        // The use records spread over the masters; the keys share one slot.
        let held = try await cluster.keys()
        let records = held.values.flatMap { $0 }.filter { $0.hasPrefix("rtls:used-ticket:") }
        #expect(records.count == 6)
        #expect(held.values.filter { $0.contains { $0.hasPrefix("rtls:used-ticket:") } }.count >= 2, "\(held.mapValues(\.count))")
        #expect(held.values.filter { $0.contains { $0.hasPrefix("{rtls:ticket-key}:") } }.count == 1, "one master holds every ticket key")
    }
}
