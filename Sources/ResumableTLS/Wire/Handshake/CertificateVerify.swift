/// CertificateVerify (RFC 8446 §4.4.3); the same layout as TLS 1.2's digitally-signed CertificateVerify.
///
///     struct { SignatureScheme algorithm; opaque signature<0..2^16-1>; } CertificateVerify;
package struct CertificateVerify: Sendable, Hashable {
    /// The scheme the signature was made with.
    package var algorithm: SignatureScheme
    /// The signature bytes.
    package var signature: [UInt8]

    /// A CertificateVerify.
    package init(algorithm: SignatureScheme, signature: [UInt8]) {
        self.algorithm = algorithm
        self.signature = signature
    }

    /// Parses the body; it must be consumed exactly.
    package init(parsing body: inout ByteReader) throws {
        algorithm = SignatureScheme(rawValue: try body.readUInt16("signature algorithm"))
        signature = try body.readOpaque(prefixBytes: 2, "signature")
        try body.expectEnd("CertificateVerify")
    }

    /// Writes the body (no handshake header).
    package func encode(into writer: inout ByteWriter) throws {
        writer.writeUInt16(algorithm.rawValue)
        try writer.writeOpaque(prefixBytes: 2, signature)
    }
}
