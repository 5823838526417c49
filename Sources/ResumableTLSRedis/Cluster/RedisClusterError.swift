/// Why a Redis Cluster command, or the cluster's topology, failed. Like `RedisError`, none of
/// these ever fails a TLS handshake: a store built on the cluster client turns them into misses.
public enum RedisClusterError: Error, Sendable, Hashable {
    /// The reply to `CLUSTER SLOTS` is not a slot map: the reason says which element is wrong.
    case malformedSlotMap(String)
    /// A `MOVED` or `ASK` error reply that does not name a slot and a node.
    case malformedRedirection(String)
    /// No seed and no known node answered `CLUSTER SLOTS` with a usable slot map.
    case topologyUnavailable
    /// The slot map names no node for this slot (the cluster is down, or the slot unassigned).
    case slotNotServed(Int)
    /// The command was redirected (`MOVED`, `ASK`) more times than allowed.
    case tooManyRedirections(Int)
    /// Redirections name more distinct nodes than the client keeps pools for.
    case tooManyNodes
    /// `RedisClusterClient.send(_:keyAt:)` was given a key position with no argument there.
    case noKey(Int)
    /// The client was closed.
    case closed
}
