/// The TLS 1.2 ECDHE ServerKeyExchange (RFC 8422 §5.4, RFC 5246 §7.4.3). Only named curves are
/// supported, so any other `curve_type` is `illegal_parameter`.
///
///     struct { ECCurveType curve_type = named_curve(3); NamedCurve namedcurve; } ECParameters;
///     struct { ECParameters curve_params; opaque point<1..2^8-1>; } ServerECDHParams;
///     struct { ServerECDHParams params; digitally-signed struct { ... } signed_params; } ServerKeyExchange;
///
/// `digitally-signed` in TLS 1.2 is `SignatureAndHashAlgorithm algorithm; opaque signature<0..2^16-1>`;
/// the signature covers `client_random + server_random + signedParamsBytes`.
package struct TLS12ServerKeyExchange: Sendable, Hashable {
    /// `ECCurveType.named_curve`, the only curve type accepted (RFC 8422 §5.4).
    package static let namedCurveType: UInt8 = 3

    /// The ECDHE group.
    package var group: NamedGroup
    /// The server's ephemeral package point; 1...255 bytes.
    package var publicPoint: [UInt8]
    /// The signature algorithm (TLS 1.2 SignatureAndHashAlgorithm shares SignatureScheme's code points).
    package var signatureAlgorithm: SignatureScheme
    /// The signature over the randoms and `signedParamsBytes`.
    package var signature: [UInt8]

    /// An ECDHE ServerKeyExchange.
    package init(group: NamedGroup, publicPoint: [UInt8], signatureAlgorithm: SignatureScheme, signature: [UInt8]) {
        self.group = group
        self.publicPoint = publicPoint
        self.signatureAlgorithm = signatureAlgorithm
        self.signature = signature
    }

    /// The encoded ServerECDHParams, the part of the signed content that comes from this message.
    package var signedParamsBytes: [UInt8] {
        get throws {
            var writer = ByteWriter()
            try encodeParams(into: &writer)
            return writer.bytes
        }
    }

    /// Parses the body; it must be consumed exactly.
    package init(parsing body: inout ByteReader) throws {
        let curveType = try body.readUInt8("curve_type")
        guard curveType == Self.namedCurveType else {
            throw TLSError.illegalParameter("ECCurveType \(curveType) is not named_curve")
        }
        group = NamedGroup(rawValue: try body.readUInt16("namedcurve"))
        publicPoint = try body.readOpaque(prefixBytes: 1, minLength: 1, "ECPoint")
        signatureAlgorithm = SignatureScheme(rawValue: try body.readUInt16("signature algorithm"))
        signature = try body.readOpaque(prefixBytes: 2, "signature")
        try body.expectEnd("ServerKeyExchange")
    }

    private func encodeParams(into writer: inout ByteWriter) throws {
        guard !publicPoint.isEmpty else { throw TLSError.internalError("empty ECDHE point") }
        writer.writeUInt8(Self.namedCurveType)
        writer.writeUInt16(group.rawValue)
        try writer.writeOpaque(prefixBytes: 1, publicPoint)
    }

    /// Writes the body (no handshake header).
    package func encode(into writer: inout ByteWriter) throws {
        try encodeParams(into: &writer)
        writer.writeUInt16(signatureAlgorithm.rawValue)
        try writer.writeOpaque(prefixBytes: 2, signature)
    }
}

/// The TLS 1.2 ECDHE ClientKeyExchange (RFC 8422 §5.7): `opaque point<1..2^8-1>;`
package struct TLS12ClientKeyExchange: Sendable, Hashable {
    /// The client's ephemeral package point.
    package var publicPoint: [UInt8]

    /// A ClientKeyExchange carrying `publicPoint`.
    package init(publicPoint: [UInt8]) { self.publicPoint = publicPoint }

    /// Parses the body; it must be consumed exactly.
    package init(parsing body: inout ByteReader) throws {
        publicPoint = try body.readOpaque(prefixBytes: 1, minLength: 1, "ECPoint")
        try body.expectEnd("ClientKeyExchange")
    }

    /// Writes the body (no handshake header).
    package func encode(into writer: inout ByteWriter) throws {
        guard !publicPoint.isEmpty else { throw TLSError.internalError("empty ECDHE point") }
        try writer.writeOpaque(prefixBytes: 1, publicPoint)
    }
}

/// The TLS 1.2 ServerHelloDone (RFC 5246 §7.4.5): an empty body.
package struct TLS12ServerHelloDone: Sendable, Hashable {
    /// The (only) ServerHelloDone message.
    package init() {}

    /// Parses the body, which must be empty.
    package init(parsing body: inout ByteReader) throws {
        try body.expectEnd("ServerHelloDone")
    }
}
