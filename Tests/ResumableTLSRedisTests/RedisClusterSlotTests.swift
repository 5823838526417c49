import Testing
@testable import ResumableTLSRedis

/// Key slots, `CLUSTER SLOTS` parsing and `MOVED`/`ASK` parsing, without a server (the cluster
/// tests check the slots against a real cluster's `CLUSTER KEYSLOT`).
@Suite struct RedisClusterSlotTests {
    @Test("CRC16 (XMODEM) and the slots Redis documents and answers (CLUSTER KEYSLOT on redis-server 7.0)")
    func slotsMatchRedis() {
        #expect(RedisHashSlot.crc16(Array("123456789".utf8)) == 0x31C3)
        let answers: [(String, Int)] = [
            ("foo", 12182), ("bar", 5061), ("somekey", 11058), ("foo{hash_tag}", 2515), ("123456789", 12739),
            ("{user1000}.following", 3443), ("{user1000}.followers", 3443), ("user1000", 3443),
            // An empty tag hashes the whole key; only the first `{` … first `}` after it counts.
            ("{}foo", 9500), ("foo{}{bar}", 8363), ("foo{{bar}}zap", 4015), ("foo{bar}{zap}", 5061),
        ]
        for (key, slot) in answers {
            #expect(RedisHashSlot.slot(for: key) == slot, "\(key)")
        }
        #expect(RedisHashSlot.slot(for: [UInt8]()) == 0)
        #expect(RedisHashSlot.slot(for: "{") == RedisHashSlot.slot(for: Array("{".utf8)))
    }

    private static let answeredBy = RedisClusterNode(host: "10.0.0.9", port: 7000)

    private static func node(_ host: String, _ port: Int64, id: String = "abc") -> RESPValue {
        .array([.bulkString(Array(host.utf8)), .integer(port), .bulkString(Array(id.utf8)), .array([])])
    }

    private static func range(_ first: Int64, _ last: Int64, _ master: RESPValue, replicas: [RESPValue] = []) -> RESPValue {
        .array([.integer(first), .integer(last), master] + replicas)
    }

