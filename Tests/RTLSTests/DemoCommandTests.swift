import Foundation
import Testing

/// The README's main job, `rtls demo`: full then resumed handshakes on loopback, with every
/// resumed one resumed (issue 6).
@Suite struct DemoCommandTests {
    private struct Phase: Decodable { var mode: String; var count: Int; var resumed: Int }
    private struct Report: Decodable { var version: String; var ticketMode: String; var phases: [Phase] }

    @Test("rtls demo resumes every resumed handshake", arguments: ["stateless", "stateful"])
    func demoResumes(tickets: String) async throws {
        let result = try await RTLSTestSupport.offPool { try RTLSTestSupport.rtls(["demo", "--count", "5", "--tickets", tickets, "--json"], timeout: .seconds(120)) }
        #expect(result.status == 0, "\(result.transcript)")
        let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        #expect(report.ticketMode == tickets)
        #expect(report.version == "TLSv1.3")
        #expect(report.phases.map(\.mode) == ["full", "resumed"])
        #expect(report.phases.map(\.count) == [5, 5])
        #expect(report.phases.map(\.resumed) == [0, 5])
    }

    @Test("rtls demo --tls1_2 resumes by ticket and by session ID", arguments: ["stateless", "stateful"])
    func demoOverTLS12(tickets: String) async throws {
        let result = try await RTLSTestSupport.offPool { try RTLSTestSupport.rtls(["demo", "--count", "5", "--tickets", tickets, "--tls1_2", "--json"], timeout: .seconds(120)) }
        #expect(result.status == 0, "\(result.transcript)")
        let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        #expect(report.version == "TLSv1.2")
        #expect(report.phases.map(\.mode) == ["full", "ticket", "session_id"])
        #expect(report.phases.map(\.resumed) == [0, 5, 5])
    }

    private struct FleetRow: Decodable { var mechanism: String; var shared: Double; var perServer: Double }
    private struct FleetReport: Decodable { var servers: Int; var connections: Int; var sameServerShare: Double; var rows: [FleetRow] }

    @Test("rtls demo --fleet 3: a fleet sharing its sessions resumes nearly every time, servers on their own about 1 in 3 times")
    func fleetDemo() async throws {
        let result = try await RTLSTestSupport.offPool { try RTLSTestSupport.rtls(["demo", "--fleet", "3", "--count", "40", "--json"], timeout: .seconds(120)) }
        #expect(result.status == 0, "\(result.transcript)")
        let report = try JSONDecoder().decode(FleetReport.self, from: Data(result.stdout.utf8))
        #expect(report.servers == 3 && report.connections == 40)
        #expect(report.rows.map(\.mechanism) == ["TLS 1.3 stateful tickets (Redis)", "TLS 1.3 stateless tickets (keys in Redis)",
                                                "TLS 1.3 single-use stateless tickets", "TLS 1.2 session IDs (Redis)"])
        for row in report.rows {
            // A ticket's write to Redis races the next connection now and then: nearly 100 %.
            #expect(row.shared >= 0.9, "\(row.mechanism): \(row.shared)")
            // On its own a server resumes exactly the reconnections sent back to it.
            #expect(abs(row.perServer - report.sameServerShare) < 0.0001, "\(row.mechanism): \(row.perServer)")
            #expect(row.perServer < row.shared)
        }
        let table = try await RTLSTestSupport.offPool { try RTLSTestSupport.rtls(["demo", "--fleet", "2", "--count", "10"], timeout: .seconds(120)) }
        #expect(table.status == 0 && table.stdout.contains("per-server"), "\(table.transcript)")
    }
}
