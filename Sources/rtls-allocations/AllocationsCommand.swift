import ArgumentParser
import Foundation
import MallocInterposerSwift
import RTLSBenchmarks

/// `rtls-allocations`: the workloads of `rtls bench` with every heap allocation counted
/// (ordo-one's malloc interposer, linked into this executable only). Prints allocations per
/// handshake (server side and client side), per sealed or opened record, per cache operation,
/// and the bytes requested per cached session. Throughput is not reported here: the counter
/// sits in every malloc; `rtls bench` measures speed.
@main
struct AllocationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rtls-allocations",
        abstract: "Count heap allocations per handshake, record and session-cache operation.",
        discussion: """
            Allocation calls (malloc, calloc, realloc, posix_memalign, ...) and bytes requested,
            counted by a malloc interposer linked into this process. Handshake allocations are
            split by side the same way `rtls bench` splits CPU time: what each side's calls
            (makeConnection, receive, takeOutput, pending work) allocate. Build with -c release.
            """
    )

    @Option(help: "Seconds per benchmark.")
    var seconds: Double = 0.5

    @Option(help: "Comma-separated substrings; run only benchmarks whose group/name contains one.")
    var filter: String?

    @Option(help: "Sessions for the cache benchmarks.")
    var sessions: Int = 20_000

    @Flag(help: "Print the results as JSON.")
    var json = false

    func validate() throws {
        guard seconds > 0, seconds <= 600 else { throw ValidationError("--seconds must be in (0, 600]") }
        guard sessions >= 1_000, sessions <= 10_000_000 else { throw ValidationError("--sessions must be 1000...10000000") }
    }

    static let counter = AllocationCounter(
        start: { MallocInterposerSwift.hook() },
        stop: { MallocInterposerSwift.unhook() },
        read: {
            let statistics = MallocInterposerSwift.getStatistics()
            return AllocationCounter.Reading(allocations: statistics.mallocCount, bytes: statistics.mallocBytesCount)
        })

    /// Fails unless the interposer really sees this process's mallocs: a counter that reads zero
    /// would make every figure a false "no allocations".
    static func checkCounterSeesAllocations() throws {
        MallocInterposerSwift.initialize()
        let probe = counter.measure { () -> Int in
            let array = [UInt8](unsafeUninitializedCapacity: 4_096) { _, count in count = 4_096 }
            benchBlackHole(array)
            return array.count
        }
        guard probe.allocations >= 1, probe.bytes >= 4_096 else {
            throw BenchError("the malloc interposer counted \(probe.allocations) allocations (\(probe.bytes) bytes) for a 4 KiB array; it is not active in this process")
        }
    }

    func run() async throws {
        try Self.checkCounterSeesAllocations()
        let keep = BenchFilter(filter).keeps
        let loadBefore = BenchProbe.loadAverage()
        var figures: [BenchFigure] = []
        if HandshakeBench.modes.contains(where: { keep("handshake/" + $0.name) }) {
            figures += try await HandshakeBench(seconds: seconds, rsaDirectory: nil, counter: Self.counter).run(filter: keep)
        }
        figures += try RecordBench(seconds: seconds, counter: Self.counter).run(filter: keep)
        figures += try CacheBench(seconds: seconds, sessionCount: sessions, counter: Self.counter).run(filter: keep)
        let report = BenchReport(secondsPerBenchmark: seconds, loadAverageBefore: loadBefore, figures: figures)
        if json {
            print(try report.jsonText())
        } else {
            print(Self.table(report))
        }
    }

    /// One line per figure with its allocation columns only.
    static func table(_ report: BenchReport) -> String {
        func number(_ value: Double?) -> String {
            guard let value else { return "-" }
            return String(format: value < 10 && value != value.rounded() ? "%.2f" : "%.1f", value)
        }
        var lines = ["rtls-allocations \(report.version): heap allocations counted by a malloc interposer (\(report.secondsPerBenchmark) s per benchmark)"]
        lines.append("")
        lines.append("== handshakes (in memory, one thread): allocations and bytes requested per handshake")
        lines.append(BenchFormat.pad("mode", 32, left: true) + BenchFormat.pad("server allocs", 15) + BenchFormat.pad("server bytes", 14)
                     + BenchFormat.pad("client allocs", 15) + BenchFormat.pad("client bytes", 14))
        for figure in report.figures where figure.group == "handshake" {
            let d = figure.details
            lines.append(BenchFormat.pad(figure.name, 32, left: true) + BenchFormat.pad(number(d["server_allocs_per_hs"]), 15)
                         + BenchFormat.pad(number(d["server_alloc_bytes_per_hs"]), 14) + BenchFormat.pad(number(d["client_allocs_per_hs"]), 15)
                         + BenchFormat.pad(number(d["client_alloc_bytes_per_hs"]), 14))
        }
        lines.append("")
        lines.append("== record layer: allocations and bytes requested per record")
        lines.append(BenchFormat.pad("record", 36, left: true) + BenchFormat.pad("allocs", 9) + BenchFormat.pad("bytes", 10))
        for figure in report.figures where figure.group == "record" {
            lines.append(BenchFormat.pad(figure.name, 36, left: true) + BenchFormat.pad(number(figure.details["allocs_per_record"]), 9)
                         + BenchFormat.pad(number(figure.details["alloc_bytes_per_record"]), 10))
        }
        lines.append("")
        lines.append("== session cache: allocations and bytes requested per operation (per session for bytes-per-session)")
        for figure in report.figures where figure.group == "cache" {
            let d = figure.details
            if figure.name == "bytes-per-session" {
                lines.append(BenchFormat.pad(figure.name, 36, left: true) + BenchFormat.pad(number(d["allocs_per_session"]), 9)
                             + BenchFormat.pad("-", 10)
                             + "  (allocations to make and cache a session, \(number(d["allocs_per_cache_insert_of_a_session"])) of them the cache's; bytes per session: rtls bench, as here each allocation carries the interposer's 16-byte header)")
            } else {
                lines.append(BenchFormat.pad(figure.name, 36, left: true) + BenchFormat.pad(number(d["allocs_per_op"]), 9)
                             + BenchFormat.pad(number(d["alloc_bytes_per_op"]), 10))
            }
        }
        return lines.joined(separator: "\n")
    }
}
