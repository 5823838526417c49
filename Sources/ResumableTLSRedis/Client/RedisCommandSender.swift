/// Something that sends Redis commands about one key: a `RedisClient` (one server, the key is
/// not needed) or a `RedisClusterClient` (the key's hash slot picks the node). A
/// `RedisSessionStore` works over either.
public protocol RedisCommandSender: Sendable {
    /// Sends one command (`arguments`, the command name first) whose key is `key`, and returns
    /// its reply; throws a `RedisError` or `RedisClusterError` when no usable reply came, and
    /// `RedisError.serverError` for an error reply. `key` must be one of `arguments` (or, for a
    /// command on several keys, any of them, all sharing a hash tag).
    func send(_ arguments: [[UInt8]], key: [UInt8]) async throws -> RESPValue
}

extension RedisClient: RedisCommandSender {
    /// Sends `arguments` to the one server; `key` is not needed.
    public func send(_ arguments: [[UInt8]], key: [UInt8]) async throws -> RESPValue {
        try await send(arguments)
    }
}
