/// Finished (RFC 8446 §4.4.4; RFC 5246 §7.4.9): `opaque verify_data[Hash.length];`
///
/// The body has no length of its own: it is the transcript hash's length in TLS 1.3 (32 or 48)
/// and 12 in TLS 1.2. The parser is therefore given the expected length and rejects any other
/// as `decode_error`; the caller (the state machine, through `HandshakeParsingContext`) knows
/// the negotiated hash.
package struct Finished: Sendable, Hashable {
    /// The HMAC (TLS 1.3) or PRF output (TLS 1.2) the peer computed (in a parsed message, a
    /// view of the received bytes).
    package var verifyData: ArraySlice<UInt8>

    /// A Finished message carrying `verifyData`.
    package init(verifyData: [UInt8]) { self.verifyData = verifyData[...] }

    /// Parses a body that must be exactly `verifyDataLength` bytes.
    package init(parsing body: inout ByteReader, verifyDataLength: Int) throws {
        guard body.remaining == verifyDataLength else {
            throw TLSError.decodeError("Finished of \(body.remaining) bytes, expected \(verifyDataLength)")
        }
        verifyData = try body.readSlice(verifyDataLength, "verify_data")
    }

    /// Writes the body (no handshake header).
    package func encode(into writer: inout ByteWriter) {
        writer.writeBytes(verifyData)
    }
}
