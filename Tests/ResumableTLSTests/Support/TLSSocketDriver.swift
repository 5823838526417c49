import Foundation
#if canImport(Glibc)
import Glibc
#endif
@testable import ResumableTLS

/// Why the driver gave up (not a TLS error: those are thrown as `TLSError`).
struct TLSSocketDriverError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Pumps one sans-I/O `TLSConnection` over one blocking `LoopbackConnection`.
///
/// Every wait is bounded by `timeout` (polled in short slices so that `shouldStop` is honoured
/// quickly), every loop by a round count. A TLS error thrown by the connection is first answered
/// with the alert the connection queued (sent to the peer), then rethrown.
///
/// Blocking socket calls run on whatever thread calls the driver. On the cooperative pool that
/// is safe only while the bytes waited for come from an outside process (a real peer), never
/// from a task of this process. So our client runs in the test's task (`handshake()` awaits
/// the chain verification), and our server runs on a thread of its own (`TLSTestServer`, with
/// `handshakeBlocking()`), while blocking peer runners go to `runOnThread`.
final class TLSSocketDriver {
    let connection: TLSConnection
    let socket: LoopbackConnection
    /// The longest wait for bytes from the peer.
    var timeout: Duration
    /// Checked between short polls; the driver throws once it returns true.
    var shouldStop: @Sendable () -> Bool

    /// Every event the connection reported, in order (application data included).
    private(set) var events: [TLSEvent] = []
    /// Application data received and not yet taken by `receive…`.
    private var pending: [UInt8] = []
    /// The peer's close_notify arrived.
    private(set) var closeNotifyReceived = false
    /// The peer closed the TCP connection (end of file).
    private(set) var reachedEndOfFile = false
    /// Whether this side sent close_notify.
    private(set) var sentCloseNotify = false

    init(connection: TLSConnection, socket: LoopbackConnection, timeout: Duration = .seconds(10),
         shouldStop: @escaping @Sendable () -> Bool = { false }) {
        self.connection = connection
        self.socket = socket
        self.timeout = timeout
        self.shouldStop = shouldStop
    }

    /// Connects to 127.0.0.1:`port` with a new connection of `context`.
    static func connect(port: UInt16, context: TLSContext, timeout: Duration = .seconds(10)) throws -> TLSSocketDriver {
        let socket = try LoopbackConnection.connect(port: port, timeout: timeout)
        return TLSSocketDriver(connection: context.makeConnection(), socket: socket, timeout: timeout)
    }

    var negotiated: NegotiatedParameters? { connection.negotiated }

    // MARK: Operations

    /// Runs the handshake to completion (our flights sent, the peer's processed, pending work run).
    @discardableResult
    func handshake() async throws -> NegotiatedParameters {
        try guarded { try connection.startHandshake() }
        try flush()
        for _ in 0..<256 {
            try await runPendingWork()
            if connection.state == .established, !connection.isAwaitingPendingWork, let negotiated = connection.negotiated {
                return negotiated
            }
            if case .closed(let error) = connection.state {
                throw error ?? TLSSocketDriverError("connection closed during the handshake")
            }
            guard try readOnce() else {
                throw TLSSocketDriverError("peer closed the TCP connection during the handshake")
            }
        }
        throw TLSSocketDriverError("handshake did not complete within 256 reads")
    }

    /// The handshake for a dedicated thread (never the cooperative pool): pending work runs in
    /// a detached task while this thread waits for it (bounded).
    @discardableResult
    func handshakeBlocking() throws -> NegotiatedParameters {
        try guarded { try connection.startHandshake() }
        try flush()
        for _ in 0..<256 {
            if let work = connection.takePendingWork() {
                let result = Self.runBlocking(work, timeout: timeout)
                try guarded { try connection.completePendingWork(result) }
                try flush()
            }
            if connection.state == .established, !connection.isAwaitingPendingWork, let negotiated = connection.negotiated {
                return negotiated
            }
            if case .closed(let error) = connection.state {
                throw error ?? TLSSocketDriverError("connection closed during the handshake")
            }
            guard try readOnce() else {
                throw TLSSocketDriverError("peer closed the TCP connection during the handshake")
            }
        }
        throw TLSSocketDriverError("handshake did not complete within 256 reads")
    }

