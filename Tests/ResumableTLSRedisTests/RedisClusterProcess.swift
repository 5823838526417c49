import Foundation
import NIOCore
import NIOPosix
@testable import ResumableTLSRedis

/// A Redis Cluster of three masters on 127.0.0.1 that a test starts and stops: three
/// `redis-server --cluster-enabled yes` (no persistence, ports and cluster-bus ports the OS just
/// handed out, their `nodes.conf` in a temporary directory), joined by
/// `redis-cli --cluster create … --cluster-replicas 0`, ready once every node says
/// `cluster_state:ok` and serves all 16384 slots.
final class RedisClusterProcess: @unchecked Sendable {
    /// One node: its client port, its process and its cluster node ID.
    struct Node {
        let port: Int
        let process: Process
        var id: String
    }

    private(set) var nodes: [Node]
    let directory: URL

    private init(nodes: [Node], directory: URL) {
        self.nodes = nodes
        self.directory = directory
    }

    /// Starts `masters` nodes and makes them a cluster; stops them all on any failure.
    static func start(masters: Int = 3) async throws -> RedisClusterProcess {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rtls-cluster-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // A client port and a cluster-bus port per node (port + 10000, Redis's default, may not exist).
        let ports = try await freePorts(2 * masters)
        let cluster = RedisClusterProcess(nodes: [], directory: directory)
        do {
            for index in 0..<masters {
                let port = ports[2 * index]
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-server")
                process.arguments = [
                    "--port", "\(port)", "--cluster-port", "\(ports[2 * index + 1])", "--bind", "127.0.0.1",
                    "--cluster-enabled", "yes", "--cluster-config-file", directory.appendingPathComponent("nodes-\(port).conf").path,
                    "--cluster-node-timeout", "5000", "--dir", directory.path, "--appendonly", "no", "--save", "",
                ]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                cluster.nodes.append(Node(port: port, process: process, id: ""))
            }
            for index in cluster.nodes.indices {
                try await cluster.waitForPing(cluster.nodes[index])
                guard case .bulkString(let id?) = try await cluster.admin(cluster.nodes[index].port, { try await $0.send("CLUSTER", "MYID") }) else {
                    throw RedisError.unexpectedReply("CLUSTER MYID")
                }
                cluster.nodes[index].id = String(decoding: id, as: UTF8.self)
            }
            let create = try await runRedisCLI(["--cluster", "create"] + cluster.nodes.map { "127.0.0.1:\($0.port)" }
                                               + ["--cluster-replicas", "0", "--cluster-yes"])
            guard create.status == 0 else { throw RedisError.connectFailed("redis-cli --cluster create failed: \(create.output)") }
            try await cluster.waitUntilStable()
            return cluster
        } catch {
            cluster.stop()
            throw error
        }
    }

    /// A cluster client seeded with every node, with generous time limits unless told otherwise.
    func client(_ adjust: (inout RedisClusterConfiguration) -> Void = { _ in }) -> RedisClusterClient {
        var node = RedisConfiguration()
        node.connectTimeout = .seconds(10)
        node.commandTimeout = .seconds(10)
        var configuration = RedisClusterConfiguration(seeds: nodes.map { RedisClusterNode(host: "127.0.0.1", port: $0.port) }, node: node)
        adjust(&configuration)
        return RedisClusterClient(configuration: configuration)
    }

    /// Runs `body` with a plain client to the node on `port` (for administration: `CLUSTER …`,
    /// `MIGRATE`), closed afterwards.
    func admin<T>(_ port: Int, _ body: (RedisClient) async throws -> T) async throws -> T {
        var configuration = RedisConfiguration(host: "127.0.0.1", port: port)
        configuration.commandTimeout = .seconds(10)
        configuration.poolSize = 1
        let client = RedisClient(configuration: configuration)
        defer { client.close() }
        return try await body(client)
    }

    /// The node on `port`.
    func node(port: Int) -> Node? { nodes.first { $0.port == port } }

    /// Every key the nodes hold, by node port.
    func keys() async throws -> [Int: [String]] {
        var keys: [Int: [String]] = [:]
        for node in nodes {
            guard case .array(let names?) = try await admin(node.port, { try await $0.send("KEYS", "*") }) else { continue }
            keys[node.port] = names.compactMap { $0.bytes.map { String(decoding: $0, as: UTF8.self) } }
        }
        return keys
    }

