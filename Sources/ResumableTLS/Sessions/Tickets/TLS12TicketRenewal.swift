/// When a TLS 1.2 server replaces a ticket that resumed with a fresh one (RFC 5077 §3.3: "the
/// server MAY ... issue a new ticket").
public enum TLS12TicketRenewal: Sendable, Hashable {
    /// When the ticket cannot be used again: a stateful ticket (taken on use, S14) or one from
    /// an external store, or a stateless ticket sealed under a key that no longer encrypts
    /// (S25). Otherwise the client keeps using its ticket (OpenSSL's behaviour).
    case whenNeeded
    /// On every resumption by ticket.
    case always
}
