/// EncryptedExtensions (RFC 8446 §4.3.1): `Extension extensions<0..2^16-1>;`
package struct EncryptedExtensions: Sendable, Hashable {
    /// The extensions in wire order.
    package var extensions: ExtensionList

    /// An EncryptedExtensions message carrying `extensions`.
    package init(extensions: ExtensionList = []) { self.extensions = extensions }

    /// Parses the body; it must be consumed exactly.
    package init(parsing body: inout ByteReader) throws {
        extensions = try ExtensionList(parsing: &body, context: .encryptedExtensions)
        try body.expectEnd("EncryptedExtensions")
    }

    /// Writes the body (no handshake header).
    package func encode(into writer: inout ByteWriter) throws {
        try extensions.encode(into: &writer)
    }
}
