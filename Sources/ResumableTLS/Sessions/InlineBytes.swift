// swift-crypto's copy of BoringSSL, for OPENSSL_cleanse (a zeroing the optimizer cannot drop).
internal import CCryptoBoringSSL

/// Up to `capacity` bytes (at most 255) held inside the value, with no heap buffer: how a
/// `TLSSession` keeps its secret, session ID and ticket nonce in its own object instead of in
/// three separately allocated arrays, so a cached session is one allocation and a cache lookup
/// compares the ID without following a pointer (issue 17 target 4, BENCHMARKS.md).
struct InlineBytes<let capacity: Int>: Sendable {
    private var storage: InlineArray<capacity, UInt8>
    private var length: UInt8

    /// `bytes` held inline, or nil if there are more than `capacity` of them.
    init?(_ bytes: some Collection<UInt8>) {
        guard bytes.count <= capacity, capacity <= 255 else { return nil }
        storage = InlineArray(repeating: 0)
        length = UInt8(truncatingIfNeeded: bytes.count)
        var index = 0
        for byte in bytes {
            storage[index] = byte
            index += 1
        }
    }

    /// No bytes.
    init() {
        storage = InlineArray(repeating: 0)
        length = 0
    }

    var count: Int { Int(length) }

    var isEmpty: Bool { length == 0 }

    /// A copy as an array (one allocation; none when empty).
    var array: [UInt8] {
        isEmpty ? [] : withUnsafeBytes { Array($0) }
    }

    /// The bytes held, for the duration of `body`.
    func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try Swift.withUnsafeBytes(of: storage) { all in
            try body(UnsafeRawBufferPointer(rebasing: all.prefix(Int(length))))
        }
    }

    /// Whether the bytes held equal `other`'s (not in constant time: for identifiers only).
    func equals(_ other: UnsafeRawBufferPointer) -> Bool {
        guard other.count == count else { return false }
        return withUnsafeBytes { $0.elementsEqual(other) }
    }

    /// Overwrites the bytes with zeros in place, in a way the optimizer keeps (for secrets).
    mutating func cleanse() {
        Swift.withUnsafeMutableBytes(of: &storage) { CCryptoBoringSSL_OPENSSL_cleanse($0.baseAddress, $0.count) }
        length = 0
    }
}
