/// What went wrong in a `TLSError.protocolViolation`, as a value a program can match on: what
/// the peer did (or what a local policy refused), alongside the alert that was sent. The
/// cases with a `String` carry a detail for people; match on the case, not on the text.
public enum TLSFailureReason: Sendable, Hashable, CustomStringConvertible {
    /// Bytes that do not parse: a length, count or structure that is wrong (`decode_error`).
    case malformed(String)
    /// A well-formed value the protocol forbids here (`illegal_parameter`).
    case illegalValue(String)
    /// A message or record that is not allowed at this point (`unexpected_message`).
    case unexpectedMessage(String)
    /// A record or message over a protocol or configured limit (`record_overflow`,
    /// `illegal_parameter`).
    case tooLarge(String)
    /// No protocol version both sides allow (`protocol_version`).
    case noCommonVersion(String)
    /// No cipher suite both sides allow (`handshake_failure`).
    case noCommonCipherSuite
    /// No key-exchange group both sides allow (`handshake_failure`).
    case noCommonGroup
    /// No signature scheme both sides allow (`handshake_failure`).
    case noCommonSignatureScheme
    /// No ALPN protocol both sides allow (`no_application_protocol`).
    case noCommonApplicationProtocol
    /// A required extension is missing (`missing_extension`, or `handshake_failure` in TLS 1.2).
    case missingExtension(String)
    /// An extension the peer may not send here, or that answers nothing we sent
    /// (`unsupported_extension`).
    case unsolicitedExtension(String)
    /// A protected record did not authenticate (`bad_record_mac`).
    case recordAuthenticationFailed(String)
    /// The peer's Finished does not verify (`decrypt_error`).
    case finishedMismatch
    /// A signature (CertificateVerify, TLS 1.2 ServerKeyExchange) does not verify (`decrypt_error`).
    case badSignature(SignatureScheme)
    /// A PSK binder does not verify (`decrypt_error`).
    case binderMismatch
    /// A certificate was required and none was sent (`certificate_required`, or
    /// `handshake_failure` in TLS 1.2).
    case certificateRequired
    /// The peer's certificate or chain was refused: unparsable, unsupported key, untrusted,
    /// expired, not for the server name (`bad_certificate`, `unknown_ca`, …).
    case certificateRejected(String)
    /// A TLS 1.2 ServerHello carried the TLS 1.3 downgrade sentinel (RFC 8446 §4.1.3).
    case downgradeDetected
    /// The peer tried to renegotiate, which this library never does (`no_renegotiation`).
    case renegotiationRefused
    /// The peer broke or lacks secure renegotiation indication (RFC 5746, `handshake_failure`).
    case insecureRenegotiation(String)
    /// The extended master secret is required but missing, or changed on resumption (RFC 7627).
    case extendedMasterSecret(String)
    /// The transport closed before the handshake completed.
    case transportClosed
    /// More early data than `max_early_data_size`, accepted or skipped (`unexpected_message`,
    /// RFC 8446 §4.2.10).
    case tooMuchEarlyData(limit: Int)
    /// A failure on our side, not the peer's fault (`internal_error`).
    case localFailure(String)

    public var description: String {
        switch self {
        case .malformed(let detail), .illegalValue(let detail), .unexpectedMessage(let detail), .tooLarge(let detail),
             .noCommonVersion(let detail), .missingExtension(let detail), .unsolicitedExtension(let detail),
             .recordAuthenticationFailed(let detail), .certificateRejected(let detail), .insecureRenegotiation(let detail),
             .extendedMasterSecret(let detail), .localFailure(let detail):
            return detail
        case .noCommonCipherSuite: return "no cipher suite in common"
        case .noCommonGroup: return "no key-exchange group in common"
        case .noCommonSignatureScheme: return "no signature scheme in common"
        case .noCommonApplicationProtocol: return "no ALPN protocol in common"
        case .finishedMismatch: return "Finished does not verify"
        case .badSignature(let scheme): return "\(scheme) signature does not verify"
        case .binderMismatch: return "PSK binder does not verify"
        case .certificateRequired: return "no certificate was sent where one is required"
        case .downgradeDetected: return "TLS 1.2 ServerHello carries the TLS 1.3 downgrade sentinel"
        case .renegotiationRefused: return "the peer tried to renegotiate"
        case .transportClosed: return "transport closed during the handshake"
        case .tooMuchEarlyData(let limit): return "more than \(limit) bytes of early data"
        }
    }
}
