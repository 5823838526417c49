/// Why a Redis command did not get an answer. None of these ever fails a TLS handshake: a store
/// built on the client turns them into misses (S23).
public enum RedisError: Error, Sendable, Hashable {
    /// The connection could not be made within `RedisConfiguration.connectTimeout`, or was
    /// refused.
    case connectFailed(String)
    /// A recent connection attempt failed and the pool waits before the next one (backoff).
    case unavailable
    /// No reply within `RedisConfiguration.commandTimeout`; the connection is dropped.
    case commandTimedOut
    /// The connection closed with commands still waiting for their replies.
    case connectionClosed
    /// Redis answered with an error reply (`-ERR …`, `-NOAUTH …`, `-WRONGPASS …`).
    case serverError(String)
    /// A reply of a type the command never returns, or a reply nobody asked for.
    case unexpectedReply(String)
    /// The server's bytes are not RESP.
    case malformedReply(String)
}
