import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A bounded pool of pipelined connections to one Redis server: `send` picks the next
/// connection round-robin, making it when needed. A failed connection attempt puts its slot
/// in backoff (exponential, with jitter): until the backoff passes, commands on that slot fail
/// at once with `RedisError.unavailable` instead of waiting, so a dead Redis costs a caller
/// nothing but a miss. Connections that break are replaced on their next use.
public final class RedisClient: Sendable {
    /// The server and the pool's policy.
    public let configuration: RedisConfiguration
    private let group: any EventLoopGroup
    private let slots: [RedisConnectionSlot]
    private let nextSlot = NIOLockedValueBox(0)

    /// A client for `configuration`'s server; connects lazily, on the first commands.
    public init(configuration: RedisConfiguration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.group = group
        self.slots = (0..<max(1, configuration.poolSize)).map { _ in RedisConnectionSlot() }
    }

    /// Sends one command (`arguments`, the command name first) and returns its reply. Throws a
    /// `RedisError`: `serverError` for an error reply; the others when no reply came.
    public func send(_ arguments: [[UInt8]]) async throws -> RESPValue {
        try await withConnection { try await $0.send(arguments) }
    }

    /// Sends `ASKING` and then `arguments` on the same connection, back to back (a Redis Cluster
    /// `ASK` redirection: the flag `ASKING` sets holds for the next command on that connection
    /// only); returns the command's reply, or throws like `send`.
    func sendAsking(_ arguments: [[UInt8]]) async throws -> RESPValue {
        try await withConnection { connection in
            let replies = try await connection.send(pipelined: [[Array("ASKING".utf8)], arguments])
            guard replies.count == 2 else { throw RedisError.unexpectedReply("\(replies.count) replies to ASKING and a command") }
            if case .error(let message) = replies[0] { throw RedisError.serverError(message) }
            if case .error(let message) = replies[1] { throw RedisError.serverError(message) }
            return replies[1]
        }
    }

    /// Runs `body` on the next connection of the pool, made if needed; a failure other than an
    /// error reply drops the connection.
    private func withConnection(_ body: (RedisConnection) async throws -> RESPValue) async throws -> RESPValue {
        let slot = nextSlot.withLockedValue { index -> RedisConnectionSlot in
            defer { index = (index + 1) % slots.count }
            return slots[index]
        }
        let connection = try await slot.connection(configuration, eventLoop: group.next())
        do {
            return try await body(connection)
        } catch RedisError.serverError(let message) {
            throw RedisError.serverError(message)   // an answer: the connection is fine
        } catch {
            slot.discard(connection)
            throw error
        }
    }

    /// Sends a command given as strings.
    public func send(_ arguments: String...) async throws -> RESPValue {
        try await send(arguments.map { Array($0.utf8) })
    }

    /// Closes every connection; later commands connect again.
    public func close() {
        for slot in slots { slot.closeAll() }
    }
}

/// One place in the pool: a live connection, one being made, or a backoff after a failure.
final class RedisConnectionSlot: Sendable {
    private enum State {
        case idle
        /// An attempt in flight, after `failures` failed ones in a row.
        case connecting(Task<RedisConnection, any Error>, failures: Int)
        case connected(RedisConnection)
        case backingOff(until: NIODeadline, failures: Int)
    }

    private let state = NIOLockedValueBox(State.idle)

    /// The slot's connection, made if needed (one attempt shared by every caller); throws
    /// `unavailable` during a backoff.
    func connection(_ configuration: RedisConfiguration, eventLoop: any EventLoop) async throws -> RedisConnection {
        // The common case, a live connection, takes the lock and nothing else.
        enum Next { case ready(RedisConnection), wait(Task<RedisConnection, any Error>) }
        let next: Next = try state.withLockedValue { state in
            var failures = 0
            switch state {
            case .connected(let connection) where connection.isActive:
                return .ready(connection)
            case .connecting(let task, _):
                return .wait(task)
            case .backingOff(let until, let count):
                guard NIODeadline.now() >= until else { throw RedisError.unavailable }
                failures = count
            case .idle, .connected:
                break
            }
            let attempt = Task { try await RedisConnection.connect(configuration, on: eventLoop) }
            state = .connecting(attempt, failures: failures)
            return .wait(attempt)
        }
        let task: Task<RedisConnection, any Error>
        switch next {
        case .ready(let connection): return connection
        case .wait(let attempt): task = attempt
        }
        do {
            let connection = try await task.value
            state.withLockedValue { state in
                if case .connecting = state { state = .connected(connection) }
            }
            return connection
        } catch {
            state.withLockedValue { state in
                guard case .connecting(_, let earlier) = state else { return }
                let failures = earlier + 1
                state = .backingOff(until: NIODeadline.now() + Self.backoff(after: failures, configuration), failures: failures)
            }
            throw error
        }
    }

    /// Drops `connection` if it is still the slot's (it broke or timed out).
    func discard(_ connection: RedisConnection) {
        state.withLockedValue { state in
            if case .connected(let current) = state, current === connection { state = .idle }
        }
        connection.close()
    }

    /// Closes the slot's connection.
    func closeAll() {
        let connection: RedisConnection? = state.withLockedValue { state in
            defer { state = .idle }
            if case .connected(let connection) = state { return connection }
            return nil
        }
        connection?.close()
    }

    /// The wait after `failures` failed attempts in a row: doubling from the initial backoff up
    /// to the maximum, less up to half at random.
    static func backoff(after failures: Int, _ configuration: RedisConfiguration) -> TimeAmount {
        let initial = max(1, configuration.initialBackoff.nanoseconds)
        let maximum = max(initial, configuration.maximumBackoff.nanoseconds)
        let doubled = initial << min(max(0, failures - 1), 30)
        let full = min(maximum, doubled > 0 ? doubled : maximum)
        return .nanoseconds(full - Int64.random(in: 0...(full / 2)))
    }
}
