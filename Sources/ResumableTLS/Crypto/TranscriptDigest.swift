import Foundation

/// The bytes a hash of the key schedule produces (a transcript hash, RFC 8446 §4.4.1), held
/// inline: taking `Transcript-Hash` at each step of a handshake allocates nothing.
///
/// At most 48 bytes (SHA-384, the longest hash of a TLS 1.3 or TLS 1.2 suite here).
package struct TranscriptDigest: Sendable, Hashable, RandomAccessCollection, ContiguousBytes {
    private let storage: InlineArray<48, UInt8>
    private let length: UInt8

    /// `length` bytes (at most 48) that `write` puts at the pointer it is given.
    init(length: Int, _ write: (UnsafeMutablePointer<UInt8>) -> Void) {
        var bytes = InlineArray<48, UInt8>(repeating: 0)
        let count = Swift.min(Swift.max(length, 0), 48)
        Swift.withUnsafeMutableBytes(of: &bytes) { raw in
            if let base = raw.baseAddress { write(base.assumingMemoryBound(to: UInt8.self)) }
        }
        storage = bytes
        self.length = UInt8(truncatingIfNeeded: count)
    }

    /// The position of the first byte (Collection conformance).
    package var startIndex: Int { 0 }
    /// The position past the last byte (Collection conformance).
    package var endIndex: Int { Int(length) }
    /// The byte at `position`, a valid index (Collection conformance).
    package subscript(position: Int) -> UInt8 {
        precondition(position >= 0 && position < Int(length), "TranscriptDigest index out of range")
        return storage[position]
    }

    /// The bytes, for the duration of `body` (ContiguousBytes conformance).
    package func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try Swift.withUnsafeBytes(of: storage) { try body(UnsafeRawBufferPointer(rebasing: $0.prefix(Int(length)))) }
    }

    /// A copy as an array (one allocation): for what keeps it (a session, a message).
    package var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    package static func == (lhs: TranscriptDigest, rhs: TranscriptDigest) -> Bool {
        lhs.withUnsafeBytes { left in rhs.withUnsafeBytes { left.elementsEqual($0) } }
    }

    package func hash(into hasher: inout Hasher) {
        withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}

/// What the key schedule accepts as a hash value: a `TranscriptDigest`, or an array (the
/// RFC 8448 vectors, the empty hash).
package typealias HashValueBytes = ContiguousBytes & RandomAccessCollection<UInt8>
