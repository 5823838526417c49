import Crypto

/// A traffic secret with the suite it belongs to: enough to derive record keys now and the next
/// generation after a KeyUpdate (RFC 8446 §7.2–7.3).
struct TrafficSecret: Sendable {
    let suite: TLS13CipherSuiteParameters
    let secret: SymmetricKey

    /// Record protection starting at sequence number 0.
    func makeProtection() -> RecordProtection {
        RecordProtection(suite: suite, trafficSecret: secret)
    }

    /// The next generation (`application_traffic_secret_N+1`).
    func next() -> TrafficSecret {
        TrafficSecret(suite: suite, secret: KeySchedule.nextApplicationTrafficSecret(hash: suite.hash, current: secret))
    }
}
