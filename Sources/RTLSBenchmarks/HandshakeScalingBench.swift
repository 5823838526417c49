import Foundation
import ResumableTLS

/// In-memory handshakes on one and on two threads against one shared server `TLSContext` (its
/// session cache, ticket keys and statistics), each thread with its own client context
/// (issue 17, target 6: two threads should reach ≥ 1.8× one thread's rate). Each thread pumps
/// whole handshakes, client and server, as `HandshakeBench` does.
public struct HandshakeScalingBench {
    /// The modes measured: a full handshake, and resumption from each kind of ticket store.
    public static let modeNames = ["full-p256", "resumed-psk_dhe_ke-stateless", "resumed-psk_dhe_ke-stateful", "tls12-resumed-session_id"]

    let bench: HandshakeBench

    public init(seconds: Double) throws {
        bench = try HandshakeBench(seconds: seconds, rsaDirectory: nil)
    }

    public func run(filter: (String) -> Bool) async throws -> [BenchFigure] {
        var figures: [BenchFigure] = []
        for mode in HandshakeBench.modes where Self.modeNames.contains(mode.name) && filter("scaling/" + mode.name) {
            let (_, server) = try bench.contexts(mode, identity: bench.p256Identity)
            let one = try await rate(mode, server: server, threads: 1)
            let two = try await rate(mode, server: server, threads: 2)
            figures.append(BenchFigure(group: "scaling", name: mode.name, value: two / one, unit: "x one thread",
                                       details: ["hs_per_s_1t": one, "hs_per_s_2t": two]))
        }
        return figures
    }

    /// Handshakes per second of wall time, `threads` loops at once against `server`.
    private func rate(_ mode: HandshakeBench.Mode, server: TLSContext, threads: Int) async throws -> Double {
        let start = BenchProbe.now()
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<threads {
                let (client, _) = try bench.contexts(mode, identity: bench.p256Identity)
                let deadline = start + bench.seconds
                group.addTask { try await Self.loop(mode, client: client, server: server, until: deadline) }
            }
            return try await group.reduce(0, +)
        }
        return Double(counts) / (BenchProbe.now() - start)
    }

    /// Handshakes until `deadline`; resumed modes resume from the previous handshake's session.
    private static func loop(_ mode: HandshakeBench.Mode, client: TLSContext, server: TLSContext, until deadline: Double) async throws -> Int {
        let split = HandshakeBench.Split(counter: nil)
        var session: TLSSession?
        (session, _) = try await HandshakeBench.handshake(mode.primer, client: client, server: server, offering: nil, split: split)
        var count = 0
        while BenchProbe.now() < deadline {
            let (next, asExpected) = try await HandshakeBench.handshake(mode, client: client, server: server, offering: mode.resumed ? session : nil, split: split)
            guard asExpected else { throw BenchError("scaling/\(mode.name): a handshake was \(mode.resumed ? "not resumed" : "resumed")") }
            if mode.resumed { session = next }
            count += 1
        }
        return count
    }
}
