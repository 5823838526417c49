/// The TLS 1.3 NewSessionTicket (RFC 8446 §4.6.1). TLS 1.2's RFC 5077 ticket is `TLS12NewSessionTicket`.
///
///     struct {
///         uint32 ticket_lifetime;
///         uint32 ticket_age_add;
///         opaque ticket_nonce<0..255>;
///         opaque ticket<1..2^16-1>;
///         Extension extensions<0..2^16-2>;
///     } NewSessionTicket;
package struct TLS13NewSessionTicket: Sendable, Hashable {
    /// The longest lifetime a server may announce: 7 days (RFC 8446 §4.6.1).
    package static let maximumLifetime: UInt32 = 604_800

    /// Seconds the ticket may be used for; at most `maximumLifetime`.
    package var ticketLifetime: UInt32
    /// Added to the ticket age to obfuscate it (RFC 8446 §4.2.11.1).
    package var ticketAgeAdd: UInt32
    /// Per-ticket nonce fed into the PSK derivation.
    package var ticketNonce: [UInt8]
    /// The opaque ticket the client presents as a PSK identity; never empty.
    package var ticket: [UInt8]
    /// The extensions (early_data's max_early_data_size).
    package var extensions: ExtensionList

    /// A NewSessionTicket.
    package init(ticketLifetime: UInt32, ticketAgeAdd: UInt32, ticketNonce: [UInt8], ticket: [UInt8], extensions: ExtensionList = []) {
        self.ticketLifetime = ticketLifetime
        self.ticketAgeAdd = ticketAgeAdd
        self.ticketNonce = ticketNonce
        self.ticket = ticket
        self.extensions = extensions
    }

    /// The early-data limit the server allows with this ticket, if any (RFC 8446 §4.2.10).
    package var maxEarlyDataSize: UInt32? {
        if case .maxEarlyDataSize(let size) = extensions[.earlyData] { return size }
        return nil
    }

    /// Parses the body; it must be consumed exactly. A lifetime above 7 days is `illegal_parameter`.
    package init(parsing body: inout ByteReader) throws {
        ticketLifetime = try body.readUInt32("ticket_lifetime")
        guard ticketLifetime <= Self.maximumLifetime else {
            throw TLSError.illegalParameter("ticket_lifetime \(ticketLifetime) exceeds 7 days")
        }
        ticketAgeAdd = try body.readUInt32("ticket_age_add")
        ticketNonce = try body.readOpaque(prefixBytes: 1, "ticket_nonce")
        ticket = try body.readOpaque(prefixBytes: 2, minLength: 1, "ticket")
        extensions = try ExtensionList(parsing: &body, context: .newSessionTicket)
        try body.expectEnd("NewSessionTicket")
    }

    /// Writes the body (no handshake header).
    package func encode(into writer: inout ByteWriter) throws {
        guard !ticket.isEmpty else { throw TLSError.internalError("empty ticket") }
        writer.writeUInt32(ticketLifetime)
        writer.writeUInt32(ticketAgeAdd)
        try writer.writeOpaque(prefixBytes: 1, ticketNonce)
        try writer.writeOpaque(prefixBytes: 2, ticket)
        try extensions.encode(into: &writer)
    }
}
