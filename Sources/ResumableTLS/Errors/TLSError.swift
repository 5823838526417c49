/// Every failure the library reports.
///
/// A fault detected in what the peer sent, or a local policy refusing the peer, is
/// `protocolViolation`: it names the fatal alert the connection must send before it closes
/// (RFC 8446 §6.2) and, as a `TLSFailureReason`, what happened. Parsers throw only this case,
/// so a caller can always answer a hostile peer with the right alert and never traps on its
/// bytes.
public enum TLSError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The peer (or its bytes) broke the protocol, or a policy refused it; send `alert` and close.
    case protocolViolation(alert: AlertDescription, reason: TLSFailureReason)
    /// The peer sent a fatal alert (or an unexpected warning alert, which TLS 1.3 treats as fatal).
    case peerAlert(AlertDescription)
    /// The API was used out of order (for example writing application data before the handshake).
    case invalidState(String)
    /// The connection has been closed; nothing more can be read or written.
    case closed

    /// The alert to send to the peer for this error, if any.
    public var alertToSend: AlertDescription? {
        switch self {
        case .protocolViolation(let alert, _): return alert
        case .peerAlert, .closed: return nil
        case .invalidState: return .internalError
        }
    }

    public var description: String {
        switch self {
        case .protocolViolation(let alert, let reason): return "\(alert): \(reason)"
        case .peerAlert(let alert): return "peer sent alert \(alert)"
        case .invalidState(let reason): return "invalid state: \(reason)"
        case .closed: return "connection closed"
        }
    }

    /// Malformed bytes: a length, a count or a structure that cannot be parsed (`decode_error`).
    public static func decodeError(_ reason: String) -> TLSError {
        .protocolViolation(alert: .decodeError, reason: .malformed(reason))
    }

    /// Well-formed bytes carrying a value the protocol forbids (`illegal_parameter`).
    public static func illegalParameter(_ reason: String) -> TLSError {
        .protocolViolation(alert: .illegalParameter, reason: .illegalValue(reason))
    }

    /// A message of a type not allowed here (`unexpected_message`).
    public static func unexpectedMessage(_ reason: String) -> TLSError {
        .protocolViolation(alert: .unexpectedMessage, reason: .unexpectedMessage(reason))
    }

    /// A record or message larger than the protocol allows (`record_overflow`).
    public static func recordOverflow(_ reason: String) -> TLSError {
        .protocolViolation(alert: .recordOverflow, reason: .tooLarge(reason))
    }

    /// A local failure that is not the peer's fault (`internal_error`).
    public static func internalError(_ reason: String) -> TLSError {
        .protocolViolation(alert: .internalError, reason: .localFailure(reason))
    }
}
