/// A bounds-checked cursor over bytes that came from outside (the peer, a file, a store).
///
/// Every read checks what remains before it touches or allocates anything and throws
/// `TLSError.decodeError` otherwise, so a parser built on it cannot trap on hostile input.
/// Length-prefixed vectors are read as sub-readers limited to their declared length; a parser
/// finishes each one with `expectEnd(_:)` so trailing bytes are an error, not ignored.
package struct ByteReader: Sendable {
    @usableFromInline let storage: ArraySlice<UInt8>
    @usableFromInline var cursor: Int

    /// A reader over the whole of `bytes`.
    package init(_ bytes: [UInt8]) {
        self.storage = bytes[...]
        self.cursor = storage.startIndex
    }

    /// A reader over a slice; indices stay those of the slice.
    package init(_ bytes: ArraySlice<UInt8>) {
        self.storage = bytes
        self.cursor = bytes.startIndex
    }

    /// Bytes not yet read.
    @inlinable package var remaining: Int { storage.endIndex - cursor }

    /// Whether every byte has been read.
    @inlinable package var isEmpty: Bool { cursor >= storage.endIndex }

    /// Bytes consumed so far (for error messages and for hashing a prefix of a message).
    package var consumed: Int { cursor - storage.startIndex }

    /// The unread bytes, without consuming them.
    package var remainingBytes: ArraySlice<UInt8> { storage[cursor...] }

    @inlinable
    mutating func require(_ count: Int, _ what: StaticString) throws {
        guard count >= 0, count <= remaining else {
            throw TLSError.decodeError("truncated \(what): need \(count) bytes, \(remaining) left")
        }
    }

    /// Reads one byte.
    @inlinable
    package mutating func readUInt8(_ what: StaticString = "uint8") throws -> UInt8 {
        try require(1, what)
        let value = storage[cursor]
        cursor += 1
        return value
    }

    /// Reads a big-endian 16-bit integer.
    @inlinable
    package mutating func readUInt16(_ what: StaticString = "uint16") throws -> UInt16 {
        try require(2, what)
        let value = UInt16(storage[cursor]) << 8 | UInt16(storage[cursor + 1])
        cursor += 2
        return value
    }

    /// Reads a big-endian 24-bit integer.
    @inlinable
    package mutating func readUInt24(_ what: StaticString = "uint24") throws -> UInt32 {
        try require(3, what)
        let value = UInt32(storage[cursor]) << 16 | UInt32(storage[cursor + 1]) << 8 | UInt32(storage[cursor + 2])
        cursor += 3
        return value
    }

    /// Reads a big-endian 32-bit integer.
    @inlinable
    package mutating func readUInt32(_ what: StaticString = "uint32") throws -> UInt32 {
        try require(4, what)
        var value: UInt32 = 0
        for i in 0..<4 { value = value << 8 | UInt32(storage[cursor + i]) }
        cursor += 4
        return value
    }

    /// Reads a big-endian 64-bit integer.
    package mutating func readUInt64(_ what: StaticString = "uint64") throws -> UInt64 {
        try require(8, what)
        var value: UInt64 = 0
        for i in 0..<8 { value = value << 8 | UInt64(storage[cursor + i]) }
        cursor += 8
        return value
    }

    /// Reads exactly `count` bytes as a slice (no copy).
    package mutating func readSlice(_ count: Int, _ what: StaticString = "bytes") throws -> ArraySlice<UInt8> {
        try require(count, what)
        let slice = storage[cursor..<(cursor + count)]
        cursor += count
        return slice
    }

    /// Reads exactly `count` bytes into a new array.
    package mutating func readBytes(_ count: Int, _ what: StaticString = "bytes") throws -> [UInt8] {
        Array(try readSlice(count, what))
    }

    /// Reads everything that remains.
    package mutating func readRemaining() -> ArraySlice<UInt8> {
        let slice = storage[cursor...]
        cursor = storage.endIndex
        return slice
    }

    /// Reads a vector with a `prefixBytes`-byte length (1, 2 or 3) and returns a reader limited to it.
    ///
    /// `minLength`/`maxLength` are the RFC's bounds on the body (`<min..max>`); a body outside
    /// them is `decode_error`, checked before anything is read.
    package mutating func readVector(
        prefixBytes: Int, minLength: Int = 0, maxLength: Int = .max, _ what: StaticString
    ) throws -> ByteReader {
        let length: Int
        switch prefixBytes {
        case 1: length = Int(try readUInt8(what))
        case 2: length = Int(try readUInt16(what))
        case 3: length = Int(try readUInt24(what))
        default: throw TLSError.internalError("unsupported length prefix \(prefixBytes)")
        }
        guard length >= minLength, length <= maxLength else {
            throw TLSError.decodeError("\(what): length \(length) outside \(minLength)...\(maxLength)")
        }
        return ByteReader(try readSlice(length, what))
    }

    /// Reads an opaque vector (`opaque x<min..max>`) with a `prefixBytes`-byte length.
    package mutating func readOpaque(
        prefixBytes: Int, minLength: Int = 0, maxLength: Int = .max, _ what: StaticString
    ) throws -> [UInt8] {
        var body = try readVector(prefixBytes: prefixBytes, minLength: minLength, maxLength: maxLength, what)
        return Array(body.readRemaining())
    }

    /// Reads an opaque vector as a view of the bytes (no copy): for fields of a parsed message
    /// that live no longer than the message.
    package mutating func readOpaqueSlice(
        prefixBytes: Int, minLength: Int = 0, maxLength: Int = .max, _ what: StaticString
    ) throws -> ArraySlice<UInt8> {
        var body = try readVector(prefixBytes: prefixBytes, minLength: minLength, maxLength: maxLength, what)
        return body.readRemaining()
    }

    /// Throws `decode_error` unless every byte has been consumed.
    package func expectEnd(_ what: StaticString) throws {
        guard isEmpty else {
            throw TLSError.decodeError("\(remaining) trailing bytes after \(what)")
        }
    }
}
