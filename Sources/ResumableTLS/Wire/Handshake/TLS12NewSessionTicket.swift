/// The TLS 1.2 NewSessionTicket (RFC 5077 §3.3).
///
///     struct { uint32 ticket_lifetime_hint; opaque ticket<0..2^16-1>; } NewSessionTicket;
///
/// An empty ticket means the server will not issue one after all.
package struct TLS12NewSessionTicket: Sendable, Hashable {
    /// Seconds the client may keep the ticket; 0 means unspecified.
    package var ticketLifetimeHint: UInt32
    /// The opaque ticket, possibly empty.
    package var ticket: [UInt8]

    /// A TLS 1.2 NewSessionTicket.
    package init(ticketLifetimeHint: UInt32, ticket: [UInt8]) {
        self.ticketLifetimeHint = ticketLifetimeHint
        self.ticket = ticket
    }

    /// Parses the body; it must be consumed exactly.
    package init(parsing body: inout ByteReader) throws {
        ticketLifetimeHint = try body.readUInt32("ticket_lifetime_hint")
        ticket = try body.readOpaque(prefixBytes: 2, "ticket")
        try body.expectEnd("NewSessionTicket")
    }

    /// Writes the body (no handshake header).
    package func encode(into writer: inout ByteWriter) throws {
        writer.writeUInt32(ticketLifetimeHint)
        try writer.writeOpaque(prefixBytes: 2, ticket)
    }
}
