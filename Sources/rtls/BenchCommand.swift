import ArgumentParser
import Foundation
import ResumableTLS
import RTLSBenchmarks

/// `rtls bench`: in-memory handshakes, record protection and the session cache, measured in
/// one process (issue 7). Build with `-c release`; debug figures mean nothing.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure handshakes, record protection and the session cache in memory.",
        discussion: """
            handshake: client and server contexts in one process, pumped on one thread; full
            TLS 1.3 with ECDSA P-256 and RSA-2048, resumed with psk_dhe_ke and psk_ke, stateless
            and stateful tickets. Server/client split: wall time inside each side's calls
            (makeConnection, receive, takeOutput, pending work). heap_growth is the net mallinfo2
            growth per handshake (retained memory), not an allocation count.
            record: RecordProtection seal/open of 16 KiB and 1 KiB records, MB/s = 10^6 B/s.
            cache: SessionCache insert/lookup/take with 1 and 2 threads over --sessions
            sessions, and heap bytes per cached session.
            floor: the server side's cryptography alone, through swift-crypto (key exchange,
            signature, HKDF/HMAC, transcript hashes, record AEADs) for full-p256, psk_dhe_ke,
            psk_ke and tls12-resumed (stateful tickets, session IDs), and the -stateless /
            -ticket kinds that open the offered ticket and seal a new one; each handshake figure
            gets floor_us, server_over_floor (its server time over its floor) and
            client_over_server.
            scaling: handshakes on two threads against one shared server context, as a multiple
            of one thread's rate (hs_per_s_1t, hs_per_s_2t).
            Names are group/name (e.g. handshake/resumed-psk_ke-stateful); --filter keeps those
            containing any of its comma-separated substrings.
            """
    )

    @Option(help: "Seconds per benchmark.")
    var seconds: Double = 2

    @Option(help: "Comma-separated substrings; run only benchmarks whose group/name contains one.")
    var filter: String?

    @Option(help: "Sessions for the cache benchmarks.")
    var sessions: Int = 100_000

    @Option(name: .customLong("rsa-fixtures"), help: "Directory with leaf-rsa2048.chain.pem, leaf-rsa2048.key.pem and ca.pem (default: the test fixtures under the current directory; else openssl req makes one).")
    var rsaFixtures: String?

    @Flag(help: "Print the results as JSON.")
    var json = false

    func validate() throws {
        guard seconds > 0, seconds <= 600 else { throw ValidationError("--seconds must be in (0, 600]") }
        guard sessions >= 1_000, sessions <= 10_000_000 else { throw ValidationError("--sessions must be 1000...10000000") }
    }

    func run() async throws {
        let keep = BenchFilter(filter).keeps
        let loadBefore = BenchProbe.loadAverage()
        var figures: [BenchFigure] = []
        func progress(_ text: String) {
            if !json { FileHandle.standardError.write(Data("rtls bench: \(text)\n".utf8)) }
        }

        if HandshakeBench.modes.contains(where: { keep("handshake/" + $0.name) }) {
            progress("handshakes…")
            figures += try await HandshakeBench(seconds: seconds, rsaDirectory: rsaFixtures).run(filter: keep)
        }
        let floors = FloorBench.kinds(kept: keep)
        if !floors.isEmpty {
            progress("crypto floors…")
            figures += try FloorBench(seconds: seconds).run(floors)
            figures = FloorBench.compare(figures)
        }
        if HandshakeScalingBench.modeNames.contains(where: { keep("scaling/" + $0) }) {
            progress("handshakes on one and two threads…")
            figures += try await HandshakeScalingBench(seconds: seconds).run(filter: keep)
        }
        progress("ClientHello cost…")
        figures += try ClientHelloCostBench(seconds: seconds).run(filter: keep)
        progress("record layer…")
        figures += try RecordBench(seconds: seconds).run(filter: keep)
        progress("session cache…")
        figures += try CacheBench(seconds: seconds, sessionCount: sessions).run(filter: keep)

        let report = BenchReport(secondsPerBenchmark: seconds, loadAverageBefore: loadBefore, figures: figures)
        if json {
            print(try report.jsonText())
        } else {
            print(BenchFormat.table(report))
        }
    }
}
