/// One complete TLS record as read from the wire: header fields and the fragment bytes.
///
/// For a protected record (`contentType == .applicationData` once keys are in use) the fragment
/// is the AEAD ciphertext; record protection turns it into the inner content type and plaintext.
package struct TLSRecord: Sendable, Hashable {
    /// The header's content type.
    package var contentType: ContentType
    /// The header's `legacy_record_version`.
    package var legacyVersion: ProtocolVersion
    /// The fragment (plaintext or ciphertext), without the header.
    package var fragment: [UInt8]
    /// The 5 header bytes as received: the additional data of TLS 1.3 record protection.
    package var header: [UInt8] {
        var writer = ByteWriter(capacity: RecordLimits.headerLength)
        RecordHeader(contentType: contentType, legacyVersion: legacyVersion, length: fragment.count).encode(into: &writer)
        return writer.bytes
    }

    /// A record with the given contents.
    package init(contentType: ContentType, legacyVersion: ProtocolVersion = .tls12, fragment: [UInt8]) {
        self.contentType = contentType
        self.legacyVersion = legacyVersion
        self.fragment = fragment
    }
}
