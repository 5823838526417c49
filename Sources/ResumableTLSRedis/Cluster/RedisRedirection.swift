/// A cluster node's answer that the command's slot is served elsewhere: `-MOVED slot host:port`
/// (for good: the slot map is stale) or `-ASK slot host:port` (this one command, during a slot
/// migration: send `ASKING` and the command to that node, keep the map).
public struct RedisRedirection: Sendable, Hashable {
    /// Which of the two redirections.
    public enum Kind: Sendable, Hashable {
        /// `MOVED`: the slot now belongs to `node`.
        case moved
        /// `ASK`: this command goes to `node`, preceded by `ASKING`.
        case ask
    }

    /// `MOVED` or `ASK`.
    public var kind: Kind
    /// The slot the reply names.
    public var slot: Int
    /// Where to send the command.
    public var node: RedisClusterNode

    /// A redirection of `kind` for `slot` to `node`.
    public init(kind: Kind, slot: Int, node: RedisClusterNode) {
        self.kind = kind
        self.slot = slot
        self.node = node
    }

    /// The redirection an error reply's `message` is; nil if it is not `MOVED` or `ASK`. An
    /// empty host means the host of `answeredBy`, the node that replied (Redis sends `:port`
    /// when a node does not know its own address). A `MOVED`/`ASK` reply that names no usable
    /// slot and node throws `RedisClusterError.malformedRedirection`.
    public init?(errorMessage message: String, answeredBy: RedisClusterNode) throws(RedisClusterError) {
        let words = message.split(separator: " ", omittingEmptySubsequences: true)
        guard let first = words.first else { return nil }
        switch first {
        case "MOVED": kind = .moved
        case "ASK": kind = .ask
        default: return nil
        }
        guard words.count == 3, let slot = Int(words[1]), (0..<RedisHashSlot.count).contains(slot) else {
            throw .malformedRedirection(String(message.prefix(120)))
        }
        let endpoint = words[2]
        guard let colon = endpoint.lastIndex(of: ":"), let port = Int(endpoint[endpoint.index(after: colon)...]),
              (1...65_535).contains(port) else {
            throw .malformedRedirection(String(message.prefix(120)))
        }
        var host = endpoint[..<colon]
        if host.hasPrefix("[") && host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard host != "?", host.utf8.count <= RedisClusterSlotMap.maximumHostLength else {
            throw .malformedRedirection(String(message.prefix(120)))
        }
        self.slot = slot
        self.node = RedisClusterNode(host: host.isEmpty ? answeredBy.host : String(host), port: port)
    }
}
