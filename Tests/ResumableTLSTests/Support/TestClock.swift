import Foundation
@testable import ResumableTLS

/// A clock tests move by hand. Its lock is `LockedValue` (pthread-backed), which
/// ThreadSanitizer understands, so the cache stress tests can share it.
final class TestClock: TLSClock {
    private let current: LockedValue<Date>

    init(_ start: Date = Date()) {
        current = LockedValue(start)
    }

    func now() -> Date { current.withLock { $0 } }

    func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}
