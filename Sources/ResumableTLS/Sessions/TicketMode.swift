/// How a server's TLS 1.3 tickets carry the session.
public enum TicketMode: Sendable, Hashable {
    /// The ticket is the session state sealed under the context's ticket keys; the server
    /// keeps nothing (S24). OpenSSL's default.
    case stateless
    /// The ticket is a random opaque ID into the server's session cache; resuming takes the
    /// entry, so each ticket resumes once (S26, S14). OpenSSL's `SSL_OP_NO_TICKET` in TLS 1.3.
    case stateful
}
