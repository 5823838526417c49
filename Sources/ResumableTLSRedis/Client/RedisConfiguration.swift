import NIOCore
import ResumableTLS

/// Where the Redis server is and how to talk to it: address, credentials, database, time limits
/// and the pool's size and reconnection policy.
public struct RedisConfiguration: Sendable {
    /// The server's host name or address.
    public var host: String
    /// The server's port.
    public var port: Int
    /// The ACL user (`AUTH user password`); nil with a password is `AUTH password`.
    public var username: String?
    /// The password; nil sends no `AUTH`.
    public var password: String?
    /// The database (`SELECT n`); 0, Redis's default, sends no `SELECT`.
    public var database: Int
    /// TLS to Redis (`rediss://`, redis-server's `--tls-port`) through this library's own client:
    /// a client `TLSContext` whose trust roots hold Redis's CA. The server's certificate is
    /// checked for the context's `serverName`, else for `host`. Nil: plain TCP.
    public var tls: TLSContext?
    /// How long a connection (TCP, the TLS handshake, then `AUTH` and `SELECT`) may take.
    public var connectTimeout: TimeAmount
    /// How long a command may wait for its reply; past it the connection is dropped, since the
    /// replies of a pipelined connection arrive in order.
    public var commandTimeout: TimeAmount
    /// How many connections the pool keeps at most; commands are pipelined on each.
    public var poolSize: Int
    /// The first wait after a failed connection attempt; it doubles with each further failure,
    /// up to `maximumBackoff`, each time with up to half taken off at random (jitter), so a
    /// fleet does not reconnect in step.
    public var initialBackoff: TimeAmount
    /// The longest wait between connection attempts.
    public var maximumBackoff: TimeAmount

    /// A configuration for `host:port` with the defaults: no credentials, database 0, 1 s to
    /// connect, 50 ms per command, 4 connections, backoff from 100 ms to 5 s.
    public init(host: String = "127.0.0.1", port: Int = 6379) {
        self.host = host
        self.port = port
        self.username = nil
        self.password = nil
        self.database = 0
        self.tls = nil
        self.connectTimeout = .seconds(1)
        self.commandTimeout = .milliseconds(50)
        self.poolSize = 4
        self.initialBackoff = .milliseconds(100)
        self.maximumBackoff = .seconds(5)
    }
}