    /// Runs `work` in a detached task and waits for it on this (non-pool) thread.
    private static func runBlocking(_ work: TLSPendingWork, timeout: Duration) -> Result<Void, TLSError> {
        final class Box: @unchecked Sendable { var result: Result<Void, TLSError>? }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            box.result = await work.run()
            done.signal()
        }
        guard done.wait(timeout: .now() + timeout.seconds) == .success, let result = box.result else {
            return .failure(.internalError("chain verification did not finish within \(timeout)"))
        }
        return result
    }

    /// Encrypts and sends `bytes` as application data.
    func send(_ bytes: [UInt8]) throws {
        try guarded { try connection.write(bytes) }
        try flush()
    }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Receives application data until `enough` holds for everything received so far (returned
    /// whole), or close_notify or end of file (returns what arrived). After the handshake only:
    /// no asynchronous work can appear then.
    func receive(until enough: ([UInt8]) -> Bool) throws -> [UInt8] {
        for _ in 0..<10_000 {
            if enough(pending) || closeNotifyReceived || reachedEndOfFile { break }
            guard try readOnce() else { break }
            if connection.isAwaitingPendingWork { throw TLSSocketDriverError("pending work after the handshake") }
        }
        defer { pending.removeAll() }
        return pending
    }

    /// Receives until at least `count` bytes, close_notify or end of file.
    func receive(atLeast count: Int) throws -> [UInt8] {
        try receive { $0.count >= count }
    }

    /// Receives until a newline arrived, or close_notify or end of file.
    func receiveLine() throws -> [UInt8] {
        try receive { $0.contains(UInt8(ascii: "\n")) }
    }

    /// Receives until the peer's close_notify or end of file.
    func receiveUntilClose() throws -> [UInt8] {
        try receive { _ in false }
    }

    /// Sends close_notify.
    func close() throws {
        guard !sentCloseNotify else { return }
        sentCloseNotify = true
        try guarded { try connection.close() }
        try flush()
    }

    /// Sends close_notify (if not yet), shuts our sending side and waits (bounded) for the
    /// peer's close_notify or end of file, so our last records are read before the socket
    /// closes; then closes the socket. Never throws.
    func closeAndDrain(timeout drainTimeout: Duration = .seconds(2)) {
        try? close()
        socket.shutdownWrite()
        let saved = timeout
        timeout = drainTimeout
        for _ in 0..<100 where !closeNotifyReceived && !reachedEndOfFile {
            guard (try? readOnce()) == true else { break }
        }
        timeout = saved
        socket.close()
    }

    // MARK: Plumbing

    /// Sends whatever the connection has to say.
    func flush() throws {
        let output = connection.takeOutput()
        if !output.isEmpty { try socket.sendAll(output, timeout: timeout) }
    }

    /// Runs a connection call; on a TLS error, sends the alert it queued, then rethrows.
    private func guarded(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch {
            collectEvents()
            try? flush()
            throw error
        }
        collectEvents()
    }

    private func runPendingWork() async throws {
        guard let work = connection.takePendingWork() else { return }
        let result = await work.run()
        try guarded { try connection.completePendingWork(result) }
        try flush()
    }

    private func collectEvents() {
        while let event = connection.nextEvent() {
            events.append(event)
            switch event {
            case .applicationData(let bytes): pending += bytes
            case .closeNotifyReceived: closeNotifyReceived = true
            default: break
            }
        }
    }

    /// One read from the socket fed to the connection; our answer is sent at once. Returns
    /// false at end of file (or a reset). Throws on timeout, stop, or a TLS error.
    private func readOnce() throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        var bytes: [UInt8] = []
        while true {
            if shouldStop() { throw TLSSocketDriverError("stopped") }
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { throw TLSSocketDriverError("no bytes from the peer within \(timeout)") }
            do {
                bytes = try socket.receive(maxBytes: 65536, timeout: min(remaining, .milliseconds(100)))
                break
            } catch let error as LoopbackSocketError where error.code == ETIMEDOUT {
                continue
            } catch let error as LoopbackSocketError where error.code == ECONNRESET {
                bytes = []
                break
            }
        }
        if bytes.isEmpty {
            reachedEndOfFile = true
            // A driver reports the transport's end (S13: after close_notify that is a clean end).
            connection.transportClosed()
            return false
        }
        try guarded { try connection.receive(bytes) }
        try flush()
        return true
    }
}

// MARK: - A tiny server

