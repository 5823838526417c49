import Foundation

/// A server's 0-RTT policy (S29, RFC 8446 §4.2.10, §8): with it, the server's TLS 1.3 tickets
/// allow early data (`SSL_CTX_set_max_early_data`) and a resumption that offers some accepts it
/// when every check passes.
///
/// Early data is replayable: an attacker who recorded a ClientHello can send it again. The
/// server accepts it only from the first PSK identity, with the ticket's cipher suite, ALPN and
/// SNI, within `freshnessWindow` of the ticket age the client claims (§8.3), and only once:
/// stateful tickets are taken on use, single-use stateless tickets are recorded
/// (`StatelessTicketReuse`), and otherwise the ClientHello itself is recorded for the freshness
/// window (§8.2), in this process or, with `sharedClientHelloRecord`, across a fleet. Early data
/// a server declines is skipped (§4.2.10) and the handshake goes on in 1-RTT. Only idempotent
/// requests belong in early data.
public struct EarlyDataConfiguration: Sendable {
    /// The most early data accepted per connection, in bytes (a ticket's
    /// `max_early_data_size`); more is `unexpected_message`. Default 16 KiB.
    public var maximumSize: UInt32
    /// How far the client's ticket age may differ from the server's before early data is
    /// declined (§8.3), and how long ClientHellos are recorded against replay (§8.2). Default 10 s.
    public var freshnessWindow: TimeInterval
    /// How many ClientHellos the replay record holds at most (32 bytes each plus the
    /// dictionary's overhead); when full of live entries, early data is declined (fails
    /// closed), resumption still goes ahead.
    public var replayRecordCapacity: Int
    /// With reusable stateless tickets: where ClientHellos that send early data are recorded
    /// (by their first binder's SHA-256) for the freshness window, shared by a fleet that shares
    /// ticket keys, so that a ClientHello replayed to another server gets no early data either
    /// (`RedisTicketReplayRegistry`, S27). Asked with the ClientHello's other lookups, under
    /// `TLSConfiguration.sessionStoreTimeLimit`; a registry that fails or is slow declines the
    /// early data, never the resumption. Nil records them in this process only.
    public var sharedClientHelloRecord: (any TicketReplayRegistry)?

    /// 16 KiB, ±10 s, 100,000 recorded ClientHellos in this process.
    public init(maximumSize: UInt32 = 16_384, freshnessWindow: TimeInterval = 10, replayRecordCapacity: Int = 100_000,
                sharedClientHelloRecord: (any TicketReplayRegistry)? = nil) {
        self.maximumSize = maximumSize
        self.freshnessWindow = freshnessWindow
        self.replayRecordCapacity = replayRecordCapacity
        self.sharedClientHelloRecord = sharedClientHelloRecord
    }
}

/// What became of early data in a handshake (S29).
public enum EarlyDataStatus: Sendable, Hashable {
    /// None was offered.
    case notOffered
    /// The server accepted it: it was delivered before the handshake completed.
    case accepted
    /// It was offered but not accepted (or, on a client, could not be offered with this
    /// session); a client sends it again after the handshake if it still wants to.
    case rejected
}
