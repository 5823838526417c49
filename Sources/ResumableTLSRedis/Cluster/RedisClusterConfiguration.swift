import NIOCore

/// Where a Redis Cluster is (its seeds) and how to talk to its nodes.
public struct RedisClusterConfiguration: Sendable {
    /// Nodes to ask for the slot map, in order; the first that answers `CLUSTER SLOTS` with a
    /// usable map wins. Later refreshes ask the known masters first, then these.
    public var seeds: [RedisClusterNode]
    /// Everything but the address for each master's pool: credentials, TLS, time limits, pool
    /// size and backoff. Its `host` and `port` are replaced by each node's; its `database` is
    /// ignored (a cluster has database 0 only).
    public var node: RedisConfiguration
    /// How many `MOVED` or `ASK` redirections one command follows before it fails with
    /// `RedisClusterError.tooManyRedirections`.
    public var maximumRedirections: Int
    /// The shortest time between two topology refreshes that a failure or `MOVED` asks for; one
    /// refresh at a time runs in any case.
    public var minimumRefreshInterval: TimeAmount

    /// A configuration for the cluster `seeds` with `node`'s settings (by default those of
    /// `RedisConfiguration()`), at most 5 redirections per command and at most one refresh per
    /// 100 ms.
    public init(seeds: [RedisClusterNode], node: RedisConfiguration = RedisConfiguration()) {
        self.seeds = seeds
        self.node = node
        self.maximumRedirections = 5
        self.minimumRefreshInterval = .milliseconds(100)
    }

    /// The configuration of the pool for `node`.
    func configuration(for node: RedisClusterNode) -> RedisConfiguration {
        var configuration = self.node
        configuration.host = node.host
        configuration.port = node.port
        configuration.database = 0
        return configuration
    }
}
