import Foundation
import Testing

/// The README's main job, `rtls demo`: full then resumed handshakes on loopback, with every
/// resumed one resumed (issue 6).
@Suite struct DemoCommandTests {
    private struct Phase: Decodable { var mode: String; var count: Int; var resumed: Int }
    private struct Report: Decodable { var version: String; var ticketMode: String; var phases: [Phase] }

    @Test("rtls demo resumes every resumed handshake", arguments: ["stateless", "stateful"])
    func demoResumes(tickets: String) throws {
        let result = try RTLSTestSupport.rtls(["demo", "--count", "5", "--tickets", tickets, "--json"], timeout: .seconds(120))
        #expect(result.status == 0, "\(result.transcript)")
        let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        #expect(report.ticketMode == tickets)
        #expect(report.version == "TLSv1.3")
        #expect(report.phases.map(\.mode) == ["full", "resumed"])
        #expect(report.phases.map(\.count) == [5, 5])
        #expect(report.phases.map(\.resumed) == [0, 5])
    }

    @Test("rtls demo --tls1_2 resumes by ticket and by session ID", arguments: ["stateless", "stateful"])
    func demoOverTLS12(tickets: String) throws {
        let result = try RTLSTestSupport.rtls(["demo", "--count", "5", "--tickets", tickets, "--tls1_2", "--json"], timeout: .seconds(120))
        #expect(result.status == 0, "\(result.transcript)")
        let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        #expect(report.version == "TLSv1.2")
        #expect(report.phases.map(\.mode) == ["full", "ticket", "session_id"])
        #expect(report.phases.map(\.resumed) == [0, 5, 5])
    }
}
