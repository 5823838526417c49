/// EncryptedExtensions (RFC 8446 §4.3.1): `Extension extensions<0..2^16-1>;`
public struct EncryptedExtensions: Sendable, Hashable {
    /// The extensions in wire order.
    public var extensions: ExtensionList

    /// An EncryptedExtensions message carrying `extensions`.
    public init(extensions: ExtensionList = []) { self.extensions = extensions }

    /// Parses the body; it must be consumed exactly.
    public init(parsing body: inout ByteReader) throws {
        extensions = try ExtensionList(parsing: &body, context: .encryptedExtensions)
        try body.expectEnd("EncryptedExtensions")
    }

    /// Writes the body (no handshake header).
    public func encode(into writer: inout ByteWriter) throws {
        try extensions.encode(into: &writer)
    }
}
