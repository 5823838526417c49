import Foundation
import Synchronization

/// Wall time of each call made through it (an external store's commands, as the store sees
/// them), kept for percentiles: at most 1,000,000 calls, later ones are not recorded.
public final class CallTimer: Sendable {
    private static let capacity = 1_000_000
    private let samples = Mutex<[Double]>([])

    public init() {}

    /// Runs `body` and records how long it took, whether it returned or threw.
    public func measure<T>(_ body: () async throws -> T) async rethrows -> T {
        let start = BenchProbe.now()
        defer {
            let elapsed = BenchProbe.now() - start
            samples.withLock { samples in
                if samples.count < Self.capacity { samples.append(elapsed) }
            }
        }
        return try await body()
    }

    /// Forgets what was recorded (after a warm-up).
    public func reset() {
        samples.withLock { $0.removeAll(keepingCapacity: true) }
    }

    /// The percentiles of what was recorded.
    public func summary() -> LatencySummary {
        LatencySummary(seconds: samples.withLock { $0 })
    }
}
