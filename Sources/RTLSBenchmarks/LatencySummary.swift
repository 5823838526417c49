import Foundation

/// Percentiles of per-operation latencies (nearest rank), in microseconds.
public struct LatencySummary: Codable, Sendable {
    /// How many samples the summary was made from.
    public var count: Int
    /// The median.
    public var p50Microseconds: Double
    /// The 99th percentile.
    public var p99Microseconds: Double
    /// The largest sample.
    public var maximumMicroseconds: Double

    /// The summary of `seconds`, one latency per operation; all zero when there are none.
    public init(seconds samples: [Double]) {
        let sorted = samples.sorted()
        count = sorted.count
        p50Microseconds = Self.percentile(0.50, of: sorted) * 1e6
        p99Microseconds = Self.percentile(0.99, of: sorted) * 1e6
        maximumMicroseconds = (sorted.last ?? 0) * 1e6
    }

    /// The nearest-rank `fraction` percentile of ascending `sorted` (0 for no samples).
    static func percentile(_ fraction: Double, of sorted: [Double]) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((fraction * Double(sorted.count)).rounded(.up))
        return sorted[min(sorted.count, max(1, rank)) - 1]
    }
}
