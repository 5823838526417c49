/// ServerHello, and HelloRetryRequest which shares its layout and type (RFC 8446 §4.1.3–4.1.4;
/// also the TLS 1.2 form of RFC 5246 §7.4.1.3).
///
///     struct {
///         ProtocolVersion legacy_version = 0x0303;
///         Random random;
///         opaque legacy_session_id_echo<0..32>;
///         CipherSuite cipher_suite;
///         uint8 legacy_compression_method = 0;
///         Extension extensions<6..2^16-1>;
///     } ServerHello;
///
/// A HelloRetryRequest is recognised by its random (`helloRetryRequestRandom`) and its
/// extensions are parsed in the `.helloRetryRequest` context. The parser does not check
/// `legacy_version` or the compression method: which values are legal depends on the version
/// negotiated, which the state machine knows.
package struct ServerHello: Sendable, Hashable {
    /// SHA-256("HelloRetryRequest"), the random of every HelloRetryRequest (RFC 8446 §4.1.3).
    package static let helloRetryRequestRandom: [UInt8] = [
        0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
        0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
    ]

    /// `legacy_version`: 0x0303 in TLS 1.3; the real version is in supported_versions.
    package var legacyVersion: ProtocolVersion
    /// The 32-byte server random (or `helloRetryRequestRandom`).
    package var random: ArraySlice<UInt8>
    /// The client's `legacy_session_id`, echoed.
    package var legacySessionIDEcho: ArraySlice<UInt8>
    /// The selected cipher suite.
    package var cipherSuite: CipherSuite
    /// `legacy_compression_method`; 0 in every acceptable ServerHello.
    package var legacyCompressionMethod: UInt8
    /// The extensions in wire order.
    package var extensions: ExtensionList

    /// A ServerHello (or, with `random: ServerHello.helloRetryRequestRandom`, a HelloRetryRequest).
    package init(
        legacyVersion: ProtocolVersion = .tls12,
        random: [UInt8],
        legacySessionIDEcho: ArraySlice<UInt8> = [],
        cipherSuite: CipherSuite,
        legacyCompressionMethod: UInt8 = 0,
        extensions: ExtensionList
    ) {
        self.legacyVersion = legacyVersion
        self.random = random[...]
        self.legacySessionIDEcho = legacySessionIDEcho
        self.cipherSuite = cipherSuite
        self.legacyCompressionMethod = legacyCompressionMethod
        self.extensions = extensions
    }

    /// Whether this is a HelloRetryRequest (RFC 8446 §4.1.4).
    package var isHelloRetryRequest: Bool { random.elementsEqual(Self.helloRetryRequestRandom) }

    /// Parses a ServerHello or HelloRetryRequest body; the body must be consumed exactly.
    package init(parsing body: inout ByteReader) throws {
        legacyVersion = ProtocolVersion(rawValue: try body.readUInt16("legacy_version"))
        random = try body.readSlice(32, "random")
        legacySessionIDEcho = try body.readOpaqueSlice(prefixBytes: 1, maxLength: 32, "legacy_session_id_echo")
        cipherSuite = CipherSuite(rawValue: try body.readUInt16("cipher_suite"))
        legacyCompressionMethod = try body.readUInt8("legacy_compression_method")
        let context: ExtensionContext = random.elementsEqual(Self.helloRetryRequestRandom) ? .helloRetryRequest : .serverHello
        extensions = body.isEmpty ? [] : try ExtensionList(parsing: &body, context: context)
        try body.expectEnd("ServerHello")
    }

    /// Writes the body (no handshake header).
    package func encode(into writer: inout ByteWriter) throws {
        guard random.count == 32 else { throw TLSError.internalError("ServerHello random of \(random.count) bytes") }
        guard legacySessionIDEcho.count <= 32 else { throw TLSError.internalError("legacy_session_id_echo too long") }
        writer.writeUInt16(legacyVersion.rawValue)
        writer.writeBytes(random)
        try writer.writeOpaque(prefixBytes: 1, legacySessionIDEcho)
        writer.writeUInt16(cipherSuite.rawValue)
        writer.writeUInt8(legacyCompressionMethod)
        try extensions.encode(into: &writer)
    }

    /// The downgrade sentinel in the last 8 bytes of the random, if any (RFC 8446 §4.1.3).
    package var downgradeSentinel: DowngradeSentinel? { DowngradeSentinel(serverRandom: random) }
}

/// The values a TLS 1.3 server writes into the last 8 bytes of its random when it negotiates an
/// older version (RFC 8446 §4.1.3). A TLS 1.3 client that sees one after negotiating TLS 1.2 or
/// below must abort with `illegal_parameter`; a TLS 1.2 client that sees `tls11OrBelow` after
/// negotiating TLS 1.1 or below should too.
package enum DowngradeSentinel: Sendable, Hashable, CaseIterable {
    /// `44 4F 57 4E 47 52 44 01` ("DOWNGRD" 01): the server negotiated TLS 1.2.
    case tls12
    /// `44 4F 57 4E 47 52 44 00` ("DOWNGRD" 00): the server negotiated TLS 1.1 or below.
    case tls11OrBelow

    /// The 8 bytes ending the server random.
    package var bytes: [UInt8] {
        switch self {
        case .tls12: return [0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44, 0x01]
        case .tls11OrBelow: return [0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44, 0x00]
        }
    }

    /// The sentinel a server random ends with, or nil.
    package init?(serverRandom: some Collection<UInt8>) {
        guard serverRandom.count == 32 else { return nil }
        let tail = serverRandom.suffix(8)
        guard let match = Self.allCases.first(where: { $0.bytes.elementsEqual(tail) }) else { return nil }
        self = match
    }
}
