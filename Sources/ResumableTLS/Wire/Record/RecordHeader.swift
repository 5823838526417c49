/// The 5-byte header every TLS record starts with (RFC 8446 §5.1):
/// `ContentType type; ProtocolVersion legacy_record_version; uint16 length`.
package struct RecordHeader: Sendable, Hashable {
    /// What the fragment carries (for protected records: always application_data on the wire).
    package var contentType: ContentType
    /// `legacy_record_version`: 0x0301 in an initial ClientHello record, 0x0303 afterwards. TLS 1.3
    /// ignores it beyond requiring a TLS major version.
    package var legacyVersion: ProtocolVersion
    /// The fragment length that follows the header.
    package var length: Int

    /// A header for a record with the given contents.
    package init(contentType: ContentType, legacyVersion: ProtocolVersion = .tls12, length: Int) {
        self.contentType = contentType
        self.legacyVersion = legacyVersion
        self.length = length
    }

    /// Parses a header, checking only what a header alone can tell.
    ///
    /// An unknown content type is `unexpected_message`; a major version other than 3 (not TLS at
    /// all, e.g. an HTTP request on a TLS port) is `decode_error`; a length above
    /// `maxFragmentLength` is `record_overflow`.
    package init(parsing reader: inout ByteReader, maxFragmentLength: Int) throws {
        let type = try reader.readUInt8("record type")
        let version = try reader.readUInt16("record version")
        let length = Int(try reader.readUInt16("record length"))
        try self.init(type: type, version: version, length: length, maxFragmentLength: maxFragmentLength)
    }

    /// Checks the three header fields as read (see `init(parsing:maxFragmentLength:)`).
    init(type: UInt8, version: UInt16, length: Int, maxFragmentLength: Int) throws {
        guard let contentType = ContentType(rawValue: type) else {
            throw TLSError.unexpectedMessage("unknown record content type \(type)")
        }
        guard version >> 8 == 0x03 else {
            throw TLSError.decodeError("record version 0x\(String(version, radix: 16)) is not TLS")
        }
        guard length <= maxFragmentLength else {
            throw TLSError.recordOverflow("record of \(length) bytes exceeds \(maxFragmentLength)")
        }
        self.contentType = contentType
        self.legacyVersion = ProtocolVersion(rawValue: version)
        self.length = length
    }

    /// Appends the 5 header bytes.
    package func encode(into writer: inout ByteWriter) {
        writer.writeUInt8(contentType.rawValue)
        writer.writeUInt16(legacyVersion.rawValue)
        writer.writeUInt16(UInt16(truncatingIfNeeded: length))
    }
}
