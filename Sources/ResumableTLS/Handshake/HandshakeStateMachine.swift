import Foundation

/// What a connection asks of its handshake, whichever side and version: the contract between
/// `TLSConnection` (records, events, alerts, pending work) and `ClientHandshake` /
/// `ServerHandshake`, which pick the version and hand each message to the TLS 1.3 or TLS 1.2
/// state machine. Every answer is a list of `HandshakeAction`s for the connection to carry out.
protocol HandshakeStateMachine: AnyObject {
    /// A handshake message received (parsed with `parsingContext`).
    func handle(_ message: HandshakeMessage, raw: ArraySlice<UInt8>, now: Date) throws -> [HandshakeAction]
    /// The peer's ChangeCipherSpec, which only TLS 1.2 acts on.
    func handleChangeCipherSpec() throws -> [HandshakeAction]
    /// The peer's chain passed verification (`HandshakeAction.verifyPeerChain`).
    func peerChainVerified() throws -> [HandshakeAction]
    /// How to parse the next message: lengths depend on the version and hash negotiated.
    var parsingContext: HandshakeParsingContext { get }
    /// The version once negotiated (a server knows it from the ClientHello, a client from the
    /// ServerHello).
    var negotiatedVersion: ProtocolVersion? { get }
    /// Whether secrets other than what resumption needs are still held (security review L7).
    var holdsHandshakeSecrets: Bool { get }
    /// Whether the peer sent record_size_limit (RFC 8449): only then does ours bind it.
    var peerSentRecordSizeLimit: Bool { get }
    /// The session this handshake resumed, if it did.
    var resumedSession: TLSSession? { get }
}

extension ClientHandshake: HandshakeStateMachine {}
extension ServerHandshake: HandshakeStateMachine {}
