import Foundation

/// A value behind a pthread mutex (through `NSLock`).
///
/// Why not `Synchronization.Mutex`: on Linux it is built on futexes inside the standard library,
/// which is not instrumented, so ThreadSanitizer cannot see its ordering and reports every access
/// it guards as a race; CI runs the concurrency stress tests under `-sanitize=thread`. TSan intercepts
/// `pthread_mutex_lock`, so this lock is both correct and visible to it.
final class LockedValue<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    // Only touched between lock() and unlock().
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
