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
