import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A Redis Cluster client: one `RedisClient` pool per master, each command sent to the master
/// of its key's hash slot (`RedisHashSlot`) according to a slot map loaded from `CLUSTER SLOTS`.
///
/// - `MOVED slot node`: the slot map is updated for that slot, a refresh of the whole map starts
///   in the background, and the command is sent again to `node`.
/// - `ASK slot node` (a slot being migrated): `ASKING` and the command go to `node` back to back
///   on one connection; the map is left as it is.
/// - At most `maximumRedirections` redirections per command, then
///   `RedisClusterError.tooManyRedirections`.
/// - A node that cannot be reached, times out or drops the connection fails the command (the
///   store makes it a miss) and starts a refresh of the map, in case the cluster failed over.
///
/// The map is loaded on the first command from the seeds, the first to answer winning. Refreshes
/// run one at a time, at most one per `minimumRefreshInterval`, and ask the known masters, then
/// the seeds. Every exchange with a node is bounded by the node configuration's connect and
/// command timeouts, and a node that failed to connect is in backoff like any `RedisClient`'s
/// server, so a command waits at most for `maximumRedirections + 1` commands (plus, for the
/// first command, one `CLUSTER SLOTS` per seed); nothing is queued.
public final class RedisClusterClient: RedisCommandSender {
    /// The seeds and the nodes' settings.
    public let configuration: RedisClusterConfiguration
    private let group: any EventLoopGroup
    private let state = NIOLockedValueBox(State())
    /// How many known masters a refresh asks before the seeds.
    static let mastersAskedPerRefresh = 16

    private struct State {
        var map: RedisClusterSlotMap?
        var pools: [RedisClusterNode: RedisClient] = [:]
        var refresh: Task<RedisClusterSlotMap?, Never>?
        /// When the last refresh ended.
        var lastRefresh: NIODeadline?
        var statistics = RedisClusterStatistics(movedRedirections: 0, askRedirections: 0, topologyRefreshes: 0, failedTopologyRefreshes: 0)
        var closed = false
    }

    /// A client for the cluster `configuration` names; connects lazily, on the first command.
    public init(configuration: RedisClusterConfiguration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.group = group
    }

    /// Redirections followed and topology refreshes so far.
    public var statistics: RedisClusterStatistics { state.withLockedValue { $0.statistics } }

    /// The slot map in use; nil before the first one is loaded.
    public var slotMap: RedisClusterSlotMap? { state.withLockedValue { $0.map } }

    /// Sends one command (`arguments`, the command name first) to the master of `key`'s slot and
    /// returns its reply, following redirections. Throws a `RedisError` (`serverError` for an
    /// error reply other than a redirection) or a `RedisClusterError`.
    public func send(_ arguments: [[UInt8]], key: [UInt8]) async throws -> RESPValue {
        try await send(arguments, slot: RedisHashSlot.slot(for: key))
    }

    /// Sends one command whose key is `arguments[position]` (usually 1, after the command
    /// name); throws `RedisClusterError.noKey` if there is no such argument.
    public func send(_ arguments: [[UInt8]], keyAt position: Int) async throws -> RESPValue {
        guard arguments.indices.contains(position) else { throw RedisClusterError.noKey(position) }
        return try await send(arguments, slot: RedisHashSlot.slot(for: arguments[position]))
    }

    /// Sends a command given as strings, its key at `keyAt`.
    public func send(_ arguments: String..., keyAt position: Int = 1) async throws -> RESPValue {
        try await send(arguments.map { Array($0.utf8) }, keyAt: position)
    }

    /// Reloads the slot map now (unless a refresh already runs, whose result this returns, or
    /// one ended less than `minimumRefreshInterval` ago); nil if no node answered.
    @discardableResult
    public func refreshTopology() async -> RedisClusterSlotMap? {
        guard let refresh = startRefresh() else { return slotMap }
        return await refresh.value
    }

    /// Closes every pool; later commands fail with `RedisClusterError.closed`.
    public func close() {
        let (pools, refresh) = state.withLockedValue { state in
            defer {
                state.closed = true
                state.pools = [:]
                state.refresh = nil
            }
            return (Array(state.pools.values), state.refresh)
        }
        refresh?.cancel()
        for pool in pools { pool.close() }
    }

