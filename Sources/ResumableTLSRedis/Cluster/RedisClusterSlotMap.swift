/// Which master serves each of a Redis Cluster's 16384 slots, as `CLUSTER SLOTS` reports it.
///
/// The reply is checked element by element: every slot range is an array of at least three
/// entries, its bounds integers within `0..<16384` in order and not overlapping another range,
/// its master an array of at least a host (a bulk string, at most 255 bytes of UTF-8) and a port
/// (an integer in `1...65535`); a master whose endpoint Redis does not know (`?`) leaves its
/// slots unserved. Anything else throws `RedisClusterError.malformedSlotMap`; no
/// reply traps. Replicas are ignored: commands go to masters only. (The RESP parser's bounds
/// come first: a reply of more than 1,024 ranges is refused as a malformed reply.)
public struct RedisClusterSlotMap: Sendable, Hashable {
    /// The most distinct masters a map may name (Redis recommends at most 1,000 nodes).
    public static let maximumNodes = 1_000
    /// The longest host name a node may have.
    static let maximumHostLength = 255
    private static let unassigned = UInt16.max

    /// The masters the map names, in the order the reply first names them.
    public private(set) var nodes: [RedisClusterNode]
    /// For each slot, its master's index in `nodes`, or `unassigned`.
    private var owners: [UInt16]

    /// A map in which no slot is served.
    public init() {
        nodes = []
        owners = Array(repeating: Self.unassigned, count: RedisHashSlot.count)
    }

    /// Parses a `CLUSTER SLOTS` reply that `answeredBy` gave (a master announced with an empty
    /// host is on that node's host, as Redis documents).
    public init(slotsReply reply: RESPValue, answeredBy node: RedisClusterNode) throws(RedisClusterError) {
        self.init()
        guard case .array(let ranges?) = reply else { throw .malformedSlotMap("not an array: \(Self.kind(reply))") }
        guard ranges.count <= RedisHashSlot.count else { throw .malformedSlotMap("\(ranges.count) slot ranges") }
        var indices: [RedisClusterNode: UInt16] = [:]
        for (position, range) in ranges.enumerated() {
            guard case .array(let fields?) = range, fields.count >= 3 else {
                throw .malformedSlotMap("range \(position) is not an array of at least 3 entries")
            }
            let first = try Self.slot(fields[0], "range \(position) start")
            let last = try Self.slot(fields[1], "range \(position) end")
            guard first <= last else { throw .malformedSlotMap("range \(position): \(first) after \(last)") }
            // A master whose endpoint is unknown (`?`) leaves its slots unserved.
            guard let master = try Self.node(fields[2], "range \(position) master", answeredBy: node) else { continue }
            let index: UInt16
            if let known = indices[master] {
                index = known
            } else {
                guard nodes.count < Self.maximumNodes else { throw .malformedSlotMap("more than \(Self.maximumNodes) masters") }
                index = UInt16(nodes.count)
                nodes.append(master)
                indices[master] = index
            }
            for slot in first...last {
                guard owners[slot] == Self.unassigned else { throw .malformedSlotMap("slot \(slot) is in two ranges") }
                owners[slot] = index
            }
        }
    }

    /// The master that serves `slot`; nil if the map names none or `slot` is out of range.
    public func node(forSlot slot: Int) -> RedisClusterNode? {
        guard (0..<RedisHashSlot.count).contains(slot) else { return nil }
        let index = Int(owners[slot])
        return index < nodes.count ? nodes[index] : nil
    }

    /// How many slots have a master.
    public var servedSlotCount: Int {
        owners.reduce(0) { $0 + ($1 == Self.unassigned ? 0 : 1) }
    }

    /// Records that `node` now serves `slot` (what a `MOVED` reply says); false, map unchanged,
    /// if `slot` is out of range or the map already names `maximumNodes` masters.
    @discardableResult
    public mutating func assign(slot: Int, to node: RedisClusterNode) -> Bool {
        guard (0..<RedisHashSlot.count).contains(slot) else { return false }
        if let index = nodes.firstIndex(of: node) {
            owners[slot] = UInt16(index)
            return true
        }
        guard nodes.count < Self.maximumNodes else { return false }
        owners[slot] = UInt16(nodes.count)
        nodes.append(node)
        return true
    }

    private static func slot(_ value: RESPValue, _ what: String) throws(RedisClusterError) -> Int {
        guard case .integer(let number) = value, (0..<Int64(RedisHashSlot.count)).contains(number) else {
            throw .malformedSlotMap("\(what) is not a slot: \(kind(value))")
        }
        return Int(number)
    }

    /// The node `value` names; nil for a node whose endpoint is unknown (`?`).
    private static func node(_ value: RESPValue, _ what: String, answeredBy: RedisClusterNode) throws(RedisClusterError) -> RedisClusterNode? {
        guard case .array(let fields?) = value, fields.count >= 2 else {
            throw .malformedSlotMap("\(what) is not an array of at least host and port")
        }
        guard case .bulkString(let hostBytes?) = fields[0], hostBytes.count <= maximumHostLength,
              case let host = String(decoding: hostBytes, as: UTF8.self), Array(host.utf8) == hostBytes else {
            throw .malformedSlotMap("\(what): the host is not a bulk string of at most \(maximumHostLength) bytes of UTF-8")
        }
        guard case .integer(let port) = fields[1], (1...65_535).contains(port) else {
            throw .malformedSlotMap("\(what): the port is not an integer in 1...65535")
        }
        if host == "?" { return nil }
        return RedisClusterNode(host: host.isEmpty ? answeredBy.host : host, port: Int(port))
    }

    /// What kind of reply `value` is, for error messages (never the payload).
    static func kind(_ value: RESPValue) -> String {
        switch value {
        case .simpleString: return "a simple string"
        case .error(let message): return "an error (\(message.prefix(80)))"
        case .integer: return "an integer"
        case .bulkString(nil): return "a null bulk string"
        case .bulkString: return "a bulk string"
        case .array(nil): return "a null array"
        case .array: return "an array"
        }
    }
}
