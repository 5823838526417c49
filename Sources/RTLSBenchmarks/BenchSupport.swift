import Foundation
import ResumableTLS
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One measured figure of `rtls bench`.
public struct BenchFigure: Codable, Sendable {
    /// "handshake", "record" or "cache".
    public var group: String
    /// What was measured, e.g. "full-p256" or "seal-aes128gcm-16k".
    public var name: String
    /// The headline value.
    public var value: Double
    /// Its unit, e.g. "handshakes/s", "MB/s", "ops/s", "bytes/session".
    public var unit: String
    /// Further figures of the same run (CPU split, iteration counts, ...), by name.
    public var details: [String: Double] = [:]
    /// A free-form note (what was and was not measured).
    public var note: String? = nil

    public init(group: String, name: String, value: Double, unit: String, details: [String: Double] = [:], note: String? = nil) {
        self.group = group
        self.name = name
        self.value = value
        self.unit = unit
        self.details = details
        self.note = note
    }
}

/// Everything one `rtls bench` run measured, with the conditions it ran under.
public struct BenchReport: Codable, Sendable {
    public var version: String
    public var secondsPerBenchmark: Double
    public var cpuCount: Int
    public var cpuModel: String
    /// /proc/loadavg (1, 5, 15 minutes) at the start and at the end of the run.
    public var loadAverageBefore: [Double]
    public var loadAverageAfter: [Double]
    public var figures: [BenchFigure]

    public init(version: String, secondsPerBenchmark: Double, cpuCount: Int, cpuModel: String,
                loadAverageBefore: [Double], loadAverageAfter: [Double], figures: [BenchFigure]) {
        self.version = version
        self.secondsPerBenchmark = secondsPerBenchmark
        self.cpuCount = cpuCount
        self.cpuModel = cpuModel
        self.loadAverageBefore = loadAverageBefore
        self.loadAverageAfter = loadAverageAfter
        self.figures = figures
    }

    /// A report of `figures` measured on this machine from `loadAverageBefore` until now.
    public init(secondsPerBenchmark: Double, loadAverageBefore: [Double], figures: [BenchFigure]) {
        self.init(version: ResumableTLSVersion.string, secondsPerBenchmark: secondsPerBenchmark,
                  cpuCount: ProcessInfo.processInfo.activeProcessorCount, cpuModel: BenchProbe.cpuModel(),
                  loadAverageBefore: loadAverageBefore, loadAverageAfter: BenchProbe.loadAverage(), figures: figures)
    }

    /// The report as pretty-printed JSON with sorted keys (what `--json` prints).
    public func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

/// `--filter`: comma-separated substrings; a benchmark `group/name` runs if it contains one
/// (all run when there are none).
public struct BenchFilter: Sendable {
    private let patterns: [String]

    public init(_ list: String?) {
        patterns = (list ?? "").split(separator: ",").map(String.init)
    }

    public func keeps(_ name: String) -> Bool {
        patterns.isEmpty || patterns.contains { name.contains($0) }
    }
}

/// Clocks and memory probes for the benchmarks (Linux first; Darwin falls back where it must).
public enum BenchProbe {
    /// Monotonic wall-clock time in seconds (vDSO on Linux: ~20 ns a call).
    @inline(__always)
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// CPU time of the whole process (all threads), seconds.
    public static func processCPU() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Bytes of heap in use per glibc's allocator (`mallinfo2`: uordblks + hblkhd), or nil.
    public static func heapInUse() -> Int? {
        #if os(Linux) && arch(x86_64)
        // <malloc.h> is not in the Glibc module, so mallinfo2 is found with dlsym. Its
        // 80-byte result comes back through a hidden pointer, which x86-64 SysV passes as the
        // first argument (rdi): call it as `void f(struct mallinfo2 *)`. Fields (10 size_t):
        // arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost.
        guard let function = mallinfo2Function else { return nil }
        var fields = [Int](repeating: 0, count: 10)
        fields.withUnsafeMutableBytes { _ = function($0.baseAddress!) }
        return fields[7] + fields[4]
        #else
        return nil
        #endif
    }

    #if os(Linux) && arch(x86_64)
    private typealias MallInfo2 = @convention(c) (UnsafeMutableRawPointer) -> UnsafeMutableRawPointer?
    private static let mallinfo2Function: MallInfo2? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallinfo2") else { return nil }
        return unsafeBitCast(symbol, to: MallInfo2.self)
    }()
    #endif

    /// Resident set size in bytes from /proc/self/statm, or nil.
    public static func residentBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// The 1, 5 and 15 minute load averages.
    public static func loadAverage() -> [Double] {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return [] }
        return text.split(separator: " ").prefix(3).compactMap { Double($0) }
    }

    /// The CPU model from /proc/cpuinfo.
    public static func cpuModel() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return "unknown"
    }
}

/// Keeps the optimiser from discarding a computed value.
@inline(never)
public func benchBlackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}

/// Formatting for the text output.
public enum BenchFormat {
    public static func rate(_ value: Double) -> String {
        if value >= 1e6 { return String(format: "%.2f M", value / 1e6) }
        if value >= 1e3 { return String(format: "%.1f k", value / 1e3) }
        return String(format: "%.1f", value)
    }

    public static func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
        if text.count >= width { return text }
        let fill = String(repeating: " ", count: width - text.count)
        return left ? text + fill : fill + text
    }

    public static func table(_ report: BenchReport) -> String {
        var lines: [String] = []
        lines.append("rtls bench \(report.version): \(report.cpuCount) CPUs (\(report.cpuModel)), \(report.secondsPerBenchmark) s per benchmark")
        lines.append("load average before: \(report.loadAverageBefore.map { String($0) }.joined(separator: " "))  after: \(report.loadAverageAfter.map { String($0) }.joined(separator: " "))")
        var group = ""
        for figure in report.figures {
            if figure.group != group {
                group = figure.group
                lines.append("")
                lines.append("== \(group)")
            }
            let value: String
            if figure.unit.hasPrefix("x ") {
                value = String(format: "%.2f", figure.value)
            } else if figure.unit == "MB/s" || figure.unit == "bytes/session" {
                value = String(format: "%.1f", figure.value)
            } else {
                value = rate(figure.value)
            }
            var line = pad(figure.name, 34, left: true) + pad(value, 12) + " " + pad(figure.unit, 14, left: true)
            let details = figure.details.sorted { $0.key < $1.key }.map { key, number in
                number == number.rounded() && abs(number) < 1e12 ? "\(key)=\(Int(number))" : "\(key)=\(String(format: "%.3f", number))"
            }
            if !details.isEmpty { line += " " + details.joined(separator: " ") }
            lines.append(line)
            if let note = figure.note { lines.append(pad("", 34) + "  (\(note))") }
        }
        return lines.joined(separator: "\n")
    }
}
