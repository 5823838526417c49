/// What a completed handshake agreed on.
public struct NegotiatedParameters: Sendable, Hashable {
    /// TLS 1.3 or TLS 1.2 (`SSL_version`).
    public var version: ProtocolVersion
    /// The cipher suite (`SSL_get_current_cipher`).
    public var cipherSuite: CipherSuite
    /// The key-exchange group, or nil for a psk_ke resumption.
    public var group: NamedGroup?
    /// The ALPN protocol, if one was agreed (`SSL_get0_alpn_selected`).
    public var applicationProtocol: String?
    /// The SNI name the client sent (server side) or asked for (client side).
    public var serverName: String?
    /// The signature scheme the peer signed with, if it authenticated with a certificate.
    public var peerSignatureScheme: SignatureScheme?
    /// The peer's certificate chain as DER, leaf first (empty if none).
    public var peerCertificates: [[UInt8]]
    /// Whether a HelloRetryRequest happened.
    public var didHelloRetryRequest: Bool
    /// Whether the handshake resumed a session (`SSL_session_reused`).
    public var isResumed: Bool
    /// The largest record plaintext the peer accepts (from its record_size_limit).
    public var peerRecordSizeLimit: Int
    /// What the handshake decided about an offered session, and why it was declined (S11, S30).
    public var resumption: ResumptionDecision = .notOffered
    /// How the handshake resumed, if it did.
    public var resumptionMechanism: ResumptionMechanism? = nil
    /// TLS 1.2: whether the extended master secret was negotiated (RFC 7627); false in TLS 1.3,
    /// whose key schedule always binds the transcript.
    public var extendedMasterSecret: Bool = false
    /// Whether early data was offered and accepted (S29; TLS 1.3 only).
    public var earlyData: EarlyDataStatus = .notOffered
}
