/// A node of a Redis Cluster, as a client reaches it: host and port.
public struct RedisClusterNode: Sendable, Hashable, CustomStringConvertible {
    /// The node's host name or IP address (IPv6 without brackets).
    public var host: String
    /// The node's client port.
    public var port: Int

    /// The node at `host:port`.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `host:port`, IPv6 addresses in brackets.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
