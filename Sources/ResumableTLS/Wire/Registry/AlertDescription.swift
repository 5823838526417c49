/// An alert level (RFC 8446 §6). TLS 1.3 treats every alert but close_notify and
/// user_canceled as fatal whatever its level.
public enum AlertLevel: UInt8, Sendable, Hashable {
    case warning = 1
    case fatal = 2
}

/// An alert description (RFC 8446 §6, RFC 5246 §7.2). Open: unknown codes from the wire are kept.
public struct AlertDescription: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let closeNotify = AlertDescription(rawValue: 0)
    public static let unexpectedMessage = AlertDescription(rawValue: 10)
    public static let badRecordMAC = AlertDescription(rawValue: 20)
    public static let recordOverflow = AlertDescription(rawValue: 22)
    public static let handshakeFailure = AlertDescription(rawValue: 40)
    public static let badCertificate = AlertDescription(rawValue: 42)
    public static let unsupportedCertificate = AlertDescription(rawValue: 43)
    public static let certificateRevoked = AlertDescription(rawValue: 44)
    public static let certificateExpired = AlertDescription(rawValue: 45)
    public static let certificateUnknown = AlertDescription(rawValue: 46)
    public static let illegalParameter = AlertDescription(rawValue: 47)
    public static let unknownCA = AlertDescription(rawValue: 48)
    public static let accessDenied = AlertDescription(rawValue: 49)
    public static let decodeError = AlertDescription(rawValue: 50)
    public static let decryptError = AlertDescription(rawValue: 51)
    public static let protocolVersion = AlertDescription(rawValue: 70)
    public static let insufficientSecurity = AlertDescription(rawValue: 71)
    public static let internalError = AlertDescription(rawValue: 80)
    public static let inappropriateFallback = AlertDescription(rawValue: 86)
    public static let userCanceled = AlertDescription(rawValue: 90)
    public static let noRenegotiation = AlertDescription(rawValue: 100)
    public static let missingExtension = AlertDescription(rawValue: 109)
    public static let unsupportedExtension = AlertDescription(rawValue: 110)
    public static let unrecognizedName = AlertDescription(rawValue: 112)
    public static let badCertificateStatusResponse = AlertDescription(rawValue: 113)
    public static let unknownPSKIdentity = AlertDescription(rawValue: 115)
    public static let certificateRequired = AlertDescription(rawValue: 116)
    public static let noApplicationProtocol = AlertDescription(rawValue: 120)

    public var description: String {
        switch self {
        case .closeNotify: return "close_notify"
        case .unexpectedMessage: return "unexpected_message"
        case .badRecordMAC: return "bad_record_mac"
        case .recordOverflow: return "record_overflow"
        case .handshakeFailure: return "handshake_failure"
        case .badCertificate: return "bad_certificate"
        case .unsupportedCertificate: return "unsupported_certificate"
        case .certificateRevoked: return "certificate_revoked"
        case .certificateExpired: return "certificate_expired"
        case .certificateUnknown: return "certificate_unknown"
        case .illegalParameter: return "illegal_parameter"
        case .unknownCA: return "unknown_ca"
        case .accessDenied: return "access_denied"
        case .decodeError: return "decode_error"
        case .decryptError: return "decrypt_error"
        case .protocolVersion: return "protocol_version"
        case .insufficientSecurity: return "insufficient_security"
        case .internalError: return "internal_error"
        case .inappropriateFallback: return "inappropriate_fallback"
        case .userCanceled: return "user_canceled"
        case .noRenegotiation: return "no_renegotiation"
        case .missingExtension: return "missing_extension"
        case .unsupportedExtension: return "unsupported_extension"
        case .unrecognizedName: return "unrecognized_name"
        case .badCertificateStatusResponse: return "bad_certificate_status_response"
        case .unknownPSKIdentity: return "unknown_psk_identity"
        case .certificateRequired: return "certificate_required"
        case .noApplicationProtocol: return "no_application_protocol"
        default: return "alert(\(rawValue))"
        }
    }
}
