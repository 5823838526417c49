/// One certificate of a TLS 1.3 Certificate message with its extensions (RFC 8446 §4.4.2).
///
///     struct { opaque cert_data<1..2^24-1>; Extension extensions<0..2^16-1>; } CertificateEntry;
///
/// Only the X.509 certificate type is modelled; `certificateData` is one DER certificate.
package struct CertificateEntry: Sendable, Hashable {
    /// The DER-encoded certificate; never empty.
    package var certificateData: [UInt8]
    /// Per-certificate extensions (for example status_request or signed_certificate_timestamp).
    package var extensions: ExtensionList

    /// An entry for `certificateData`.
    package init(certificateData: [UInt8], extensions: ExtensionList = []) {
        self.certificateData = certificateData
        self.extensions = extensions
    }
}

/// The TLS 1.3 Certificate message (RFC 8446 §4.4.2). Named `CertificateMessage` so that
/// `Certificate` stays free for X.509 types; TLS 1.2's different layout (RFC 5246 §7.4.2) would be
/// its own type.
///
///     struct {
///         opaque certificate_request_context<0..2^8-1>;
///         CertificateEntry certificate_list<0..2^24-1>;
///     } Certificate;
package struct CertificateMessage: Sendable, Hashable {
    /// Empty in a server's Certificate; echoes the CertificateRequest's context in a client's.
    package var certificateRequestContext: [UInt8]
    /// The chain, end-entity first; empty when a client has no certificate to send.
    package var certificateList: [CertificateEntry]

    /// A Certificate message.
    package init(certificateRequestContext: [UInt8] = [], certificateList: [CertificateEntry]) {
        self.certificateRequestContext = certificateRequestContext
        self.certificateList = certificateList
    }

    /// Parses the body; it must be consumed exactly.
    package init(parsing body: inout ByteReader) throws {
        certificateRequestContext = try body.readOpaque(prefixBytes: 1, "certificate_request_context")
        var list = try body.readVector(prefixBytes: 3, "certificate_list")
        var entries: [CertificateEntry] = []
        while !list.isEmpty {
            let data = try list.readOpaque(prefixBytes: 3, minLength: 1, "cert_data")
            let extensions = try ExtensionList(parsing: &list, context: .certificate)
            entries.append(CertificateEntry(certificateData: data, extensions: extensions))
            try PeerListLimits.check(entries.count, PeerListLimits.certificates, "certificate_list")
        }
        certificateList = entries
        try body.expectEnd("Certificate")
    }

    /// Writes the body (no handshake header).
    package func encode(into writer: inout ByteWriter) throws {
        try writer.writeOpaque(prefixBytes: 1, certificateRequestContext)
        try writer.writeVector(prefixBytes: 3) { w in
            for entry in certificateList {
                guard !entry.certificateData.isEmpty else { throw TLSError.internalError("empty cert_data") }
                try w.writeOpaque(prefixBytes: 3, entry.certificateData)
                try entry.extensions.encode(into: &w)
            }
        }
    }
}
