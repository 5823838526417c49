import NIOCore
import ResumableTLS

/// The user inbound events a `TLSChannelHandler` fires (`fireUserInboundEventTriggered`) so
/// handlers behind it learn what the TLS layer did.
public enum TLSUserEvent: Sendable {
    /// The handshake completed with these parameters; application data now flows.
    case handshakeCompleted(NegotiatedParameters)
    /// A new resumable session exists: on a client, one per NewSessionTicket received; on a
    /// server, one per ticket sent. Keep it to offer it on a later connection.
    case newSession(TLSSession)
    /// Server: the next `channelRead` carries `byteCount` bytes of the client's early data
    /// (0-RTT, S29), read before the handshake completed. It may be a replay (RFC 8446 §8): a
    /// handler acts on it only if doing so twice is harmless. Replies are held until the
    /// handshake completes.
    case earlyDataReceived(byteCount: Int)
    /// Client: the server accepted the early data given to the handler.
    case earlyDataAccepted
    /// Client: the early data was not accepted; nothing of it was delivered. Send it again after
    /// the handshake if it is still wanted.
    case earlyDataRejected
}

/// Errors the NIO adapter adds to the core's `TLSError`.
public enum NIOTLSError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The TCP connection ended (or the channel was closed) before the handshake completed.
    case closedDuringHandshake
    /// The TCP connection ended without the peer's close_notify: the data may be truncated.
    case uncleanShutdown
    /// A write arrived after close_notify was sent or the connection failed.
    case writeAfterClose
    /// The handshake did not complete within `TLSConfiguration.handshakeTimeout`.
    case handshakeTimeout

    /// A human-readable explanation.
    public var description: String {
        switch self {
        case .closedDuringHandshake: return "the connection closed before the TLS handshake completed"
        case .uncleanShutdown: return "the connection closed without a TLS close_notify"
        case .writeAfterClose: return "write on a TLS connection that is closed or closing"
        case .handshakeTimeout: return "the TLS handshake did not complete in time"
        }
    }
}
