import CoreMetrics
import Foundation
import ResumableTLS

/// The fleet's record of used stateless tickets, in Redis: with
/// `StatelessTicketReuse.singleUseAcrossFleet(_:)` a ticket resumes once across every server
/// that shares the ticket keys and this registry (S14, S27), not once per server.
///
/// Recording a use is one `SET prefix:<digest> 1 NX PX ttl`: Redis sets the key only if it is
/// absent, so of two servers presented the same ticket at once exactly one gets `OK`; the key
/// expires with the ticket. The key names the SHA-256 digest of the ticket, which is already
/// sealed under the fleet's ticket keys: Redis learns nothing but that some ticket was used.
/// A failed or slow command throws; the server then declines the ticket (fails closed).
public struct RedisTicketReplayRegistry: TicketReplayRegistry {
    /// Where the commands go: a `RedisClient` (one server) or a `RedisClusterClient`.
    public let sender: any RedisCommandSender
    /// The first part of every key, to share a Redis between applications.
    public let prefix: String
    private let clock: any TLSClock
    private let counters: RedisTicketReplayCounters

    /// What the registry has done so far.
    public var statistics: RedisTicketReplayStatistics { counters.snapshot }

    /// A registry on `sender` (one Redis or a cluster) under `prefix`; its counters go to swift-metrics through
    /// `metricsFactory`, labelled `tls_ticket_replay_registry_…` with `metricsDimensions`.
    public init(sender: any RedisCommandSender, prefix: String = "rtls:used-ticket", clock: any TLSClock = SystemClock(),
                metricsDimensions: [(String, String)] = [], metricsFactory: any MetricsFactory = MetricsSystem.factory) {
        self.sender = sender
        self.prefix = prefix
        self.clock = clock
        self.counters = RedisTicketReplayCounters(dimensions: metricsDimensions, factory: metricsFactory)
    }

    /// The Redis key that records the use of the ticket with this digest.
    func redisKey(ticketDigest: [UInt8]) -> String {
        "\(prefix):\(ticketDigest.map { String(format: "%02x", $0) }.joined())"
    }

    /// Records the ticket's first use until `expiry` (`SET … NX PX`): true for the first use
    /// fleet-wide, false when it was recorded before. A ticket already expired is never resumed
    /// by the server, so it is answered false without asking Redis.
    public func recordFirstUse(ofTicketDigest ticketDigest: [UInt8], until expiry: Date) async throws -> Bool {
        let milliseconds = Int64((expiry.timeIntervalSince(clock.now()) * 1000).rounded(.up))
        guard milliseconds > 0 else { return false }
        let key = redisKey(ticketDigest: ticketDigest)
        let reply: RESPValue
        let start = ContinuousClock.now
        do {
            reply = try await sender.send([Array("SET".utf8), Array(key.utf8), Array("1".utf8), Array("NX".utf8),
                                           Array("PX".utf8), Array(String(milliseconds).utf8)], key: Array(key.utf8))
            counters.recordLatency(ContinuousClock.now - start)
        } catch {
            counters.recordLatency(ContinuousClock.now - start)
            counters.countFailure(error)
            throw error
        }
        switch reply {
        case .simpleString("OK"):
            counters.count(.firstUse)
            return true
        case .bulkString(nil):
            counters.count(.replay)
            return false
        default:
            counters.count(.error)
            throw RedisError.unexpectedReply("SET NX answered \(reply)")
        }
    }
}
