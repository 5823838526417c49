/// The TLS 1.3 CertificateRequest (RFC 8446 §4.3.2).
///
///     struct {
///         opaque certificate_request_context<0..2^8-1>;
///         Extension extensions<2..2^16-1>;
///     } CertificateRequest;
///
/// signature_algorithms is required; its absence is `missing_extension`.
package struct CertificateRequest: Sendable, Hashable {
    /// Echoed in the client's Certificate; empty during the handshake.
    package var certificateRequestContext: [UInt8]
    /// The extensions in wire order; includes signature_algorithms.
    package var extensions: ExtensionList

    /// A CertificateRequest.
    package init(certificateRequestContext: [UInt8] = [], extensions: ExtensionList) {
        self.certificateRequestContext = certificateRequestContext
        self.extensions = extensions
    }

    /// The signature schemes the server accepts for CertificateVerify.
    package var signatureAlgorithms: [SignatureScheme] {
        if case .signatureAlgorithms(let schemes) = extensions[.signatureAlgorithms] { return schemes.values }
        return []
    }

    /// Parses the body; it must be consumed exactly.
    package init(parsing body: inout ByteReader) throws {
        certificateRequestContext = try body.readOpaque(prefixBytes: 1, "certificate_request_context")
        extensions = try ExtensionList(parsing: &body, context: .certificateRequest, minLength: 2)
        try body.expectEnd("CertificateRequest")
        guard extensions.contains(.signatureAlgorithms) else {
            throw TLSError.protocolViolation(alert: .missingExtension, reason: .missingExtension("CertificateRequest without signature_algorithms"))
        }
    }

    /// Writes the body (no handshake header).
    package func encode(into writer: inout ByteWriter) throws {
        guard extensions.contains(.signatureAlgorithms) else {
            throw TLSError.internalError("CertificateRequest needs signature_algorithms")
        }
        try writer.writeOpaque(prefixBytes: 1, certificateRequestContext)
        try extensions.encode(into: &writer)
    }
}
