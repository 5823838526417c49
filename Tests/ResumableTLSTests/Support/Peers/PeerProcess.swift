import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Why a peer process (or a helper around it) failed. Every case carries what the peer
/// printed so far, so a failing test shows the peer's own words.
struct PeerError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) { self.description = description }

    /// A failure of `peer`, with its captured stdout and stderr appended.
    init(_ what: String, peer: PeerProcess) {
        self.description = "\(what)\n\(peer.transcript)"
    }
}

/// Finds command-line tools the interop tests need. A missing tool is an error (never a skip).
enum PeerTool {
    /// The absolute path of `name`, searched in `$PATH` and the usual system directories.
    /// Throws with an installation hint when the tool is missing.
    static func path(_ name: String, installHint: String) throws -> String {
        var directories = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        directories += ["/usr/local/bin", "/usr/bin", "/bin"]
        for directory in directories where !directory.isEmpty {
            let candidate = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw PeerError("required tool `\(name)` not found in PATH; \(installHint)")
    }

    static func openssl() throws -> String { try path("openssl", installHint: "install it with `apt-get install -y openssl`") }
    static func gnutlsCLI() throws -> String {
        try path("gnutls-cli", installHint: "install it with `apt-get update && apt-get install -y gnutls-bin`")
    }
    static func gnutlsServ() throws -> String {
        try path("gnutls-serv", installHint: "install it with `apt-get update && apt-get install -y gnutls-bin`")
    }
    static func python3() throws -> String { try path("python3", installHint: "install Python 3.11+ with its ssl module") }
}

/// A child process (a TLS peer) whose stdout and stderr are captured continuously.
///
/// Start it with `PeerProcess(executable:arguments:)`, then wait for what it prints with
/// `waitForLine(in:timeout:matching:)`, feed it with `write(_:)` / `closeStdin()`, and
/// end it with `waitForExit(timeout:)` or `terminate()`. Every wait is bounded; a timeout
/// throws a `PeerError` carrying everything captured. The process is killed in `deinit`
/// as a last resort, but tests should stop it explicitly (`defer { peer.terminate() }`)
/// or use `withPeerProcess`.
final class PeerProcess: @unchecked Sendable {
    /// Which captured stream to look at.
    enum Stream: Sendable { case stdout, stderr, either }

    /// A short name for messages (the executable's file name).
    let name: String
    let commandLine: String
    private let process = Process()
    private let stdinPipe = Pipe()
    private let stdoutPipe = Pipe()
    private let stderrPipe = Pipe()
    /// Output captured by the reader threads. Kept apart from `self` so that the threads do
    /// not keep the `PeerProcess` alive (its `deinit` kills a forgotten process).
    private final class Capture: @unchecked Sendable {
        let condition = NSCondition()
        // Guarded by `condition`:
        var stdoutBytes: [UInt8] = []
        var stderrBytes: [UInt8] = []
        var openStreams = 2
        var stdinClosed = false
    }
    private let capture = Capture()
    private var condition: NSCondition { capture.condition }

    /// Starts `executable` with `arguments`. The environment is the test's, plus `environment`.
    init(executable: String, arguments: [String], environment: [String: String] = [:],
         workingDirectory: String? = nil) throws {
        PeerProcess.ignoreSIGPIPE
        name = (executable as NSString).lastPathComponent
        commandLine = ([executable] + arguments).map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        let condition = self.condition
        process.terminationHandler = { _ in
            condition.lock(); condition.broadcast(); condition.unlock()
        }
        do {
            try process.run()
        } catch {
            throw PeerError("could not start \(commandLine): \(error)")
        }
        startReader(stdoutPipe.fileHandleForReading, isStdout: true)
        startReader(stderrPipe.fileHandleForReading, isStdout: false)
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Writing to a pipe whose reader has exited must be an error, not the death of the test run.
    private static let ignoreSIGPIPE: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    private func startReader(_ handle: FileHandle, isStdout: Bool) {
        let thread = Thread { [capture] in
            let condition = capture.condition
            while true {
                let data = handle.availableData   // blocks until data or end of file
                condition.lock()
                if data.isEmpty {
                    capture.openStreams -= 1
                    condition.broadcast(); condition.unlock()
                    return
                }
                if isStdout { capture.stdoutBytes += data } else { capture.stderrBytes += data }
                condition.broadcast(); condition.unlock()
            }
        }
        thread.name = "\(name) \(isStdout ? "stdout" : "stderr")"
        thread.start()
    }

    /// The process id.
    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// Everything printed to stdout so far (UTF-8, invalid bytes replaced).
    var stdout: String { condition.lock(); defer { condition.unlock() }; return String(decoding: capture.stdoutBytes, as: UTF8.self) }
    /// Everything printed to stderr so far.
    var stderr: String { condition.lock(); defer { condition.unlock() }; return String(decoding: capture.stderrBytes, as: UTF8.self) }

    /// The command line, exit state and captured output, for error messages.
    var transcript: String {
        let state = process.isRunning ? "running" : "exited with status \(process.terminationStatus)"
        return """
            --- \(commandLine) (\(state))
            --- stdout:
            \(stdout)
            --- stderr:
            \(stderr)
            ---
            """
    }

    /// Lines of a stream (for `.either`: stdout lines, then stderr lines).
    func lines(of stream: Stream) -> [String] {
        let text: String
        switch stream {
        case .stdout: text = stdout
        case .stderr: text = stderr
        case .either: text = stdout + "\n" + stderr
        }
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
        }
    }

