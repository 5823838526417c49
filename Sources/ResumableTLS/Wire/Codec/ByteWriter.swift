/// Appends TLS wire encodings to a byte array.
///
/// Length-prefixed vectors are written with `writeVector(prefixBytes:_:)`, which reserves the
/// prefix, runs the body and patches the length in; a body too long for its prefix throws
/// `internal_error` instead of writing a wrong length.
package struct ByteWriter: Sendable {
    /// The bytes written so far.
    package var bytes: [UInt8]

    /// An empty writer; `capacity` reserves room up front.
    package init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Appends one byte.
    @inlinable package mutating func writeUInt8(_ value: UInt8) { bytes.append(value) }

    /// Appends a big-endian 16-bit integer.
    @inlinable package mutating func writeUInt16(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    /// Appends a big-endian 24-bit integer (the low 24 bits of `value`).
    @inlinable package mutating func writeUInt24(_ value: UInt32) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 16))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    /// Appends a big-endian 32-bit integer.
    @inlinable package mutating func writeUInt32(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    /// Appends a big-endian 64-bit integer.
    package mutating func writeUInt64(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    /// Appends raw bytes.
    @inlinable package mutating func writeBytes<C: Collection>(_ data: C) where C.Element == UInt8 {
        bytes.append(contentsOf: data)
    }

    /// Appends a vector: a `prefixBytes`-byte length (1, 2 or 3) followed by what `body` writes.
    package mutating func writeVector(
        prefixBytes: Int, _ body: (inout ByteWriter) throws -> Void
    ) throws {
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: prefixBytes))
        try body(&self)
        let length = bytes.count - start - prefixBytes
        guard prefixBytes >= 1, prefixBytes <= 3, length < (1 << (8 * prefixBytes)) else {
            throw TLSError.internalError("vector of \(length) bytes does not fit a \(prefixBytes)-byte length")
        }
        for i in 0..<prefixBytes {
            bytes[start + i] = UInt8(truncatingIfNeeded: length >> (8 * (prefixBytes - 1 - i)))
        }
    }

    /// Appends an opaque vector with a `prefixBytes`-byte length.
    package mutating func writeOpaque<C: Collection>(prefixBytes: Int, _ data: C) throws where C.Element == UInt8 {
        try writeVector(prefixBytes: prefixBytes) { $0.writeBytes(data) }
    }
}
