/// The process's heap allocation counters, for the allocation figures of issue 7. The
/// benchmarks read them around their loops when one is supplied; `rtls-allocations` supplies one
/// backed by ordo-one's malloc interposer (it must be linked into the process to see every
/// `malloc`), `rtls bench` none (its timings run on the plain allocator).
public struct AllocationCounter: Sendable {
    /// Allocation calls and bytes requested so far (monotonic while counting is on).
    public struct Reading: Sendable {
        public var allocations: Int
        public var bytes: Int

        public init(allocations: Int, bytes: Int) {
            self.allocations = allocations
            self.bytes = bytes
        }
    }

    /// Starts counting.
    public let start: @Sendable () -> Void
    /// Stops counting.
    public let stop: @Sendable () -> Void
    /// The totals counted so far.
    public let read: @Sendable () -> Reading

    public init(start: @escaping @Sendable () -> Void, stop: @escaping @Sendable () -> Void, read: @escaping @Sendable () -> Reading) {
        self.start = start
        self.stop = stop
        self.read = read
    }

    /// Starts counting and returns the totals so far (the reading a measured region starts at).
    public func startReading() -> Reading {
        start()
        return read()
    }

    /// Returns the totals so far and stops counting (the reading a measured region ends at).
    public func stopReading() -> Reading {
        let reading = read()
        stop()
        return reading
    }

    /// Counts the allocations `body` makes: (allocations, bytes).
    public func measure<R>(_ body: () throws -> R) rethrows -> (result: R, allocations: Int, bytes: Int) {
        let before = startReading()
        let result = try body()
        let after = stopReading()
        return (result, after.allocations - before.allocations, after.bytes - before.bytes)
    }
}

/// A benchmark that could not produce its figure (a handshake that did not resume, a cache miss).
public struct BenchError: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