    /// Waits (at most `timeout`) until `condition` holds for the captured output, and returns
    /// its result. Throws with the transcript on timeout, or if the process exits and its
    /// output ends without `condition` holding.
    func waitFor<T>(_ what: String, timeout: Duration, _ check: (PeerProcess) -> T?) throws -> T {
        let deadline = Date(timeIntervalSinceNow: timeout.seconds)
        while true {
            if let result = check(self) { return result }
            condition.lock()
            let finished = capture.openStreams == 0 && !process.isRunning
            if finished {
                condition.unlock()
                if let result = check(self) { return result }
                throw PeerError("\(name) exited before \(what)", peer: self)
            }
            // Wake up on new output or exit; re-check at least every 100 ms.
            let woke = condition.wait(until: min(deadline, Date(timeIntervalSinceNow: 0.1)))
            condition.unlock()
            if !woke && Date() >= deadline {
                if let result = check(self) { return result }
                throw PeerError("timed out after \(timeout) waiting for \(what) from \(name)", peer: self)
            }
        }
    }

    /// Waits until a complete line of `stream` satisfies `predicate`; returns that line.
    @discardableResult
    func waitForLine(in stream: Stream = .either, timeout: Duration = .seconds(10),
                     matching predicate: (String) -> Bool) throws -> String {
        try waitFor("a matching line", timeout: timeout) { peer in
            // Only complete (newline-terminated) lines count, so a line is never matched half-written.
            peer.lines(of: stream).dropLast().first(where: predicate)
        }
    }

    /// Waits until a line of `stream` contains `text`; returns that line.
    @discardableResult
    func waitForLine(containing text: String, in stream: Stream = .either,
                     timeout: Duration = .seconds(10)) throws -> String {
        try waitFor("a line containing \"\(text)\"", timeout: timeout) { peer in
            peer.lines(of: stream).dropLast().first { $0.contains(text) }
        }
    }

    /// Writes `text` (UTF-8) to the process's stdin.
    func write(_ text: String) throws {
        try write(Array(text.utf8))
    }

    /// Writes `bytes` to the process's stdin.
    func write(_ bytes: [UInt8]) throws {
        condition.lock(); let closed = capture.stdinClosed; condition.unlock()
        guard !closed else { throw PeerError("write to \(name) after its stdin was closed", peer: self) }
        do {
            try stdinPipe.fileHandleForWriting.write(contentsOf: Data(bytes))
        } catch {
            throw PeerError("writing to \(name)'s stdin failed: \(error)", peer: self)
        }
    }

    /// Closes the process's stdin (the peer sees end of file). Safe to call twice.
    func closeStdin() {
        condition.lock()
        let wasClosed = capture.stdinClosed
        capture.stdinClosed = true
        condition.unlock()
        if !wasClosed { try? stdinPipe.fileHandleForWriting.close() }
    }

    /// Waits at most `timeout` for the process to exit and its output to end; returns the exit
    /// status. On timeout the process is killed (SIGKILL) and a `PeerError` is thrown.
    @discardableResult
    func waitForExit(timeout: Duration = .seconds(10)) throws -> Int32 {
        do {
            _ = try waitFor("exit", timeout: timeout) { peer in peer.hasExitedAndDrained ? true : nil }
        } catch {
            kill(process.processIdentifier, SIGKILL)
            _ = try? waitFor("exit after SIGKILL", timeout: .seconds(2)) { peer in peer.hasExitedAndDrained ? true : nil }
            throw PeerError("\(name) did not exit within \(timeout); killed it", peer: self)
        }
        return process.terminationStatus
    }

    private var hasExitedAndDrained: Bool {
        condition.lock(); defer { condition.unlock() }
        return !process.isRunning && capture.openStreams == 0
    }

    /// The exit status, or nil while the process runs.
    var exitStatus: Int32? { process.isRunning ? nil : process.terminationStatus }

    /// Stops the process: closes stdin, sends SIGTERM, and SIGKILL if it has not exited
    /// within `grace`. Never throws; safe to call repeatedly and after exit.
    func terminate(grace: Duration = .milliseconds(500)) {
        closeStdin()
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        if (try? waitFor("exit after SIGTERM", timeout: grace, { peer in peer.process.isRunning ? nil : true })) == nil {
            kill(process.processIdentifier, SIGKILL)
            _ = try? waitFor("exit after SIGKILL", timeout: .seconds(2)) { peer in peer.process.isRunning ? nil : true }
        }
    }
}

/// Runs `body` with `peer`, then terminates the peer whether `body` returned or threw.
func withPeerProcess<R>(_ peer: PeerProcess, _ body: (PeerProcess) throws -> R) rethrows -> R {
    defer { peer.terminate() }
    return try body(peer)
}

/// Runs `body` with `peer`, then terminates the peer whether `body` returned or threw.
func withPeerProcess<R>(_ peer: PeerProcess, _ body: (PeerProcess) async throws -> R) async rethrows -> R {
    defer { peer.terminate() }
    return try await body(peer)
}

extension Duration {
    /// The duration in seconds, as a `TimeInterval`.
    var seconds: TimeInterval {
        let (s, attoseconds) = components
        return TimeInterval(s) + TimeInterval(attoseconds) / 1e18
    }
}
