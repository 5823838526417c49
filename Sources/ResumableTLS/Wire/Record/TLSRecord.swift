/// One complete TLS record as read from the wire: header fields and the fragment bytes.
///
/// For a protected record (`contentType == .applicationData` once keys are in use) the fragment
/// is the AEAD ciphertext; record protection turns it into the inner content type and plaintext.
public struct TLSRecord: Sendable, Hashable {
    /// The header's content type.
    public var contentType: ContentType
    /// The header's `legacy_record_version`.
    public var legacyVersion: ProtocolVersion
    /// The fragment (plaintext or ciphertext), without the header.
    public var fragment: [UInt8]
    /// The 5 header bytes as received: the additional data of TLS 1.3 record protection.
    public var header: [UInt8] {
        var writer = ByteWriter(capacity: RecordLimits.headerLength)
        RecordHeader(contentType: contentType, legacyVersion: legacyVersion, length: fragment.count).encode(into: &writer)
        return writer.bytes
    }

    /// A record with the given contents.
    public init(contentType: ContentType, legacyVersion: ProtocolVersion = .tls12, fragment: [UInt8]) {
        self.contentType = contentType
        self.legacyVersion = legacyVersion
        self.fragment = fragment
    }
}
