import Foundation

/// A progress line on stderr for runs that take a while: nothing for the first
/// `quietPeriod`, then `rtls demo: resumed 340/1000` at most once per `interval`, so short
/// runs stay silent and stdout stays clean for scripts.
struct ProgressReporter {
    /// Printed before each line (`rtls demo`).
    let label: String
    /// How long a run may take before the first line.
    let quietPeriod: Duration
    /// The least time between two lines.
    let interval: Duration

    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    private var lastLine: ContinuousClock.Instant?

    /// A reporter whose clock starts now.
    init(label: String, quietPeriod: Duration = .seconds(3), interval: Duration = .seconds(1)) {
        self.label = label
        self.quietPeriod = quietPeriod
        self.interval = interval
        self.start = clock.now
    }

    /// Reports that `done` of `total` steps of `phase` are done, if a line is due.
    mutating func update(_ phase: String, done: Int, total: Int) {
        let now = clock.now
        guard now - start >= quietPeriod else { return }
        if let lastLine, now - lastLine < interval, done < total { return }
        lastLine = now
        FileHandle.standardError.write(Data("\(label): \(phase) \(done)/\(total)\n".utf8))
    }
}