    /// Sends `arguments` for `slot`, following at most `maximumRedirections` redirections.
    func send(_ arguments: [[UInt8]], slot: Int) async throws -> RESPValue {
        // Where a redirection sends the command next, and whether with ASKING.
        var redirected: (node: RedisClusterNode, asking: Bool)?
        let maximum = max(0, configuration.maximumRedirections)
        for attempt in 0...maximum {
            let node: RedisClusterNode
            if let redirected {
                node = redirected.node
            } else {
                node = try await master(forSlot: slot)
            }
            let pool = try pool(for: node)
            do {
                if redirected?.asking == true {
                    return try await pool.sendAsking(arguments)
                }
                return try await pool.send(arguments)
            } catch RedisError.serverError(let message) {
                guard let redirection = try RedisRedirection(errorMessage: message, answeredBy: node) else {
                    throw RedisError.serverError(message)
                }
                guard attempt < maximum else { break }
                follow(redirection)
                redirected = (redirection.node, redirection.kind == .ask)
            } catch let error as RedisError {
                switch error {
                case .connectFailed, .unavailable, .connectionClosed, .commandTimedOut:
                    // The node may be gone (a failover): the map may be stale.
                    _ = startRefresh()
                default:
                    break
                }
                throw error
            }
        }
        throw RedisClusterError.tooManyRedirections(maximum)
    }

    /// Records a redirection; a `MOVED` also updates the map and starts a refresh.
    private func follow(_ redirection: RedisRedirection) {
        state.withLockedValue { state in
            switch redirection.kind {
            case .moved:
                state.statistics.movedRedirections += 1
                state.map?.assign(slot: redirection.slot, to: redirection.node)
            case .ask:
                state.statistics.askRedirections += 1
            }
        }
        if redirection.kind == .moved { _ = startRefresh() }
    }

    /// The master of `slot`, loading the map first if there is none yet.
    private func master(forSlot slot: Int) async throws -> RedisClusterNode {
        let current: RedisClusterSlotMap? = try state.withLockedValue { state in
            if state.closed { throw RedisClusterError.closed }
            return state.map
        }
        var map = current
        if map == nil, let refresh = startRefresh() {
            map = await refresh.value
        }
        guard let map else { throw RedisClusterError.topologyUnavailable }
        guard let node = map.node(forSlot: slot) else {
            _ = startRefresh()
            throw RedisClusterError.slotNotServed(slot)
        }
        return node
    }

    /// The pool for `node`, made if needed.
    private func pool(for node: RedisClusterNode) throws -> RedisClient {
        try state.withLockedValue { state in
            if state.closed { throw RedisClusterError.closed }
            if let pool = state.pools[node] { return pool }
            guard state.pools.count < RedisClusterSlotMap.maximumNodes + configuration.seeds.count else {
                throw RedisClusterError.tooManyNodes
            }
            let pool = RedisClient(configuration: configuration.configuration(for: node), group: group)
            state.pools[node] = pool
            return pool
        }
    }

    /// The running refresh, or a new one; nil when closed, or when the last refresh ended less
    /// than `minimumRefreshInterval` ago.
    private func startRefresh() -> Task<RedisClusterSlotMap?, Never>? {
        state.withLockedValue { state in
            if state.closed { return nil }
            if let running = state.refresh { return running }
            if let last = state.lastRefresh, NIODeadline.now() < last + configuration.minimumRefreshInterval { return nil }
            var candidates: [RedisClusterNode] = []
            for node in (state.map?.nodes.prefix(Self.mastersAskedPerRefresh) ?? []) + configuration.seeds where !candidates.contains(node) {
                candidates.append(node)
            }
            let refresh = Task { await self.loadSlotMap(asking: candidates) }
            state.refresh = refresh
            return refresh
        }
    }

    /// Asks `candidates` in order for `CLUSTER SLOTS`; installs and returns the first usable map.
    private func loadSlotMap(asking candidates: [RedisClusterNode]) async -> RedisClusterSlotMap? {
        for node in candidates where !Task.isCancelled {
            guard let pool = try? pool(for: node) else { break }
            do {
                let reply = try await pool.send([Array("CLUSTER".utf8), Array("SLOTS".utf8)])
                let map = try RedisClusterSlotMap(slotsReply: reply, answeredBy: node)
                guard map.servedSlotCount > 0 else { continue }
                install(map)
                return map
            } catch {
                continue
            }
        }
        state.withLockedValue { state in
            state.refresh = nil
            state.lastRefresh = .now()
            state.statistics.failedTopologyRefreshes += 1
        }
        return nil
    }

    /// Makes `map` the one in use and closes the pools of nodes that are neither its masters
    /// nor seeds.
    private func install(_ map: RedisClusterSlotMap) {
        let unused: [RedisClient] = state.withLockedValue { state in
            state.refresh = nil
            state.lastRefresh = .now()
            state.statistics.topologyRefreshes += 1
            guard !state.closed else { return [] }
            state.map = map
            let kept = Set(map.nodes).union(configuration.seeds)
            let unused = state.pools.filter { !kept.contains($0.key) }
            for node in unused.keys { state.pools[node] = nil }
            return Array(unused.values)
        }
        for pool in unused { pool.close() }
    }
}
