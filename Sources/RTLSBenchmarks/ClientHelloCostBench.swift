import Foundation
import ResumableTLS

/// What one ClientHello costs a server before any authentication (security review M1): a
/// normal one from our client, the most expensive one the server accepts
/// (`HostileClientHello.maximalAccepted`), the review's quadratic one and one per capped list
/// one entry over its cap. Each is fed to a fresh server connection of one P-256 context, which
/// answers with its flight or an alert; the figure is server µs per ClientHello and its ratio
/// to the normal one.
public struct ClientHelloCostBench {
    let seconds: Double

    public init(seconds: Double) {
        self.seconds = seconds
    }

    private struct Case {
        var name: String
        var records: [UInt8]
        /// The alert the server must answer with, or nil for a ServerHello flight.
        var alert: AlertDescription?
    }

    public func run(filter: (String) -> Bool) throws -> [BenchFigure] {
        let identity = try SelfSignedIdentity()
        var serverConfiguration = TLSConfiguration.server(chain: identity.chain, key: identity.privateKey)
        serverConfiguration.applicationProtocols = ["h2", "http/1.1"]
        let server = try TLSContext(serverConfiguration)
        var clientConfiguration = TLSConfiguration.client(serverName: "localhost")
        clientConfiguration.certificateVerification = .fullVerification(trustRoots: try .certificates([identity.certificateDER]))
        clientConfiguration.applicationProtocols = ["h2", "http/1.1"]
        let client = try TLSContext(clientConfiguration).makeConnection()
        try client.startHandshake()
        let normal = client.takeOutput()
        let base = try HostileClientHello.parse(firstRecordOf: normal)

        var cases = [
            Case(name: "normal", records: normal, alert: nil),
            Case(name: "maximal-accepted", records: try HostileClientHello.records(try HostileClientHello.maximalAccepted(from: base)), alert: nil),
            Case(name: "review-m1", records: try HostileClientHello.records(try HostileClientHello.reviewM1(from: base)), alert: .illegalParameter),
        ]
        for list in HostileClientHello.CappedList.allCases {
            cases.append(Case(name: "over-cap-\(list.rawValue)", records: try HostileClientHello.records(try HostileClientHello.overCap(list, from: base)), alert: .illegalParameter))
        }

        // The normal ClientHello is the baseline of the ratios: measured only when a case is asked for.
        guard cases.contains(where: { filter("clienthello/" + $0.name) }) else { return [] }
        var normalMicroseconds: Double?
        var figures: [BenchFigure] = []
        for benchCase in cases where benchCase.name == "normal" || filter("clienthello/" + benchCase.name) {
            let (count, elapsed) = try measure(benchCase, server: server)
            let microseconds = elapsed / Double(count) * 1e6
            if benchCase.name == "normal" { normalMicroseconds = microseconds }
            guard filter("clienthello/" + benchCase.name) else { continue }
            var details: [String: Double] = ["count": Double(count), "server_us_per_clienthello": microseconds,
                                             "clienthello_bytes": Double(benchCase.records.count)]
            if let normalMicroseconds { details["ratio_to_normal"] = microseconds / normalMicroseconds }
            figures.append(BenchFigure(
                group: "clienthello", name: benchCase.name, value: Double(count) / elapsed, unit: "ClientHellos/s", details: details,
                note: benchCase.alert.map { "answered with \($0)" } ?? "answered with the server's flight"))
        }
        return figures
    }

    /// Feeds `benchCase` to fresh server connections for `seconds`; checks every answer.
    private func measure(_ benchCase: Case, server: TLSContext) throws -> (count: Int, elapsed: Double) {
        for _ in 0..<10 { try feed(benchCase, server: server) }
        var count = 0
        let start = BenchProbe.now()
        var elapsed = 0.0
        while elapsed < seconds {
            try feed(benchCase, server: server)
            count += 1
            elapsed = BenchProbe.now() - start
        }
        return (count, elapsed)
    }

    private func feed(_ benchCase: Case, server: TLSContext) throws {
        let connection = server.makeConnection()
        var thrown: TLSError?
        do {
            try connection.receive(benchCase.records)
        } catch let error as TLSError {
            thrown = error
        }
        let output = connection.takeOutput()
        benchBlackHole(output)
        switch (benchCase.alert, thrown) {
        case (nil, nil) where !output.isEmpty && connection.state == .handshaking:
            return
        case (let expected?, let error?) where error.alertToSend == expected:
            return
        default:
            throw BenchError("clienthello/\(benchCase.name): expected \(benchCase.alert.map { "\($0)" } ?? "a flight"), got \(thrown.map { "\($0)" } ?? "no error") with \(output.count) bytes out")
        }
    }
}
