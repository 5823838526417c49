import Foundation
import Testing

/// `rtls bench` (issue 17): the crypto floors, the handshakes compared with them, and the
/// two-thread scaling run. No timing thresholds (a debug build on a shared machine): only that
/// each figure exists, is positive, and is tied to the right floor.
@Suite struct BenchCommandTests {
    private struct Figure: Decodable {
        var group: String
        var name: String
        var value: Double
        var details: [String: Double]
    }
    private struct Report: Decodable { var figures: [Figure] }

    @Test("rtls bench --json: every floor has us_per_op, each compared handshake its floor and ratios, scaling both rates")
    func floorsAndScaling() async throws {
        let result = try await RTLSTestSupport.offPool {
            try RTLSTestSupport.rtls(["bench", "--seconds", "0.05", "--json",
                                      "--filter", "floor/,handshake/resumed-psk_ke-stateful,handshake/tls12-resumed-session_id,scaling/tls12"],
                                     timeout: .seconds(120))
        }
        #expect(result.status == 0, "\(result.transcript)")
        let figures = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8)).figures
        let floors = figures.filter { $0.group == "floor" }
        #expect(floors.map(\.name) == ["full-p256", "psk_dhe_ke", "psk_ke", "tls12-resumed", "psk_dhe_ke-stateless", "psk_ke-stateless", "tls12-resumed-ticket"])
        for floor in floors {
            #expect((floor.details["us_per_op"] ?? 0) > 0 && floor.value > 0, "\(floor)")
        }
        // The public-key parts are timed on their own where the kind has them.
        #expect((floors.first { $0.name == "full-p256" }?.details["ecdsa_p256_sign_us"] ?? 0) > 0)
        #expect((floors.first { $0.name == "psk_dhe_ke" }?.details["x25519_us"] ?? 0) > 0)
        #expect(floors.first { $0.name == "psk_ke" }?.details["x25519_us"] == nil)

        let handshakes = figures.filter { $0.group == "handshake" }
        #expect(handshakes.map(\.name) == ["resumed-psk_ke-stateful", "tls12-resumed-session_id"])
        for (handshake, floorName) in zip(handshakes, ["psk_ke", "tls12-resumed"]) {
            let floor = try #require(floors.first { $0.name == floorName }?.details["us_per_op"])
            let server = try #require(handshake.details["server_us_per_hs"])
            #expect(handshake.details["floor_us"] == floor, "\(handshake)")
            #expect(handshake.details["server_over_floor"] == server / floor, "\(handshake)")
            #expect((handshake.details["client_over_server"] ?? 0) > 0, "\(handshake)")
        }

        let scaling = figures.filter { $0.group == "scaling" }
        #expect(scaling.map(\.name) == ["tls12-resumed-session_id"])
        for row in scaling {
            let one = row.details["hs_per_s_1t"] ?? 0, two = row.details["hs_per_s_2t"] ?? 0
            #expect(one > 0 && two > 0 && row.value == two / one, "\(row)")
        }
    }
}
