import Foundation
import Synchronization
@testable import ResumableTLS

/// Sessions for cache tests.
enum CacheFixtures {
    static let contextID = UUID()

    static func id(_ n: Int) -> [UInt8] {
        withUnsafeBytes(of: UInt64(n).bigEndian) { Array($0) } + [0xC0, 0xFF, 0xEE]
    }

    static func session(
        _ n: Int, at creationTime: Date, timeout: TimeInterval = 7_200, version: ProtocolVersion = .tls13
    ) -> TLSSession {
        TLSSession(
            protocolVersion: version, cipherSuite: .tlsAES128GCMSHA256, secret: Array(repeating: 0x42, count: 32),
            sessionID: id(n), creationTime: creationTime, timeout: timeout, contextID: contextID)
    }
}

/// Records every removal the cache reports (the remove callback, S20).
final class RemovalRecorder: Sendable {
    private let removals = LockedValue<[(id: [UInt8], reason: SessionRemovalReason)]>([])

    var observer: @Sendable (TLSSession, SessionRemovalReason) -> Void {
        { [self] session, reason in removals.withLock { $0.append((session.sessionID, reason)) } }
    }

    var all: [(id: [UInt8], reason: SessionRemovalReason)] { removals.withLock { $0 } }
    var reasons: [SessionRemovalReason] { all.map(\.reason) }
    func reasons(for id: [UInt8]) -> [SessionRemovalReason] { all.filter { $0.id == id }.map(\.reason) }
}

/// A dictionary `SessionStore` counting its calls.
actor DictionaryStore: SessionStore {
    private(set) var sessions: [[UInt8]: TLSSession] = [:]
    private(set) var calls: [String] = []

    func put(_ session: TLSSession) async throws {
        calls.append("put")
        sessions[session.sessionID] = session
    }
    func get(id: [UInt8]) async throws -> TLSSession? {
        calls.append("get")
        return sessions[id]
    }
    func take(id: [UInt8]) async throws -> TLSSession? {
        calls.append("take")
        return sessions.removeValue(forKey: id)
    }
    func remove(id: [UInt8]) async throws {
        calls.append("remove")
        sessions[id] = nil
    }
}

struct StoreUnavailable: Error {}

/// A store whose every call throws (S23).
struct ThrowingStore: SessionStore {
    func put(_ session: TLSSession) async throws { throw StoreUnavailable() }
    func get(id: [UInt8]) async throws -> TLSSession? { throw StoreUnavailable() }
    func take(id: [UInt8]) async throws -> TLSSession? { throw StoreUnavailable() }
    func remove(id: [UInt8]) async throws { throw StoreUnavailable() }
}

/// A store that takes `delay` to answer and ignores cancellation while it waits (S23).
struct SlowStore: SessionStore {
    let session: TLSSession?
    let delay: Duration
    private func wait() async {
        // Deliberately not cooperative: the coordinator must not wait for it.
        let start = ContinuousClock.now
        while ContinuousClock.now - start < delay { try? await Task.sleep(for: .milliseconds(100)) }
    }
    func put(_ session: TLSSession) async throws { await wait() }
    func get(id: [UInt8]) async throws -> TLSSession? { await wait(); return session }
    func take(id: [UInt8]) async throws -> TLSSession? { await wait(); return session }
    func remove(id: [UInt8]) async throws { await wait() }
}

/// A counter closures can bump from any thread.
final class CallCounter: Sendable {
    private let value = Atomic<Int>(0)
    func bump() { value.wrappingAdd(1, ordering: .relaxed) }
    var count: Int { value.load(ordering: .relaxed) }
}