    /// Moves `slot`, with `key` in it, from the node on `source` to the one on `target`:
    /// `IMPORTING` on the target, `MIGRATING` on the source, `MIGRATE` of the key, then, unless
    /// `finish` is false (the migration left half done, for `ASK`), `SETSLOT … NODE` on every node.
    func migrate(slot: Int, key: String, from source: Int, to target: Int, finish: Bool = true) async throws {
        guard let sourceNode = node(port: source), let targetNode = node(port: target) else { throw RedisError.unexpectedReply("no such node") }
        try await expectOK(try await admin(target) { try await $0.send("CLUSTER", "SETSLOT", "\(slot)", "IMPORTING", sourceNode.id) })
        try await expectOK(try await admin(source) { try await $0.send("CLUSTER", "SETSLOT", "\(slot)", "MIGRATING", targetNode.id) })
        try await expectOK(try await admin(source) { try await $0.send("MIGRATE", "127.0.0.1", "\(target)", "", "0", "5000", "KEYS", key) })
        if finish {
            for port in [target, source] + nodes.map(\.port).filter({ $0 != target && $0 != source }) {
                try await expectOK(try await admin(port) { try await $0.send("CLUSTER", "SETSLOT", "\(slot)", "NODE", targetNode.id) })
            }
        }
    }

    private func expectOK(_ reply: RESPValue) async throws {
        guard case .simpleString("OK") = reply else { throw RedisError.unexpectedReply("\(reply)") }
    }

    /// Stops every node (SIGKILL, then waits for it, like `RedisServerProcess`) and removes the
    /// directory.
    func stop() {
        for node in nodes where node.process.isRunning {
            kill(node.process.processIdentifier, SIGKILL)
            node.process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }

    private func waitForPing(_ node: Node) async throws {
        var configuration = RedisConfiguration(host: "127.0.0.1", port: node.port)
        configuration.poolSize = 1
        configuration.commandTimeout = .seconds(1)
        configuration.initialBackoff = .milliseconds(20)
        configuration.maximumBackoff = .milliseconds(20)
        let probe = RedisClient(configuration: configuration)
        defer { probe.close() }
        for _ in 0..<250 {
            if !node.process.isRunning { break }
            if case .simpleString("PONG")? = try? await probe.send("PING") { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw RedisError.connectFailed("redis-server on port \(node.port) did not answer PING")
    }

    /// Waits (at most 30 s) until every node reports `cluster_state:ok` and serves all slots.
    private func waitUntilStable() async throws {
        for _ in 0..<300 {
            var ready = true
            for node in nodes where ready {
                let info = try await admin(node.port) { try await $0.send("CLUSTER", "INFO") }
                let text = info.bytes.map { String(decoding: $0, as: UTF8.self) } ?? ""
                ready = text.contains("cluster_state:ok") && text.contains("cluster_slots_ok:16384") && text.contains("cluster_known_nodes:\(nodes.count)")
            }
            if ready { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw RedisError.connectFailed("the cluster did not reach cluster_state:ok")
    }

    /// `count` distinct ports the OS hands out for 127.0.0.1 (all bound at once), released again.
    private static func freePorts(_ count: Int) async throws -> [Int] {
        var channels: [any Channel] = []
        defer { for channel in channels { channel.close(promise: nil) } }
        for _ in 0..<count {
            channels.append(try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get())
        }
        let ports = channels.compactMap { $0.localAddress?.port }
        guard ports.count == count, ports.allSatisfy({ $0 > 0 }) else { throw RedisError.connectFailed("no free ports") }
        for channel in channels { try await channel.close() }
        channels = []
        return ports
    }

    /// Runs `redis-cli` to completion (at most 60 s, then SIGKILL) on a Dispatch thread, not on
    /// the Swift concurrency pool, which waiting for a child would block.
    private static func runRedisCLI(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result {
                    let output = FileManager.default.temporaryDirectory.appendingPathComponent("redis-cli-\(UUID().uuidString).log")
                    guard FileManager.default.createFile(atPath: output.path, contents: nil) else {
                        throw RedisError.connectFailed("cannot create \(output.path)")
                    }
                    defer { try? FileManager.default.removeItem(at: output) }
                    let handle = try FileHandle(forWritingTo: output)
                    defer { try? handle.close() }
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-cli")
                    process.arguments = arguments
                    process.standardOutput = handle
                    process.standardError = handle
                    process.standardInput = FileHandle.nullDevice
                    let exited = DispatchSemaphore(value: 0)
                    process.terminationHandler = { _ in exited.signal() }
                    try process.run()
                    if exited.wait(timeout: .now() + 60) == .timedOut {
                        kill(process.processIdentifier, SIGKILL)
                        process.waitUntilExit()
                    }
                    let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
                    return (process.terminationStatus, text)
                })
            }
        }
    }
}
