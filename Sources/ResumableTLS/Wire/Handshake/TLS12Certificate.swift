/// The TLS 1.2 Certificate message (RFC 5246 §7.4.2): no request context, no per-entry extensions.
///
///     opaque ASN.1Cert<1..2^24-1>;
///     struct { ASN.1Cert certificate_list<0..2^24-1>; } Certificate;
package struct TLS12Certificate: Sendable, Hashable {
    /// The DER certificates, end-entity first; empty when a client has none to send.
    package var certificates: [[UInt8]]

    /// A TLS 1.2 Certificate message.
    package init(certificates: [[UInt8]]) { self.certificates = certificates }

    /// Parses the body; it must be consumed exactly.
    package init(parsing body: inout ByteReader) throws {
        var list = try body.readVector(prefixBytes: 3, "certificate_list")
        var certificates: [[UInt8]] = []
        while !list.isEmpty {
            certificates.append(try list.readOpaque(prefixBytes: 3, minLength: 1, "ASN.1Cert"))
            try PeerListLimits.check(certificates.count, PeerListLimits.certificates, "certificate_list")
        }
        self.certificates = certificates
        try body.expectEnd("Certificate")
    }

    /// Writes the body (no handshake header).
    package func encode(into writer: inout ByteWriter) throws {
        try writer.writeVector(prefixBytes: 3) { w in
            for certificate in certificates {
                guard !certificate.isEmpty else { throw TLSError.internalError("empty certificate") }
                try w.writeOpaque(prefixBytes: 3, certificate)
            }
        }
    }
}

/// The TLS 1.2 CertificateRequest (RFC 5246 §7.4.4).
///
///     struct {
///         ClientCertificateType certificate_types<1..2^8-1>;
///         SignatureAndHashAlgorithm supported_signature_algorithms<2..2^16-2>;
///         DistinguishedName certificate_authorities<0..2^16-1>;
///     } CertificateRequest;
///     opaque DistinguishedName<1..2^16-1>;
package struct TLS12CertificateRequest: Sendable, Hashable {
    /// `ClientCertificateType` codes (1 = rsa_sign, 64 = ecdsa_sign, RFC 8422 §5.5).
    package var certificateTypes: [UInt8]
    /// Acceptable signature algorithms (TLS 1.2 pairs share SignatureScheme's code points).
    package var signatureAlgorithms: [SignatureScheme]
    /// DER-encoded distinguished names of acceptable CAs; may be empty.
    package var certificateAuthorities: [[UInt8]]

    /// A TLS 1.2 CertificateRequest.
    package init(certificateTypes: [UInt8], signatureAlgorithms: [SignatureScheme], certificateAuthorities: [[UInt8]] = []) {
        self.certificateTypes = certificateTypes
        self.signatureAlgorithms = signatureAlgorithms
        self.certificateAuthorities = certificateAuthorities
    }

    /// Parses the body; it must be consumed exactly.
    package init(parsing body: inout ByteReader) throws {
        certificateTypes = try body.readOpaque(prefixBytes: 1, minLength: 1, "certificate_types")
        signatureAlgorithms = try body.readUInt16List(minLength: 2, maxLength: 0xFFFE, "supported_signature_algorithms")
            .map(SignatureScheme.init(rawValue:))
        var names = try body.readVector(prefixBytes: 2, "certificate_authorities")
        var authorities: [[UInt8]] = []
        while !names.isEmpty {
            authorities.append(try names.readOpaque(prefixBytes: 2, minLength: 1, "DistinguishedName"))
        }
        certificateAuthorities = authorities
        try body.expectEnd("CertificateRequest")
    }

    /// Writes the body (no handshake header).
    package func encode(into writer: inout ByteWriter) throws {
        guard !certificateTypes.isEmpty, !signatureAlgorithms.isEmpty else {
            throw TLSError.internalError("TLS 1.2 CertificateRequest needs certificate types and signature algorithms")
        }
        try writer.writeOpaque(prefixBytes: 1, certificateTypes)
        try writer.writeUInt16List(signatureAlgorithms.map(\.rawValue))
        try writer.writeVector(prefixBytes: 2) { w in
            for name in certificateAuthorities {
                guard !name.isEmpty else { throw TLSError.internalError("empty DistinguishedName") }
                try w.writeOpaque(prefixBytes: 2, name)
            }
        }
    }
}
