/// A configuration made ready to serve many connections: OpenSSL's `SSL_CTX`.
///
/// Built once from a `TLSConfiguration` (checked here, so a connection never meets a bad
/// configuration) and shared by every connection it makes. Later it owns the session cache,
/// ticket keys and statistics.
public final class TLSContext: Sendable {
    /// The configuration this context was built from.
    public let configuration: TLSConfiguration
    /// Where this context and its connections read the time.
    public let clock: any TLSClock

    /// A context for `configuration`; throws `invalidState` if the configuration cannot work.
    public init(_ configuration: TLSConfiguration, clock: any TLSClock = SystemClock()) throws {
        try configuration.validate()
        self.configuration = configuration
        self.clock = clock
    }

    /// A new connection under this context (`SSL_new`).
    public func makeConnection() -> TLSConnection {
        TLSConnection(context: self)
    }
}
