/// A TLS protocol version as it appears on the wire (RFC 8446 §4.2.1).
public struct ProtocolVersion: RawRepresentable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let tls10 = ProtocolVersion(rawValue: 0x0301)
    public static let tls11 = ProtocolVersion(rawValue: 0x0302)
    /// TLS 1.2; also `legacy_version` in every TLS 1.3 ClientHello and ServerHello.
    public static let tls12 = ProtocolVersion(rawValue: 0x0303)
    public static let tls13 = ProtocolVersion(rawValue: 0x0304)

    public static func < (lhs: ProtocolVersion, rhs: ProtocolVersion) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String {
        switch self {
        case .tls10: return "TLSv1"
        case .tls11: return "TLSv1.1"
        case .tls12: return "TLSv1.2"
        case .tls13: return "TLSv1.3"
        default: return "version(0x\(String(rawValue, radix: 16)))"
        }
    }
}
