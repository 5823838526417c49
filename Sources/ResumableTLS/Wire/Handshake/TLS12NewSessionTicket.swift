/// The TLS 1.2 NewSessionTicket (RFC 5077 §3.3).
///
///     struct { uint32 ticket_lifetime_hint; opaque ticket<0..2^16-1>; } NewSessionTicket;
///
/// An empty ticket means the server will not issue one after all.
public struct TLS12NewSessionTicket: Sendable, Hashable {
    /// Seconds the client may keep the ticket; 0 means unspecified.
    public var ticketLifetimeHint: UInt32
    /// The opaque ticket, possibly empty.
    public var ticket: [UInt8]

    /// A TLS 1.2 NewSessionTicket.
    public init(ticketLifetimeHint: UInt32, ticket: [UInt8]) {
        self.ticketLifetimeHint = ticketLifetimeHint
        self.ticket = ticket
    }

    /// Parses the body; it must be consumed exactly.
    public init(parsing body: inout ByteReader) throws {
        ticketLifetimeHint = try body.readUInt32("ticket_lifetime_hint")
        ticket = try body.readOpaque(prefixBytes: 2, "ticket")
        try body.expectEnd("NewSessionTicket")
    }

    /// Writes the body (no handshake header).
    public func encode(into writer: inout ByteWriter) throws {
        writer.writeUInt32(ticketLifetimeHint)
        try writer.writeOpaque(prefixBytes: 2, ticket)
    }
}
