/// KeyUpdate (RFC 8446 §4.6.3): `KeyUpdateRequest request_update;`
package struct KeyUpdate: Sendable, Hashable {
    /// Whether the sender asks the peer to update its sending keys too.
    package enum Request: UInt8, Sendable, Hashable, CaseIterable {
        /// `update_not_requested` (0).
        case updateNotRequested = 0
        /// `update_requested` (1).
        case updateRequested = 1
    }

    /// The sender's request.
    package var request: Request

    /// A KeyUpdate carrying `request`.
    package init(request: Request) { self.request = request }

    /// Parses the body; a value other than 0 or 1 is `illegal_parameter` (RFC 8446 §4.6.3).
    package init(parsing body: inout ByteReader) throws {
        let value = try body.readUInt8("request_update")
        try body.expectEnd("KeyUpdate")
        guard let request = Request(rawValue: value) else {
            throw TLSError.illegalParameter("request_update \(value) is neither 0 nor 1")
        }
        self.request = request
    }

    /// Writes the body (no handshake header).
    package func encode(into writer: inout ByteWriter) {
        writer.writeUInt8(request.rawValue)
    }
}
