import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ResumableTLS

/// Connects TLS clients: TCP connect, then the handshake, then an `TLSAsyncConnection`.
public enum TLSClient {
    /// Connects to `host:port` over `group`, runs the handshake under `context` (offering
    /// `session` for resumption, if any) and returns the established connection.
    ///
    /// The server's certificate is checked for the configuration's `serverName` if it has one,
    /// else for `host` (a name, or an IP address literal checked against the certificate's IP
    /// addresses and not sent as SNI): a server with a valid chain for another name is refused
    /// with `bad_certificate`.
    ///
    /// With `earlyData`, the client sends it as 0-RTT data with `session` when the session
    /// allows it (S29): `negotiated.earlyData` on the returned connection says `.accepted`
    /// (the server had it before the handshake completed) or `.rejected` (nothing of it was
    /// delivered: write it again if it is still wanted). Only data that is safe to replay
    /// belongs there (RFC 8446 §8).
    ///
    /// Throws the connect error, or the handshake's error (`TLSError`, `NIOTLSError`); the
    /// channel is closed then.
    public static func connect(
        host: String, port: Int, context: TLSContext, offering session: TLSSession? = nil,
        group: any EventLoopGroup, connectTimeout: TimeAmount = .seconds(10), earlyData: [UInt8]? = nil
    ) async throws -> TLSAsyncConnection {
        guard (0...65_535).contains(port) else { throw TLSClientError.invalidPort(port) }
        let hostName = context.configuration.serverName == nil ? host : nil
        // Before connecting: a bad name fails without touching the network.
        try context.configuration.validateServerIdentity(serverName: hostName ?? context.configuration.serverName)
        // The handlers go in as the channel is made, before it connects: nothing the peer does
        // (a close, a reset) can come between the connection and the TLS handler.
        let installed = NIOLockedValueBox<(EventLoopFuture<NegotiatedParameters>, @Sendable (NegotiatedParameters) -> TLSAsyncConnection)?>(nil)
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handlers = try AsyncStreamBridgeHandler.install(on: channel, context: context, offering: session, serverName: hostName,
                                                                        earlyData: earlyData)
                    installed.withLockedValue { $0 = handlers }
                }
            }
            .connect(host: host, port: port).get()
        guard let (handshake, makeConnection) = installed.withLockedValue({ $0 }) else {
            try? await channel.close()
            throw NIOTLSError.closedDuringHandshake
        }
        return makeConnection(try await handshake.get())
    }
}

/// Bad arguments to the client and server helpers.
public enum TLSClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A port outside 0...65535.
    case invalidPort(Int)

    /// A human-readable explanation.
    public var description: String {
        switch self {
        case .invalidPort(let port): return "invalid port \(port): must be 0...65535"
        }
    }
}
