import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A failure of a child process or a wait on it, with what the process printed.
struct ChildProcessError: Error, CustomStringConvertible {
    var description: String
}

/// A child process (`rtls`, `openssl`) whose stdout and stderr are captured as they come.
/// Every wait is bounded; `stop()` ends it (SIGTERM, then SIGKILL), and `deinit` kills a
/// process a test forgot.
final class ChildProcess: @unchecked Sendable {
    private final class Capture: @unchecked Sendable {
        let condition = NSCondition()
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        var openStreams = 2
    }

    /// The command line, for messages.
    let commandLine: String
    private let process = Process()
    private let stdinPipe = Pipe()
    private let capture = Capture()

    /// Starts `executable` with `arguments` in `directory`.
    init(_ executable: String, _ arguments: [String], directory: URL? = nil) throws {
        _ = Self.ignoreSIGPIPE
        commandLine = ([executable] + arguments).joined(separator: " ")
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let stdoutPipe = Pipe()
        let stderrPipe = Pipe()
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        let condition = capture.condition
        process.terminationHandler = { _ in condition.lock(); condition.broadcast(); condition.unlock() }
        do {
            try process.run()
        } catch {
            throw ChildProcessError(description: "cannot start \(commandLine): \(error)")
        }
        read(stdoutPipe.fileHandleForReading, isStdout: true)
        read(stderrPipe.fileHandleForReading, isStdout: false)
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    private static let ignoreSIGPIPE: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    private func read(_ handle: FileHandle, isStdout: Bool) {
        let thread = Thread { [capture] in
            while true {
                let data = handle.availableData
                capture.condition.lock()
                if data.isEmpty {
                    capture.openStreams -= 1
                    capture.condition.broadcast(); capture.condition.unlock()
                    return
                }
                if isStdout { capture.stdout += data } else { capture.stderr += data }
                capture.condition.broadcast(); capture.condition.unlock()
            }
        }
        thread.start()
    }

    /// Everything printed on stdout so far.
    var stdout: String { capture.condition.lock(); defer { capture.condition.unlock() }; return String(decoding: capture.stdout, as: UTF8.self) }
    /// Everything printed on stderr so far.
    var stderr: String { capture.condition.lock(); defer { capture.condition.unlock() }; return String(decoding: capture.stderr, as: UTF8.self) }

    /// The command, its state and its output, for failure messages.
    var transcript: String {
        let state = process.isRunning ? "running" : "exit \(process.terminationStatus)"
        return "--- \(commandLine) (\(state))\n--- stdout:\n\(stdout)\n--- stderr:\n\(stderr)\n---"
    }

    /// Writes `text` to stdin.
    func write(_ text: String) throws {
        do {
            try stdinPipe.fileHandleForWriting.write(contentsOf: Data(text.utf8))
        } catch {
            throw ChildProcessError(description: "cannot write to \(commandLine): \(error)\n\(transcript)")
        }
    }

    /// Closes stdin.
    func closeStdin() { try? stdinPipe.fileHandleForWriting.close() }

    /// Waits at most `timeout` until a complete stdout line satisfies `predicate`; returns it.
    @discardableResult
    func waitForStdoutLine(timeout: Duration = .seconds(15), _ predicate: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(Self.seconds(timeout))
        capture.condition.lock()
        defer { capture.condition.unlock() }
        while true {
            let lines = String(decoding: capture.stdout, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            if let line = lines.first(where: { predicate(String($0)) }) { return String(line) }
            let ended = capture.openStreams == 0 && !process.isRunning
            if ended || Date() >= deadline {
                capture.condition.unlock()
                let error = ChildProcessError(description: "\(ended ? "exited" : "timed out") before the expected line\n\(transcript)")
                capture.condition.lock()
                throw error
            }
            _ = capture.condition.wait(until: min(deadline, Date().addingTimeInterval(0.1)))
        }
    }

    /// Waits at most `timeout` for the process to exit and its output to end; returns the
    /// exit status. On timeout kills it and throws.
    @discardableResult
    func waitForExit(timeout: Duration = .seconds(30)) throws -> Int32 {
        let deadline = Date().addingTimeInterval(Self.seconds(timeout))
        capture.condition.lock()
        while process.isRunning || capture.openStreams > 0 {
            if Date() >= deadline {
                capture.condition.unlock()
                stop()
                throw ChildProcessError(description: "did not exit within \(timeout); killed\n\(transcript)")
            }
            _ = capture.condition.wait(until: min(deadline, Date().addingTimeInterval(0.1)))
        }
        capture.condition.unlock()
        return process.terminationStatus
    }

    /// Sends `number` (e.g. SIGHUP) to the process.
    func send(signal number: Int32) {
        kill(process.processIdentifier, number)
    }

    /// Ends the process: closes stdin, SIGTERM, and SIGKILL after a grace period. Safe to
    /// call more than once.
    func stop() {
        closeStdin()
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(2)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            let killDeadline = Date().addingTimeInterval(2)
            while process.isRunning && Date() < killDeadline { usleep(20_000) }
        }
    }

    private static func seconds(_ duration: Duration) -> TimeInterval {
        let parts = duration.components
        return TimeInterval(parts.seconds) + TimeInterval(parts.attoseconds) / 1e18
    }
}

/// What a finished command printed.
struct CommandResult {
    /// The exit status.
    var status: Int32
    /// Standard output.
    var stdout: String
    /// Standard error.
    var stderr: String
    /// Everything, for failure messages.
    var transcript: String
}

/// Runs `executable` to completion (bounded by `timeout`), feeding `input` on stdin.
func runCommand(_ executable: String, _ arguments: [String], input: String? = nil, directory: URL? = nil, timeout: Duration = .seconds(30)) throws -> CommandResult {
    let child = try ChildProcess(executable, arguments, directory: directory)
    defer { child.stop() }
    if let input { try child.write(input) }
    child.closeStdin()
    let status = try child.waitForExit(timeout: timeout)
    return CommandResult(status: status, stdout: child.stdout, stderr: child.stderr, transcript: child.transcript)
}
