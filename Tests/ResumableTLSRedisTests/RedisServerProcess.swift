import Foundation
import NIOCore
import NIOPosix
import ResumableTLS
@testable import ResumableTLSRedis

/// A `redis-server` on 127.0.0.1 that a test starts and stops: no persistence, a port the OS
/// just handed out (Redis cannot bind port 0 itself), ready once it answers PING.
final class RedisServerProcess: @unchecked Sendable {
    let port: Int
    private var process: Process
    /// The client TLS context for a server started with TLS.
    let tls: TLSContext?
    /// The default user's password (`--requirepass`), if the server was started with one.
    let password: String?

    private init(port: Int, process: Process, tls: TLSContext?, password: String?) {
        self.port = port
        self.process = process
        self.tls = tls
        self.password = password
    }

    /// Starts a server (a few attempts, should another process take the port first); with
    /// `tls`, it listens with TLS only (`--tls-port`), presenting `tls.certificate`.
    /// With `password`, clients must authenticate (`--requirepass`); the clients this
    /// object makes do.
    static func start(tls: (certificate: String, key: String, client: TLSContext)? = nil, password: String? = nil) async throws -> RedisServerProcess {
        var lastError: (any Error)?
        for _ in 0..<3 {
            let port = try await freePort()
            let listen = tls.map { ["--port", "0", "--tls-port", "\(port)", "--tls-cert-file", $0.certificate, "--tls-key-file", $0.key,
                                    "--tls-ca-cert-file", $0.certificate, "--tls-auth-clients", "no"] } ?? ["--port", "\(port)"]
            let process = try launch(listen + (password.map { ["--requirepass", $0] } ?? []))
            let server = RedisServerProcess(port: port, process: process, tls: tls?.client, password: password)
            do {
                try await server.waitUntilReady()
                return server
            } catch {
                lastError = error
                server.stop()
            }
        }
        throw lastError ?? RedisError.connectFailed("redis-server did not start")
    }

    private static func launch(_ listen: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-server")
        process.arguments = listen + ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Starts a stopped plain-TCP server again on the same port (empty: nothing is persisted).
    func restart() async throws {
        stop()
        process = try Self.launch(["--port", "\(port)"])
        try await waitUntilReady()
    }

    /// A client for this server, with generous time limits unless told otherwise (a test suite
    /// running in parallel on two cores can stall a connection for seconds).
    func client(_ adjust: (inout RedisConfiguration) -> Void = { _ in }) -> RedisClient {
        var configuration = RedisConfiguration(host: "127.0.0.1", port: port)
        configuration.connectTimeout = .seconds(10)
        configuration.commandTimeout = .seconds(10)
        configuration.tls = tls
        configuration.password = password
        adjust(&configuration)
        return RedisClient(configuration: configuration)
    }

    private func waitUntilReady() async throws {
        let probe = client { $0.poolSize = 1; $0.initialBackoff = .milliseconds(20); $0.maximumBackoff = .milliseconds(20) }
        defer { probe.close() }
        for _ in 0..<250 {
            if process.isRunning == false { break }
            if case .simpleString("PONG")? = try? await probe.send("PING") { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw RedisError.connectFailed("redis-server on port \(port) did not answer PING")
    }

    /// Stops the server and waits for it: SIGKILL, since a child spawned from a test thread
    /// inherits its blocked signals (SIGTERM would wait) and nothing here is persisted.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Sends SIGSTOP (the server hangs without closing connections) or SIGCONT.
    func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    deinit { stop() }

    /// A port the OS hands out for 127.0.0.1, released again for the server to take.
    private static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        guard port > 0 else { throw RedisError.connectFailed("no free port") }
        return port
    }
}
