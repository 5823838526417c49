/// Small parsing helpers shared by the extension and handshake codecs.
extension ByteReader {
    /// Reads a vector of 16-bit code points (`T list<min..max>` with a 2-byte length prefix).
    ///
    /// An odd length cannot hold whole uint16 values, so it is `decode_error` like any other
    /// malformed length (RFC 8446 §3.4).
    /// More than `maxCount` values is `illegal_parameter` (`PeerListLimits`), refused before
    /// anything is allocated.
    mutating func readUInt16List(
        minLength: Int, maxLength: Int = 0xFFFF, maxCount: Int = .max, _ what: StaticString
    ) throws -> [UInt16] {
        var body = try readVector(prefixBytes: 2, minLength: minLength, maxLength: maxLength, what)
        guard body.remaining % 2 == 0 else {
            throw TLSError.decodeError("\(what): odd length \(body.remaining)")
        }
        try PeerListLimits.check(body.remaining / 2, maxCount, what)
        var values: [UInt16] = []
        values.reserveCapacity(body.remaining / 2)
        while !body.isEmpty { values.append(try body.readUInt16(what)) }
        return values
    }
}

extension ByteWriter {
    /// Writes a vector of 16-bit code points with a 2-byte length prefix.
    mutating func writeUInt16List<S: Sequence>(_ values: S) throws where S.Element == UInt16 {
        try writeVector(prefixBytes: 2) { w in
            for value in values { w.writeUInt16(value) }
        }
    }
}
