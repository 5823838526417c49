/// A key-exchange group (RFC 8446 §4.2.7). Open: unknown values are kept.
public struct NamedGroup: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let secp256r1 = NamedGroup(rawValue: 0x0017)
    public static let secp384r1 = NamedGroup(rawValue: 0x0018)
    public static let secp521r1 = NamedGroup(rawValue: 0x0019)
    public static let x25519 = NamedGroup(rawValue: 0x001D)
    public static let x448 = NamedGroup(rawValue: 0x001E)
    public static let ffdhe2048 = NamedGroup(rawValue: 0x0100)

    public var description: String {
        switch self {
        case .secp256r1: return "secp256r1"
        case .secp384r1: return "secp384r1"
        case .secp521r1: return "secp521r1"
        case .x25519: return "x25519"
        case .x448: return "x448"
        case .ffdhe2048: return "ffdhe2048"
        default: return "group(0x\(String(rawValue, radix: 16)))"
        }
    }
}
