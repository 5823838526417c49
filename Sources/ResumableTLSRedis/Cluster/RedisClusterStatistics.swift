/// What a `RedisClusterClient` has done so far.
public struct RedisClusterStatistics: Sendable, Hashable {
    /// `MOVED` redirections followed (each also updated the slot map).
    public var movedRedirections: Int
    /// `ASK` redirections followed (`ASKING` and the command sent to the importing node).
    public var askRedirections: Int
    /// Slot maps loaded from `CLUSTER SLOTS` (the first one included).
    public var topologyRefreshes: Int
    /// Topology refreshes in which no node answered with a usable slot map.
    public var failedTopologyRefreshes: Int

    /// Redirections of either kind.
    public var redirectionsFollowed: Int { movedRedirections + askRedirections }
}
