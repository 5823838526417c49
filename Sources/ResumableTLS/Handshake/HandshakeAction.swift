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
    /// The handshake is complete.
    case completed(NegotiatedParameters)
    /// A new resumable session exists (TLS 1.2: during the handshake, S19). `recorded` says
    /// whether the ticket authority already stored it and told the new-session callback (a
    /// ticket it issued); otherwise the connection hands it to the session cache.
    case newSession(TLSSession, recorded: Bool)
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