/// Our server on a loopback listener, serving connections on a thread of its own (not the
/// cooperative pool: it blocks on sockets) while a peer client (an outside process, run with
/// `runOnThread`) talks to it.
///
/// Per connection: handshake, read until a newline (or close_notify / end of file), send
/// `reply(received)` (an echo by default), send close_notify, wait for the peer to close.
/// Always `stop()` it (`defer`), or use `TLSTestServer.run`.
final class TLSTestServer: Sendable {
    /// What one served connection did.
    struct Served: Sendable {
        var negotiated: NegotiatedParameters?
        var received: [UInt8] = []
        var sent: [UInt8] = []
        var closeNotifyReceived = false
        var error: String?
        var tlsError: TLSError?
        var receivedText: String { String(decoding: received, as: UTF8.self) }
    }

    /// The stop flag and the results, shared with the server thread.
    private final class State: @unchecked Sendable {
        private let lock = NSLock()
        private var stopped = false
        private var served: [Served] = []
        let finished = DispatchGroup()
        func stop() { lock.lock(); stopped = true; lock.unlock() }
        var isStopped: Bool { lock.lock(); defer { lock.unlock() }; return stopped }
        func append(_ connection: Served) { lock.lock(); served.append(connection); lock.unlock() }
        var results: [Served] { lock.lock(); defer { lock.unlock() }; return served }
    }

    /// The port clients connect to.
    let port: UInt16
    private let state = State()

    /// Starts serving `count` connections of `context` on a new listener.
    init(context: TLSContext, count: Int = 1, timeout: Duration = .seconds(10),
         reply: @escaping @Sendable ([UInt8]) -> [UInt8] = { $0 }) throws {
        let listener = try LoopbackListener()
        port = listener.port
        let state = self.state
        // The listener moves to the thread, which closes it.
        nonisolated(unsafe) let ownedListener = listener
        state.finished.enter()
        let thread = Thread {
            defer { ownedListener.close(); state.finished.leave() }
            for _ in 0..<count {
                guard let socket = TLSTestServer.accept(ownedListener, timeout: timeout, state: state) else { break }
                state.append(TLSTestServer.serve(socket: socket, context: context, timeout: timeout, state: state, reply: reply))
            }
        }
        thread.stackSize = 4 << 20
        thread.start()
    }

    /// Starts a server, runs `body`, stops the server, and returns `body`'s result with what
    /// the server saw.
    static func run<R>(context: TLSContext, count: Int = 1, timeout: Duration = .seconds(10),
                       reply: @escaping @Sendable ([UInt8]) -> [UInt8] = { $0 },
                       _ body: (UInt16) async throws -> R) async throws -> (R, [Served]) {
        let server = try TLSTestServer(context: context, count: count, timeout: timeout, reply: reply)
        let result: R
        do {
            result = try await body(server.port)
        } catch {
            let served = await server.stop()
            throw TLSSocketDriverError("\(error)\n--- our server saw: \(served.map { "error: \($0.error ?? "none"), received \($0.received.count) bytes, negotiated: \($0.negotiated != nil)" })")
        }
        return (result, await server.stop())
    }

    /// Stops at once (waits in progress end within ~100 ms), waits for the thread to end
    /// without blocking the caller's thread, and returns what was served.
    @discardableResult
    func stop() async -> [Served] {
        state.stop()
        let state = self.state
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            state.finished.notify(queue: .global()) { continuation.resume() }
        }
        return state.results
    }

    private static func accept(_ listener: LoopbackListener, timeout: Duration, state: State) -> LoopbackConnection? {
        let deadline = ContinuousClock.now + timeout
        while !state.isStopped && ContinuousClock.now < deadline {
            if let socket = try? listener.accept(timeout: .milliseconds(100)) { return socket }
        }
        return nil
    }

    private static func serve(socket: LoopbackConnection, context: TLSContext, timeout: Duration, state: State,
                              reply: ([UInt8]) -> [UInt8]) -> Served {
        let driver = TLSSocketDriver(connection: context.makeConnection(), socket: socket, timeout: timeout,
                                     shouldStop: { state.isStopped })
        var served = Served()
        do {
            served.negotiated = try driver.handshakeBlocking()
            served.received = try driver.receiveLine()
            let answer = reply(served.received)
            if !answer.isEmpty, !driver.closeNotifyReceived {
                try driver.send(answer)
                served.sent = answer
            }
        } catch {
            served.error = "\(error)"
            served.tlsError = error as? TLSError
        }
        served.negotiated = served.negotiated ?? driver.negotiated
        driver.closeAndDrain()
        served.closeNotifyReceived = driver.closeNotifyReceived
        return served
    }
}

/// Runs blocking `body` (a peer process run to completion) on a thread of its own, so that no
/// thread of the cooperative pool waits on it.
func runOnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.stackSize = 1 << 20
        thread.start()
    }
}
