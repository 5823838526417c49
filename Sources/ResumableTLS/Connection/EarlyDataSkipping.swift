/// How a server that declines a client's early data passes over it (RFC 8446 §4.2.10), up to
/// `max_early_data_size` bytes, before the handshake goes on in 1-RTT.
enum EarlyDataSkipping: Sendable, Hashable {
    /// After a ServerHello: the client's records that do not open under its handshake keys are
    /// early data under keys we do not have; skipped until one opens.
    case undecryptableRecords
    /// After a HelloRetryRequest: every application_data record is early data, skipped until
    /// the second ClientHello.
    case applicationDataRecords
}
