import Foundation

/// Where a context reads the time: certificate validity, ticket ages and lifetimes, cache
/// expiry. Injectable so tests can move time without waiting.
public protocol TLSClock: Sendable {
    /// The current time.
    func now() -> Date
}

/// The system's wall clock.
public struct SystemClock: TLSClock {
    /// The system clock.
    public init() {}
    /// `Date()`.
    public func now() -> Date { Date() }
}