    @Test("A CLUSTER SLOTS reply becomes a map of every slot to its master; an empty host is the answering node's")
    func parsesSlots() throws {
        let reply = RESPValue.array([
            Self.range(0, 5460, Self.node("127.0.0.1", 7001), replicas: [Self.node("127.0.0.1", 7004)]),
            Self.range(5461, 10922, Self.node("", 7002)),
            Self.range(10923, 16383, Self.node("127.0.0.1", 7003)),
        ])
        let map = try RedisClusterSlotMap(slotsReply: reply, answeredBy: Self.answeredBy)
        #expect(map.servedSlotCount == 16384)
        #expect(map.nodes == [RedisClusterNode(host: "127.0.0.1", port: 7001), RedisClusterNode(host: "10.0.0.9", port: 7002),
                              RedisClusterNode(host: "127.0.0.1", port: 7003)])
        #expect(map.node(forSlot: 0)?.port == 7001 && map.node(forSlot: 5460)?.port == 7001)
        #expect(map.node(forSlot: 5461)?.port == 7002 && map.node(forSlot: 16383)?.port == 7003)
        #expect(map.node(forSlot: -1) == nil && map.node(forSlot: 16384) == nil)

        var moved = map
        let assignedKnown = moved.assign(slot: 3, to: RedisClusterNode(host: "127.0.0.1", port: 7003))
        #expect(assignedKnown)
        #expect(moved.node(forSlot: 3)?.port == 7003 && moved.nodes.count == 3)
        let assignedNew = moved.assign(slot: 4, to: RedisClusterNode(host: "127.0.0.1", port: 7009))
        #expect(assignedNew)
        #expect(moved.node(forSlot: 4)?.port == 7009 && moved.nodes.count == 4)
        let assignedOutOfRange = moved.assign(slot: 16384, to: RedisClusterNode(host: "x", port: 1))
        #expect(!assignedOutOfRange)

        // A master whose endpoint is unknown leaves its slots unserved; the others stand.
        let partial = try RedisClusterSlotMap(slotsReply: .array([
            Self.range(0, 99, Self.node("?", 7001)), Self.range(100, 199, Self.node("127.0.0.1", 7002)),
        ]), answeredBy: Self.answeredBy)
        #expect(partial.servedSlotCount == 100 && partial.node(forSlot: 0) == nil && partial.node(forSlot: 100)?.port == 7002)
        #expect(try RedisClusterSlotMap(slotsReply: .array([]), answeredBy: Self.answeredBy).servedSlotCount == 0)
    }

    @Test("A malformed CLUSTER SLOTS reply throws malformedSlotMap, element by element, and never traps", arguments: [
        RESPValue.error("ERR This instance has cluster support disabled"),
        .array(nil), .bulkString(nil), .integer(3), .simpleString("OK"),
        .array([.integer(0)]),
        .array([.array([.integer(0), .integer(10)])]),
        .array([.array(nil)]),
        .array([.array([.integer(-1), .integer(10), .array([.bulkString(Array("h".utf8)), .integer(1)])])]),
        .array([.array([.integer(0), .integer(16384), .array([.bulkString(Array("h".utf8)), .integer(1)])])]),
        .array([.array([.integer(10), .integer(9), .array([.bulkString(Array("h".utf8)), .integer(1)])])]),
        .array([.array([.bulkString(Array("0".utf8)), .integer(9), .array([.bulkString(Array("h".utf8)), .integer(1)])])]),
        .array([.array([.integer(0), .integer(9), .bulkString(Array("h".utf8))])]),
        .array([.array([.integer(0), .integer(9), .array([.bulkString(Array("h".utf8))])])]),
        .array([.array([.integer(0), .integer(9), .array([.bulkString(nil), .integer(1)])])]),
        .array([.array([.integer(0), .integer(9), .array([.integer(1), .integer(1)])])]),
        .array([.array([.integer(0), .integer(9), .array([.bulkString(Array("h".utf8)), .integer(0)])])]),
        .array([.array([.integer(0), .integer(9), .array([.bulkString(Array("h".utf8)), .integer(65_536)])])]),
        .array([.array([.integer(0), .integer(9), .array([.bulkString(Array("h".utf8)), .bulkString(Array("6379".utf8))])])]),
        .array([.array([.integer(0), .integer(9), .array([.bulkString([0xFF, 0xFE]), .integer(1)])])]),
        .array([.array([.integer(0), .integer(9), .array([.bulkString([UInt8](repeating: 0x61, count: 256)), .integer(1)])])]),
        // Overlapping ranges.
        .array([.array([.integer(0), .integer(9), .array([.bulkString(Array("a".utf8)), .integer(1)])]),
                .array([.integer(9), .integer(20), .array([.bulkString(Array("b".utf8)), .integer(1)])])]),
    ])
    func rejectsMalformedSlots(reply: RESPValue) {
        #expect {
            _ = try RedisClusterSlotMap(slotsReply: reply, answeredBy: Self.answeredBy)
        } throws: { error in
            if case RedisClusterError.malformedSlotMap = error { return true }
            return false
        }
    }

    @Test("More masters than the map allows is malformed")
    func boundsTheMasters() {
        let ranges = (0..<(RedisClusterSlotMap.maximumNodes + 1)).map { index in
            Self.range(Int64(index), Int64(index), Self.node("10.0.0.1", Int64(1000 + index)))
        }
        #expect(throws: RedisClusterError.self) { _ = try RedisClusterSlotMap(slotsReply: .array(ranges), answeredBy: Self.answeredBy) }
    }

    @Test("MOVED and ASK replies name a slot and a node; other errors are not redirections; malformed ones throw")
    func parsesRedirections() throws {
        let moved = try #require(try RedisRedirection(errorMessage: "MOVED 3999 127.0.0.1:6381", answeredBy: Self.answeredBy))
        #expect(moved == RedisRedirection(kind: .moved, slot: 3999, node: RedisClusterNode(host: "127.0.0.1", port: 6381)))
        let ask = try #require(try RedisRedirection(errorMessage: "ASK 12 :6390", answeredBy: Self.answeredBy))
        #expect(ask == RedisRedirection(kind: .ask, slot: 12, node: RedisClusterNode(host: "10.0.0.9", port: 6390)))
        let v6 = try #require(try RedisRedirection(errorMessage: "MOVED 1 [::1]:7000", answeredBy: Self.answeredBy))
        #expect(v6.node == RedisClusterNode(host: "::1", port: 7000) && v6.node.description == "[::1]:7000")
        let bare6 = try #require(try RedisRedirection(errorMessage: "MOVED 1 ::1:7000", answeredBy: Self.answeredBy))
        #expect(bare6.node == RedisClusterNode(host: "::1", port: 7000))
        #expect(try RedisRedirection(errorMessage: "ERR unknown command", answeredBy: Self.answeredBy) == nil)
        #expect(try RedisRedirection(errorMessage: "", answeredBy: Self.answeredBy) == nil)
        #expect(try RedisRedirection(errorMessage: "MOVEDX 1 a:1", answeredBy: Self.answeredBy) == nil)
        for bad in ["MOVED", "MOVED 1", "MOVED 16384 a:1", "MOVED -1 a:1", "MOVED x a:1", "ASK 1 a", "ASK 1 a:0", "ASK 1 a:70000",
                    "ASK 1 ?:7000", "MOVED 1 a:1 extra", "MOVED 99999999999999999999999 a:1"] {
            #expect(throws: RedisClusterError.self, "\(bad)") { _ = try RedisRedirection(errorMessage: bad, answeredBy: Self.answeredBy) }
        }
    }
}
