/// What a handshake state machine asks its connection to do, in order. The state machines never
/// touch records; the connection turns these into records and events.
enum HandshakeAction {
    /// Send a handshake message (its full encoding) under the current write keys.
    case send([UInt8])
    /// Send the middlebox-compatibility ChangeCipherSpec (RFC 8446 §D.4).
    case sendChangeCipherSpec
    /// Protect received records with a new traffic secret from now on.
    case setReadKeys(RecordKeys)
    /// Protect sent records with a new traffic secret from now on.
    case setWriteKeys(RecordKeys)
    /// Verify the peer's chain (asynchronous); the handshake continues with
    /// `peerChainVerified()` once it passed.
    case verifyPeerChain(PeerChainCheck)
    /// Ask the get callback and the external store for offered sessions (asynchronous, S21,
    /// S23); the server handshake continues with `sessionsLookedUp(now:)`.
    case lookUpSessions(TLSPendingWork)
    /// The handshake is complete.
    case completed(NegotiatedParameters)
    /// A new resumable session exists: a TLS 1.2 session ID or ticket (during the handshake,
    /// S19) or a TLS 1.3 ticket (after it). The connection records it in its one place for
    /// new sessions (cache, store, new-session callback, event).
    case newSession(TLSSession)
    /// Server: skip the client's early data as `EarlyDataSkipping` says, up to `limit` bytes
    /// (declined 0-RTT, RFC 8446 §4.2.10).
    case skipEarlyData(EarlyDataSkipping, limit: Int)
    /// Server: deliver protected application data as early data, up to `limit` bytes, until
    /// `earlyDataEnded` (accepted 0-RTT, S29).
    case acceptEarlyData(limit: Int)
    /// Server: the client's EndOfEarlyData arrived; no more early data.
    case earlyDataEnded
    /// Client: write the early data the application gave under the current (early) keys.
    case sendEarlyData
    /// Client: back to unprotected records for a second ClientHello.
    case dropWriteKeys
    /// Client: the server's EncryptedExtensions said whether it accepted the early data.
    case earlyDataAnswered(accepted: Bool)
}

/// The inputs of a peer-chain verification that the connection runs outside the state machine.
public struct PeerChainCheck: Sendable {
    /// The peer's chain as DER, leaf first.
    public var chain: [[UInt8]]
    /// For a client: the server name (or IP literal) the certificate must match.
    public var expectedServerName: String?
    /// Whose chain it is.
    public var owner: CertificateOwner
}
