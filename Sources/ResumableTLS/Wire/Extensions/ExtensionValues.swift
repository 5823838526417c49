/// A PSK key exchange mode (RFC 8446 §4.2.9). Open: unknown values are kept and ignored by policy.
public struct PSKKeyExchangeMode: RawRepresentable, Sendable, Hashable {
    /// The code point.
    public var rawValue: UInt8
    /// The mode with code point `rawValue`.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// PSK-only key establishment (`psk_ke`).
    public static let pskKE = PSKKeyExchangeMode(rawValue: 0)
    /// PSK with (EC)DHE key establishment (`psk_dhe_ke`).
    public static let pskDHEKE = PSKKeyExchangeMode(rawValue: 1)
}

/// A max_fragment_length value (RFC 6066 §4): 2^9, 2^10, 2^11 or 2^12 bytes. Closed: any
/// other value is `illegal_parameter`.
public enum MaxFragmentLength: UInt8, Sendable, Hashable, CaseIterable {
    case bytes512 = 1
    case bytes1024 = 2
    case bytes2048 = 3
    case bytes4096 = 4

    /// The fragment limit in bytes.
    public var byteCount: Int { 1 << (8 + Int(rawValue)) }
}
