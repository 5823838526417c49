import Foundation

/// Where the tools are, temporary directories, and the servers the tests start.
enum RTLSTestSupport {
    /// The built `rtls` executable: `$RTLS_BINARY`, else next to the test runner (the build
    /// directory), else `.build/debug/rtls` under the package root.
    static func rtlsPath() throws -> String {
        if let path = ProcessInfo.processInfo.environment["RTLS_BINARY"] { return path }
        var candidates: [URL] = []
        if let executable = Bundle.main.executableURL {
            candidates.append(executable.deletingLastPathComponent().appendingPathComponent("rtls"))
        }
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("rtls"))
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(packageRoot.appendingPathComponent(".build/debug/rtls"))
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate.path
        }
        throw ChildProcessError(description: "rtls executable not found (looked at \(candidates.map(\.path))); run `swift build` first or set RTLS_BINARY")
    }

    /// `openssl` from PATH; a missing tool fails the test (it never skips).
    static func opensslPath() throws -> String {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin", "/bin"]
        for directory in directories where FileManager.default.isExecutableFile(atPath: directory + "/openssl") {
            return directory + "/openssl"
        }
        throw ChildProcessError(description: "openssl not found in PATH; install it with `apt-get install -y openssl`")
    }

    /// `curl` from PATH (scripts/test.sh installs it); a missing tool fails the test.
    static func curlPath() throws -> String {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin", "/bin"]
        for directory in directories where FileManager.default.isExecutableFile(atPath: directory + "/curl") {
            return directory + "/curl"
        }
        throw ChildProcessError(description: "curl not found in PATH; install it with `apt-get install -y curl`")
    }

    /// Runs `curl` with `arguments` to completion.
    static func curl(_ arguments: [String], timeout: Duration = .seconds(20)) throws -> CommandResult {
        try runCommand(try curlPath(), arguments, timeout: timeout)
    }

    /// Runs `body`, which blocks on child processes, on a Dispatch thread instead of the Swift
    /// concurrency pool (2 threads here): a blocked pool thread would stall every async test,
    /// down to the chain verification of their handshakes.
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
        }
    }

    /// A fresh temporary directory; the caller removes it.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rtls-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs `rtls` with `arguments` to completion.
    static func rtls(_ arguments: [String], input: String? = nil, timeout: Duration = .seconds(30)) throws -> CommandResult {
        try runCommand(try rtlsPath(), arguments, input: input, timeout: timeout)
    }

    /// Runs `openssl` with `arguments` to completion.
    static func openssl(_ arguments: [String], input: String? = nil, directory: URL? = nil, timeout: Duration = .seconds(30)) throws -> CommandResult {
        try runCommand(try opensslPath(), arguments, input: input, directory: directory, timeout: timeout)
    }

    /// A self-signed P-256 certificate for localhost / 127.0.0.1 in `directory`: (cert, key).
    static func makeCertificate(in directory: URL) throws -> (certificate: String, key: String) {
        let certificate = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        let result = try openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", key, "-out", certificate, "-days", "1", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ])
        guard result.status == 0 else { throw ChildProcessError(description: "openssl req failed\n\(result.transcript)") }
        return (certificate, key)
    }

    /// Starts `openssl s_server -www` on 127.0.0.1 with an OS-chosen port; returns it and the
    /// port. The caller stops it. (s_server exits at end of stdin, so stdin stays open.)
    static func startOpenSSLServer(certificate: String, key: String, protocolArguments: [String] = ["-tls1_3"]) throws -> (server: ChildProcess, port: Int) {
        let server = try ChildProcess(try opensslPath(), ["s_server", "-accept", "127.0.0.1:0", "-www"] + protocolArguments + ["-cert", certificate, "-key", key])
        do {
            let line = try server.waitForStdoutLine { $0.hasPrefix("ACCEPT ") }
            return (server, try port(fromAcceptLine: line, server))
        } catch {
            server.stop()
            throw error
        }
    }

    /// Starts `rtls server --port 0 --www` plus `extraArguments`; returns it and its port.
    static func startRTLSServer(_ extraArguments: [String] = []) throws -> (server: ChildProcess, port: Int) {
        let server = try ChildProcess(try rtlsPath(), ["server", "--port", "0", "--www"] + extraArguments)
        do {
            // `ACCEPT 127.0.0.1:PORT` is the first stdout line.
            let line = try server.waitForStdoutLine { $0.hasPrefix("ACCEPT ") }
            return (server, try port(fromAcceptLine: line, server))
        } catch {
            server.stop()
            throw error
        }
    }

    /// Starts `rtls server --port 0 --www --metrics 127.0.0.1:0` plus `extraArguments`; returns
    /// it, its TLS port and its metrics address (`127.0.0.1:PORT`, from the `METRICS` line).
    static func startRTLSServerWithMetrics(_ extraArguments: [String] = []) throws -> (server: ChildProcess, port: Int, metrics: String) {
        let (server, port) = try startRTLSServer(["--metrics", "127.0.0.1:0"] + extraArguments)
        do {
            let line = try server.waitForStdoutLine { $0.hasPrefix("METRICS ") }
            let address = String(line.dropFirst("METRICS ".count)).trimmingCharacters(in: .whitespaces)
            guard address.hasPrefix("127.0.0.1:"), let metricsPort = Int(address.dropFirst("127.0.0.1:".count)), metricsPort > 0 else {
                throw ChildProcessError(description: "bad METRICS line '\(line)'\n\(server.transcript)")
            }
            return (server, port, address)
        } catch {
            server.stop()
            throw error
        }
    }

    /// `GET http://ADDRESS/metrics` with curl, parsed.
    static func scrapeMetrics(_ address: String) throws -> PrometheusSamples {
        let result = try curl(["-s", "-f", "http://\(address)/metrics"])
        guard result.status == 0 else { throw ChildProcessError(description: "curl failed\n\(result.transcript)") }
        return try PrometheusSamples(parsing: result.stdout)
    }

    /// `openssl s_client` against 127.0.0.1:`port`, sending one HTTP GET and waiting for the
    /// server to close; `extraArguments` adds `-sess_in` / `-sess_out`.
    static func opensslGet(port: Int, _ extraArguments: [String], protocolArguments: [String] = ["-tls1_3"]) throws -> CommandResult {
        try openssl(["s_client", "-connect", "127.0.0.1:\(port)"] + protocolArguments + ["-ign_eof"] + extraArguments,
                    input: "GET / HTTP/1.0\r\n\r\n", timeout: .seconds(20))
    }

    private static func port(fromAcceptLine line: String, _ server: ChildProcess) throws -> Int {
        guard let colon = line.lastIndex(of: ":"), let port = Int(line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)), port > 0 else {
            throw ChildProcessError(description: "bad ACCEPT line '\(line)'\n\(server.transcript)")
        }
        return port
    }

    /// The value after `label` on the first line of `text` that starts (after spaces) with it.
    static func value(_ text: String, after label: String) -> String? {
        for line in text.split(separator: "\n") {
            let trimmed = line.drop { $0 == " " }
            if trimmed.hasPrefix(label) { return trimmed.dropFirst(label.count).trimmingCharacters(in: .whitespaces) }
        }
        return nil
    }

    /// The hex dump lines under `TLS session ticket:` in `sess_id -text` output.
    static func ticketDump(_ text: String) -> [String] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let start = lines.firstIndex(where: { $0.contains("TLS session ticket:") }) else { return [] }
        return Array(lines[(start + 1)...].prefix { $0.contains(" - ") })
    }
}
