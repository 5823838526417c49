import Foundation
import Testing
@testable import ResumableTLS

/// Helpers shared by the resumption interop tests (issue 4): our server recording its own
/// view of each connection (`sessionReused`, tickets issued), a reader for OpenSSL's `-trace`
/// output (to show what a peer actually put on the wire), and temporary files.
enum ResumptionInterop {
    /// Our server (the P-256 test identity) with `configure` applied.
    static func serverContext(_ configure: (inout TLSConfiguration) -> Void = { _ in }) throws -> TLSContext {
        var configuration = try Interop.serverConfiguration()
        configure(&configuration)
        return try TLSContext(configuration)
    }

    /// A fresh temporary directory; remove it with `removeDirectory` (`defer`).
    static func makeTemporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rtls-resume-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func removeDirectory(_ url: URL) { try? FileManager.default.removeItem(at: url) }

    /// The `.newSession` events among `events`.
    static func newSessions(_ events: [TLSEvent]) -> [TLSSession] {
        events.compactMap { if case .newSession(let session) = $0 { return session } else { return nil } }
    }

    /// The lines of `text` that show a peer's own verdict on resumption (for failure messages
    /// and the test log).
    static func resumptionLines(_ text: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter {
            $0.hasPrefix("New, ") || $0.hasPrefix("Reused, ") || $0 == "Reused session-id"
                || $0.hasPrefix("*** This is a resumed session") || $0.contains("\"session_reused\"")
        }
    }

    /// Prints a peer's own resumption lines, tagged with the test, so a run shows them.
    static func log(_ test: String, _ lines: [String]) {
        for line in lines { print("[resumption-interop] \(test): \(line)") }
    }
}

// MARK: - Our server, recording its own view

/// Our server on a loopback listener, on a thread of its own (it blocks on sockets), serving
/// `count` connections one after another: handshake, read a line, echo it, close_notify,
/// wait for the peer to close. Unlike `TLSTestServer` it records the connection's own
/// `sessionReused` and the tickets it issued. Always `stop()` it, or use `run`.
final class ResumptionServer: Sendable {
    struct Served: Sendable {
        var negotiated: NegotiatedParameters?
        /// `TLSConnection.sessionReused` after the handshake.
        var sessionReused = false
        /// NewSessionTickets this connection sent (its `.newSession` events).
        var ticketsIssued = 0
        /// Wall-clock time the handshake completed (and the tickets were issued).
        var handshakeCompletedAt: Date?
        var received: [UInt8] = []
        var error: String?
        var receivedText: String { String(decoding: received, as: UTF8.self) }
        var summary: String {
            "reused: \(sessionReused), tickets: \(ticketsIssued), received \(received.count) bytes, error: \(error ?? "none")"
        }
    }

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

    let port: UInt16
    private let state = State()

    /// `acceptTimeout` bounds each wait for the next client (the test stops the server
    /// anyway); generous, since a loaded machine may be slow to start the next peer.
    init(context: TLSContext, count: Int, timeout: Duration = .seconds(10), acceptTimeout: Duration = .seconds(30)) throws {
        let listener = try LoopbackListener()
        port = listener.port
        let state = self.state
        nonisolated(unsafe) let ownedListener = listener
        state.finished.enter()
        let thread = Thread {
            defer { ownedListener.close(); state.finished.leave() }
            for _ in 0..<count {
                guard let socket = ResumptionServer.accept(ownedListener, timeout: acceptTimeout, state: state) else { break }
                state.append(ResumptionServer.serve(socket: socket, context: context, timeout: timeout, state: state))
            }
        }
        thread.stackSize = 4 << 20
        thread.start()
    }

    /// Starts a server, runs `body` with its port, stops the server (also when `body` throws)
    /// and returns `body`'s result with what the server saw.
    static func run<R>(context: TLSContext, count: Int, _ body: (UInt16) async throws -> R) async throws -> (R, [Served]) {
        let server = try ResumptionServer(context: context, count: count)
        let result: R
        do {
            result = try await body(server.port)
        } catch {
            let served = await server.stop()
            throw TLSSocketDriverError("\(error)\n--- our server saw: \(served.map(\.summary))")
        }
        return (result, await server.stop())
    }

    /// Stops (waits in progress end within ~100 ms), waits for the thread without blocking
    /// the caller's thread, and returns what was served.
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

    private static func serve(socket: LoopbackConnection, context: TLSContext, timeout: Duration, state: State) -> Served {
        let driver = TLSSocketDriver(connection: context.makeConnection(), socket: socket, timeout: timeout,
                                     shouldStop: { state.isStopped })
        var served = Served()
        do {
            served.negotiated = try driver.handshakeBlocking()
            served.handshakeCompletedAt = Date()
            served.sessionReused = driver.connection.sessionReused
            served.received = try driver.receiveLine()
            if !served.received.isEmpty, !driver.closeNotifyReceived {
                try driver.send(served.received)
            }
        } catch {
            served.error = "\(error)"
        }
        served.negotiated = served.negotiated ?? driver.negotiated
        served.ticketsIssued = ResumptionInterop.newSessions(driver.events).count
        driver.closeAndDrain()
        return served
    }
}

// MARK: - OpenSSL -trace

/// The hello messages in an OpenSSL `-trace` transcript (`s_client`/`s_server -trace
/// -msgfile FILE`), with the extensions each carried, in order.
struct OpenSSLTrace {
    struct Hello: Equatable {
        /// `ClientHello` or `ServerHello`.
        var type: String
        /// Extension names as OpenSSL prints them: `psk`, `key_share`, `psk_key_exchange_modes`, …
        var extensions: [String] = []
    }
    var hellos: [Hello] = []

    var clientHellos: [Hello] { hellos.filter { $0.type == "ClientHello" } }
    var serverHellos: [Hello] { hellos.filter { $0.type == "ServerHello" } }

    init(text: String) {
        var current: Hello?
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("ClientHello, Length=") || line.hasPrefix("ServerHello, Length=") {
                if let current { hellos.append(current) }
                current = Hello(type: String(line.prefix { $0 != "," }))
            } else if line.hasPrefix("Sent Record") || line.hasPrefix("Received Record") || Self.isMessageHeader(line) {
                if let finished = current { hellos.append(finished) }
                current = nil
            } else if line.hasPrefix("extension_type="), current != nil {
                let name = line.dropFirst("extension_type=".count).prefix { $0 != "(" }
                current!.extensions.append(String(name))
            }
        }
        if let current { hellos.append(current) }
    }

    /// `EncryptedExtensions, Length=6`, `NewSessionTicket, Length=…`: another message begins.
    private static func isMessageHeader(_ line: String) -> Bool {
        guard let comma = line.firstIndex(of: ",") else { return false }
        return line[comma...].hasPrefix(", Length=") && line[..<comma].allSatisfy(\.isLetter)
    }

    init(file: String) throws {
        self.init(text: try String(contentsOfFile: file, encoding: .utf8))
    }
}
