/// ClientHello (RFC 8446 §4.1.2; also the TLS 1.2 form of RFC 5246 §7.4.1.2).
///
///     struct {
///         ProtocolVersion legacy_version = 0x0303;
///         Random random;                                   // 32 bytes
///         opaque legacy_session_id<0..32>;
///         CipherSuite cipher_suites<2..2^16-2>;
///         opaque legacy_compression_methods<1..2^8-1>;
///         Extension extensions<8..2^16-1>;
///     } ClientHello;
///
/// A TLS 1.2 client may omit the extension block entirely; that parses as an empty list (and
/// re-encodes with an empty block).
package struct ClientHello: Sendable, Hashable {
    /// `legacy_version`: 0x0303 for TLS 1.3 clients; the real offer is in supported_versions.
    package var legacyVersion: ProtocolVersion
    /// The 32-byte client random (in a parsed message, a view of the received bytes, like the
    /// other variable-length fields).
    package var random: ArraySlice<UInt8>
    /// `legacy_session_id`, 0...32 bytes (non-empty in middlebox-compatibility mode, RFC 8446 §D.4).
    package var legacySessionID: ArraySlice<UInt8>
    /// Offered cipher suites in preference order; never empty.
    package var cipherSuites: CodePointList<CipherSuite>
    /// `legacy_compression_methods`; a TLS 1.3 client sends exactly `[0]`.
    package var legacyCompressionMethods: ArraySlice<UInt8>
    /// The extensions in wire order.
    package var extensions: ExtensionList

    /// A ClientHello; defaults are those of every TLS 1.3 ClientHello.
    package init(
        legacyVersion: ProtocolVersion = .tls12,
        random: [UInt8],
        legacySessionID: [UInt8] = [],
        cipherSuites: CodePointList<CipherSuite>,
        legacyCompressionMethods: [UInt8] = [0],
        extensions: ExtensionList
    ) {
        self.legacyVersion = legacyVersion
        self.random = random[...]
        self.legacySessionID = legacySessionID[...]
        self.cipherSuites = cipherSuites
        self.legacyCompressionMethods = legacyCompressionMethods[...]
        self.extensions = extensions
    }

    /// Parses a ClientHello body (the handshake header already removed); the body must be consumed exactly.
    package init(parsing body: inout ByteReader) throws {
        legacyVersion = ProtocolVersion(rawValue: try body.readUInt16("legacy_version"))
        random = try body.readSlice(32, "random")
        legacySessionID = try body.readOpaqueSlice(prefixBytes: 1, maxLength: 32, "legacy_session_id")
        cipherSuites = try body.readCodePointList(minLength: 2, maxLength: 0xFFFE, maxCount: PeerListLimits.cipherSuites, "cipher_suites")
        legacyCompressionMethods = try body.readOpaqueSlice(prefixBytes: 1, minLength: 1, "legacy_compression_methods")
        extensions = body.isEmpty ? [] : try ExtensionList(parsing: &body, context: .clientHello)
        try body.expectEnd("ClientHello")
    }

    /// Writes the body (no handshake header).
    package func encode(into writer: inout ByteWriter) throws {
        guard random.count == 32 else { throw TLSError.internalError("ClientHello random of \(random.count) bytes") }
        guard legacySessionID.count <= 32 else { throw TLSError.internalError("legacy_session_id of \(legacySessionID.count) bytes") }
        guard !cipherSuites.isEmpty, !legacyCompressionMethods.isEmpty else {
            throw TLSError.internalError("ClientHello without cipher suites or compression methods")
        }
        writer.writeUInt16(legacyVersion.rawValue)
        writer.writeBytes(random)
        try writer.writeOpaque(prefixBytes: 1, legacySessionID)
        try writer.writeCodePoints(cipherSuites)
        try writer.writeOpaque(prefixBytes: 1, legacyCompressionMethods)
        try extensions.encode(into: &writer)
    }

    /// The PSK offer, if the last extension is pre_shared_key.
    package var offeredPSKs: OfferedPSKs? {
        if case .preSharedKeyOffer(let offer) = extensions.last { return offer }
        return nil
    }

    // MARK: PSK binders (RFC 8446 §4.2.11.2)

    /// How many bytes at the end of the encoded message are the binders vector (its 2-byte length
    /// and the binders), or nil without a PSK offer. The binders are computed over the message
    /// minus this suffix.
    package var bindersSuffixLength: Int? { offeredPSKs?.bindersEncodedLength }

    /// The bytes binders are computed over: the complete ClientHello message (4-byte handshake
    /// header included, as RFC 8448 shows) up to and including the PSK identities, i.e. without the
    /// binders vector (RFC 8446 §4.2.11.2).
    ///
    /// The message is parsed (so hostile bytes throw, never trap) and must end with a
    /// pre_shared_key offer; otherwise `illegal_parameter`.
    package static func truncatedForBinders(_ fullMessage: [UInt8]) throws -> ArraySlice<UInt8> {
        var reader = ByteReader(fullMessage)
        guard try reader.readUInt8("handshake type") == HandshakeType.clientHello.rawValue else {
            throw TLSError.unexpectedMessage("not a ClientHello")
        }
        var body = try reader.readVector(prefixBytes: 3, "ClientHello")
        try reader.expectEnd("ClientHello message")
        let hello = try ClientHello(parsing: &body)
        guard let offer = hello.offeredPSKs else {
            throw TLSError.illegalParameter("ClientHello carries no pre_shared_key offer")
        }
        return try truncatedForBinders(fullMessage[...], offer: offer)
    }

    /// The bytes binders are computed over, for a message already parsed (or built) whose last
    /// extension is `offer`: the message without its last `offer.bindersEncodedLength` bytes.
    ///
    /// Saves parsing the message a second time; the caller vouches that `fullMessage` is the
    /// message `offer` came from (a parsed ClientHello is consumed exactly and its
    /// pre_shared_key is last, so the binders vector is the message's end).
    package static func truncatedForBinders(_ fullMessage: ArraySlice<UInt8>, offer: OfferedPSKs) throws -> ArraySlice<UInt8> {
        let suffix = offer.bindersEncodedLength
        guard suffix <= fullMessage.count else {
            throw TLSError.internalError("ClientHello shorter than its binders")
        }
        return fullMessage.dropLast(suffix)
    }

    /// Overwrites the binders at the end of an encoded ClientHello message (built with placeholder
    /// binders of the final lengths, e.g. zeros) with the computed `binders`.
    ///
    /// Checks that the message really ends with a binders vector of exactly these lengths, so a
    /// wrong call cannot corrupt other bytes (`internal_error`).
    package static func patchBinders(in message: inout [UInt8], with binders: [[UInt8]]) throws {
        var suffix = ByteWriter()
        try suffix.writeVector(prefixBytes: 2) { w in
            for binder in binders { try w.writeOpaque(prefixBytes: 1, binder) }
        }
        let start = message.count - suffix.bytes.count
        guard start >= 0 else { throw TLSError.internalError("message shorter than its binders") }
        // Same layout = same vector length and the same per-binder lengths at the same offsets.
        var expected = ByteReader(message[start...])
        var given = ByteReader(suffix.bytes)
        guard try expected.readUInt16("binders length") == (try given.readUInt16("binders length")) else {
            throw TLSError.internalError("binders length does not match the placeholder")
        }
        while !given.isEmpty {
            let length = try given.readUInt8("binder length")
            guard try expected.readUInt8("binder length") == length else {
                throw TLSError.internalError("binder length does not match the placeholder")
            }
            _ = try given.readSlice(Int(length), "binder")
            _ = try expected.readSlice(Int(length), "binder")
        }
        message.replaceSubrange(start..<message.count, with: suffix.bytes)
    }
}
