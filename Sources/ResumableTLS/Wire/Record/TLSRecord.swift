/// One complete TLS record as read from the wire: header fields and the fragment bytes.
///
/// For a protected record (`contentType == .applicationData` once keys are in use) the fragment
/// is the AEAD ciphertext; record protection turns it into the inner content type and plaintext.
/// The record is kept as one array, header then fragment, exactly as received: opening a
/// protected record works on it in place (the header is the additional data), with no second
/// copy of the fragment.
package struct TLSRecord: Sendable, Hashable {
    /// The header's content type.
    package var contentType: ContentType
    /// The header's `legacy_record_version`.
    package var legacyVersion: ProtocolVersion
    /// The whole record: the 5 header bytes, then the fragment.
    package var bytes: [UInt8]

    /// The fragment (plaintext or ciphertext), without the header.
    package var fragment: ArraySlice<UInt8> { bytes[RecordLimits.headerLength...] }
    /// The 5 header bytes as received: the additional data of TLS 1.3 record protection.
    package var header: ArraySlice<UInt8> { bytes[..<RecordLimits.headerLength] }

    /// A record with the given contents (its header encoded from them).
    package init<C: Collection>(contentType: ContentType, legacyVersion: ProtocolVersion = .tls12, fragment: C) where C.Element == UInt8 {
        var writer = ByteWriter(capacity: RecordLimits.headerLength + fragment.count)
        RecordHeader(contentType: contentType, legacyVersion: legacyVersion, length: fragment.count).encode(into: &writer)
        writer.writeBytes(fragment)
        self.init(header: RecordHeader(contentType: contentType, legacyVersion: legacyVersion, length: fragment.count), bytes: writer.bytes)
    }

    /// A record whose `bytes` (header included) were read as `header` describes.
    init(header: RecordHeader, bytes: [UInt8]) {
        self.contentType = header.contentType
        self.legacyVersion = header.legacyVersion
        self.bytes = bytes
    }
}
