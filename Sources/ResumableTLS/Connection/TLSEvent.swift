/// What a connection reports to its driver after it processed received bytes.
public enum TLSEvent: Sendable, Hashable {
    /// The handshake finished; application data can flow both ways.
    case handshakeCompleted(NegotiatedParameters)
    /// Decrypted application data from the peer.
    case applicationData([UInt8])
    /// The peer sent close_notify: it will send nothing more. We may still write (RFC 8446
    /// §6.1); `TLSConnection.close()` sends our close_notify and closes the connection.
    case closeNotifyReceived
    /// The peer updated its sending keys (RFC 8446 §4.6.3), informational.
    case peerKeyUpdated
    /// A new resumable session exists: on a client, one per NewSessionTicket received; on a
    /// server, one per ticket sent (S10, S19). It is also `TLSConnection.session` now.
    case newSession(TLSSession)
    /// Server: early data from the client (0-RTT, S29), delivered before the handshake
    /// completed. It may be a replay of an earlier connection's (RFC 8446 §8): act on it only if
    /// doing so twice is harmless (an idempotent request).
    case earlyData([UInt8])
    /// Client: the server accepted the early data given to `TLSConnection.startHandshake(earlyData:)`.
    case earlyDataAccepted
    /// Client: the early data was not accepted (the server declined it, or the offered session
    /// does not allow it); nothing of it was delivered, and the application may send it again
    /// as ordinary data once the handshake completes.
    case earlyDataRejected
}
