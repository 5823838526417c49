import NIOCore
import NIOHTTP1
import NIOPosix

/// The plain-HTTP listener of `rtls server --metrics HOST:PORT`: `GET /metrics` answers with the
/// Prometheus text that `scrape` makes at that moment (`MetricsRequestHandler`), as operators
/// scrape nginx or HAProxy.
///
/// It binds only the address given. It is an HTTP server on a socket, so every request is
/// bounded: the head (request line and headers) by the decoder's limits below, the body by
/// `MetricsRequestHandler.maximumBodyBytes`, and a connection that sends nothing for
/// `idleTimeout` is closed.
final class MetricsEndpoint: Sendable {
    /// The longest a connection may stay silent.
    static let idleTimeout = TimeAmount.seconds(60)

    /// Limits on a request head: a scrape's is a few hundred bytes.
    static let headLimits: NIOHTTPDecoderLimitConfiguration = {
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderFieldSize = 8 * 1024
        limits.maxHeaderListSize = 16 * 1024
        limits.maxHeaderFieldCount = 100
        return limits
    }()

    private let channel: any Channel

    /// The address listened on, `host:port` (the OS's port when bound to port 0).
    let address: String

    private init(channel: any Channel, host: String) {
        self.channel = channel
        self.address = HostPort.text(host: host, port: channel.localAddress?.port ?? 0)
    }

    /// Listens on `host:port` (port 0: the OS chooses) on `group`.
    static func bind(host: String, port: Int, group: any EventLoopGroup, scrape: @escaping @Sendable () -> [UInt8]) async throws -> MetricsEndpoint {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 16)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(IdleStateHandler(readTimeout: idleTimeout))
                    try sync.configureHTTPServerPipeline(
                        withEncoderConfiguration: .init(), withDecoderLimitConfiguration: headLimits)
                    try sync.addHandler(MetricsRequestHandler(scrape: scrape))
                }
            }
            .bind(host: host, port: port).get()
        return MetricsEndpoint(channel: channel, host: host)
    }

    /// Stops listening; connections already accepted end with the event loop group.
    func close() async {
        try? await channel.close()
    }
}
