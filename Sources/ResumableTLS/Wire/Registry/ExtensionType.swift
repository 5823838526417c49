/// An extension code point (RFC 8446 §4.2 and the RFCs named per value). Open: unknown values
/// are kept as `Extension.unknown`.
public struct ExtensionType: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let serverName = ExtensionType(rawValue: 0)               // RFC 6066
    public static let maxFragmentLength = ExtensionType(rawValue: 1)        // RFC 6066
    public static let statusRequest = ExtensionType(rawValue: 5)            // RFC 6066
    public static let supportedGroups = ExtensionType(rawValue: 10)         // RFC 8422, 7919
    public static let ecPointFormats = ExtensionType(rawValue: 11)          // RFC 8422 (TLS 1.2)
    public static let signatureAlgorithms = ExtensionType(rawValue: 13)     // RFC 8446
    public static let applicationLayerProtocolNegotiation = ExtensionType(rawValue: 16) // RFC 7301
    public static let signedCertificateTimestamp = ExtensionType(rawValue: 18)
    public static let padding = ExtensionType(rawValue: 21)                 // RFC 7685
    public static let encryptThenMAC = ExtensionType(rawValue: 22)          // RFC 7366
    public static let extendedMasterSecret = ExtensionType(rawValue: 23)    // RFC 7627 (TLS 1.2)
    public static let recordSizeLimit = ExtensionType(rawValue: 28)         // RFC 8449
    public static let sessionTicket = ExtensionType(rawValue: 35)           // RFC 5077 (TLS 1.2)
    public static let preSharedKey = ExtensionType(rawValue: 41)            // RFC 8446
    public static let earlyData = ExtensionType(rawValue: 42)
    public static let supportedVersions = ExtensionType(rawValue: 43)
    public static let cookie = ExtensionType(rawValue: 44)
    public static let pskKeyExchangeModes = ExtensionType(rawValue: 45)
    public static let certificateAuthorities = ExtensionType(rawValue: 47)
    public static let oidFilters = ExtensionType(rawValue: 48)
    public static let postHandshakeAuth = ExtensionType(rawValue: 49)
    public static let signatureAlgorithmsCert = ExtensionType(rawValue: 50)
    public static let keyShare = ExtensionType(rawValue: 51)
    public static let ticketRequest = ExtensionType(rawValue: 58)           // RFC 9149
    public static let renegotiationInfo = ExtensionType(rawValue: 0xFF01)   // RFC 5746

    public var description: String {
        switch self {
        case .serverName: return "server_name"
        case .maxFragmentLength: return "max_fragment_length"
        case .statusRequest: return "status_request"
        case .supportedGroups: return "supported_groups"
        case .ecPointFormats: return "ec_point_formats"
        case .signatureAlgorithms: return "signature_algorithms"
        case .applicationLayerProtocolNegotiation: return "application_layer_protocol_negotiation"
        case .signedCertificateTimestamp: return "signed_certificate_timestamp"
        case .padding: return "padding"
        case .encryptThenMAC: return "encrypt_then_mac"
        case .extendedMasterSecret: return "extended_master_secret"
        case .recordSizeLimit: return "record_size_limit"
        case .sessionTicket: return "session_ticket"
        case .preSharedKey: return "pre_shared_key"
        case .earlyData: return "early_data"
        case .supportedVersions: return "supported_versions"
        case .cookie: return "cookie"
        case .pskKeyExchangeModes: return "psk_key_exchange_modes"
        case .certificateAuthorities: return "certificate_authorities"
        case .oidFilters: return "oid_filters"
        case .postHandshakeAuth: return "post_handshake_auth"
        case .signatureAlgorithmsCert: return "signature_algorithms_cert"
        case .keyShare: return "key_share"
        case .ticketRequest: return "ticket_request"
        case .renegotiationInfo: return "renegotiation_info"
        default: return "extension(\(rawValue))"
        }
    }
}
