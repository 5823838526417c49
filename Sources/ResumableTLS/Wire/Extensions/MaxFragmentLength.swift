/// A max_fragment_length value (RFC 6066 §4): 2^9, 2^10, 2^11 or 2^12 bytes. Closed: any
/// other value is `illegal_parameter`.
package enum MaxFragmentLength: UInt8, Sendable, Hashable, CaseIterable {
    case bytes512 = 1
    case bytes1024 = 2
    case bytes2048 = 3
    case bytes4096 = 4

    /// The fragment limit in bytes.
    package var byteCount: Int { 1 << (8 + Int(rawValue)) }
}
