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
