import NIOCore
import NIOPosix
import ResumableTLS

/// A TLS server listening on a TCP address: every accepted connection gets a
/// `TLSChannelHandler`, then either the caller's own pipeline or, after the handshake, the
/// caller's async closure.
public final class TLSServer: Sendable {
    /// The listening channel.
    public let serverChannel: any Channel

    /// The port the server listens on (the OS's choice when bound to port 0).
    public var port: Int { serverChannel.localAddress?.port ?? 0 }

    /// Receive buffers for accepted connections: NIO keeps each channel's last one, so it starts
    /// at 1 KiB (a ClientHello, a request) rather than NIO's 2 KiB, and grows after full reads
    /// (issue 17: memory per idle connection).
    static let receiveBuffers = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 1024, maximum: 65_536)

    private init(serverChannel: any Channel) {
        self.serverChannel = serverChannel
    }

    /// Binds `host:port` (port 0: the OS chooses) and, for each accepted connection, adds a
    /// `TLSChannelHandler` under `context` followed by what `childChannelInitializer` adds
    /// (for example an HTTP/1.1 pipeline). Runs on `group`.
    public static func bind(
        host: String = "127.0.0.1", port: Int = 0, context: TLSContext, group: any EventLoopGroup,
        childChannelInitializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>
    ) async throws -> TLSServer {
        guard (0...65_535).contains(port) else { throw TLSClientError.invalidPort(port) }
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.recvAllocator, value: Self.receiveBuffers)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(TLSChannelHandler(context: context))
                }.flatMap { childChannelInitializer(channel) }
            }
            .bind(host: host, port: port).get()
        return TLSServer(serverChannel: channel)
    }

    /// Binds `host:port` (port 0: the OS chooses) and hands each accepted connection, once its
    /// handshake completed, to `handleConnection` in its own task. A connection is closed when
    /// the closure returns (with close_notify). A client's close_notify ends its `inbound`
    /// stream but not the connection: the closure may still answer (RFC 8446 §6.1). A failed handshake is reported to
    /// `handshakeFailed`, if given; the connection is closed.
    public static func bind(
        host: String = "127.0.0.1", port: Int = 0, context: TLSContext, group: any EventLoopGroup,
        handshakeFailed: (@Sendable (any Error) -> Void)? = nil,
        handleConnection: @escaping @Sendable (TLSAsyncConnection) async -> Void
    ) async throws -> TLSServer {
        guard (0...65_535).contains(port) else { throw TLSClientError.invalidPort(port) }
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.recvAllocator, value: Self.receiveBuffers)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let (handshake, makeConnection) = try AsyncStreamBridgeHandler.install(on: channel, context: context, offering: nil)
                    handshake.whenComplete { result in
                        switch result {
                        case .success(let negotiated):
                            let connection = makeConnection(negotiated)
                            Task {
                                await handleConnection(connection)
                                await connection.close()
                            }
                        case .failure(let error):
                            handshakeFailed?(error)
                            channel.close(promise: nil)
                        }
                    }
                }
            }
            .bind(host: host, port: port).get()
        return TLSServer(serverChannel: channel)
    }

    /// Stops listening. Connections already accepted go on until they close (or their event
    /// loop group shuts down).
    public func close() async {
        do {
            try await serverChannel.close()
        } catch {
            // Already closed.
        }
    }
}
