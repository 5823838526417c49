import Foundation
import Testing

/// `rtls bench-fleet` (issue 18): every mode of both workloads runs against the redis-server
/// it starts, and every handshake resumes. No timing thresholds: only that figures exist.
@Suite struct FleetBenchCommandTests {
    private struct Latency: Decodable { var p50Microseconds: Double; var p99Microseconds: Double }
    private struct LatencyRow: Decodable {
        var mode: String
        var handshakes: Int
        var resumed: Int
        var failures: Int
        var handshakesPerSecond: Double
        var latency: Latency
        var handshakeOnly: Latency
    }
    private struct ThroughputRow: Decodable {
        var mode: String
        var eventLoops: Int
        var handshakes: Int
        var resumed: Int
        var failures: Int
        var handshakesPerSecond: Double
    }
    private struct Report: Decodable { var latency: [LatencyRow]; var redisRoundTrip: Latency; var throughput: [ThroughputRow] }

    @Test("rtls bench-fleet --json: every mode makes resumed handshakes only, with p99 ≥ p50 > 0")
    func everyModeResumes() async throws {
        let result = try await RTLSTestSupport.offPool {
            try RTLSTestSupport.rtls(["bench-fleet", "--seconds", "0.2", "--concurrency", "4", "--json"], timeout: .seconds(120))
        }
        #expect(result.status == 0, "\(result.transcript)")
        let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        let modes = ["stateful-memory", "stateful-redis", "stateless-single-use-redis"]
        #expect(report.latency.map(\.mode) == modes)
        for row in report.latency {
            #expect(row.handshakes > 0 && row.resumed == row.handshakes && row.failures == 0, "\(row)")
            #expect(row.handshakesPerSecond > 0, "\(row)")
            #expect(row.latency.p50Microseconds > 0 && row.latency.p99Microseconds >= row.latency.p50Microseconds, "\(row)")
            #expect(row.handshakeOnly.p50Microseconds > 0 && row.handshakeOnly.p99Microseconds >= row.handshakeOnly.p50Microseconds, "\(row)")
        }
        #expect(report.redisRoundTrip.p50Microseconds > 0 && report.redisRoundTrip.p99Microseconds >= report.redisRoundTrip.p50Microseconds)
        #expect(report.throughput.map { "\($0.mode)/\($0.eventLoops)" } == ["stateful-memory/0", "stateful-redis/1", "stateful-redis/2",
                                                                          "stateless-single-use-redis/1", "stateless-single-use-redis/2"])
        for row in report.throughput {
            #expect(row.handshakes > 0 && row.resumed == row.handshakes && row.failures == 0, "\(row)")
            #expect(row.handshakesPerSecond > 0, "\(row)")
        }
    }
}
