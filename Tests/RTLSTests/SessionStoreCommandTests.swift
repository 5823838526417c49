import Foundation
import Testing

/// `rtls server --session-store redis://… --session-store-key FILE` (issue 18): two servers
/// sharing one `redis-server` resume each other's sessions, checked with `openssl s_client`.
/// Every process a test starts is stopped before it returns.
@Suite(.serialized) struct SessionStoreCommandTests {
    typealias Support = RTLSTestSupport

    /// A port the OS hands out for 127.0.0.1, released for redis-server (which cannot bind 0).
    private static func freePort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw ChildProcessError(description: "socket() failed") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) } }
        guard bound == 0 else { throw ChildProcessError(description: "bind() failed") }
        let named = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) } }
        guard named == 0 else { throw ChildProcessError(description: "getsockname() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// A redis-server on a free port; with `tls` (certificate and key files), TLS only.
    private static func startRedis(tls: (certificate: String, key: String)? = nil) throws -> (server: ChildProcess, port: Int) {
        let port = try freePort()
        let listen = tls.map { ["--port", "0", "--tls-port", "\(port)", "--tls-cert-file", $0.certificate, "--tls-key-file", $0.key,
                                "--tls-ca-cert-file", $0.certificate, "--tls-auth-clients", "no"] } ?? ["--port", "\(port)"]
        let redis = try ChildProcess("/usr/bin/redis-server", listen + ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        do {
            _ = try redis.waitForStdoutLine { $0.contains("Ready to accept connections") }
            return (redis, port)
        } catch {
            redis.stop()
            throw error
        }
    }

    @Test("S27: a TLS 1.3 stateful ticket from one rtls server resumes on another through Redis (plain and TLS); a wrong key file shares nothing", arguments: [false, true])
    func twoServersShareOneRedis(tls: Bool) async throws {
        try await Support.offPool { try Self.twoServersShareOneRedisBody(tls: tls) }
    }

    private static func twoServersShareOneRedisBody(tls: Bool) throws {
        let directory = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (certificate, key) = try Support.makeCertificate(in: directory)
        let keyFile = directory.appendingPathComponent("store.key").path
        try String(repeating: "5a", count: 32).write(toFile: keyFile, atomically: true, encoding: .utf8)
        let (redis, redisPort) = try startRedis(tls: tls ? (certificate, key) : nil)
        defer { redis.stop() }
        // rediss://: our own TLS client to Redis, checking its certificate (for 127.0.0.1) against the CA.
        let url = tls ? "rediss://127.0.0.1:\(redisPort)/0" : "redis://127.0.0.1:\(redisPort)/0"
        let store = ["--session-store", url, "--session-store-key", keyFile] + (tls ? ["--session-store-ca", certificate] : [])
            + ["--tickets", "stateful", "--cert", certificate, "--key", key]
        let (first, firstPort) = try Support.startRTLSServer(store)
        defer { first.stop() }
        let (second, secondPort) = try Support.startRTLSServer(store)
        defer { second.stop() }

        let sessionFile = directory.appendingPathComponent("session.pem").path
        let made = try Support.opensslGet(port: firstPort, ["-sess_out", sessionFile])
        #expect(made.stdout.contains("New, TLSv1.3"), "\(made.transcript)")
        // The ticket's session is written to Redis off the handshake: allow it a moment.
        var resumed = ""
        for _ in 0..<20 {
            let again = try Support.opensslGet(port: secondPort, ["-sess_in", sessionFile])
            resumed = again.stdout
            if resumed.contains("Reused, TLSv1.3") { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(resumed.contains("Reused, TLSv1.3"), "made on the first server, resumed on the second")

        // A server with another key file is another fleet: it cannot open the fleet's sessions.
        let otherKey = directory.appendingPathComponent("other.key").path
        try String(repeating: "a5", count: 32).write(toFile: otherKey, atomically: true, encoding: .utf8)
        let (stranger, strangerPort) = try Support.startRTLSServer(
            ["--session-store", url, "--session-store-key", otherKey] + (tls ? ["--session-store-ca", certificate] : [])
            + ["--tickets", "stateful", "--cert", certificate, "--key", key])
        defer { stranger.stop() }
        let fresh = directory.appendingPathComponent("fresh.pem").path
        _ = try Support.opensslGet(port: firstPort, ["-sess_out", fresh])
        Thread.sleep(forTimeInterval: 0.3)
        let refused = try Support.opensslGet(port: strangerPort, ["-sess_in", fresh])
        #expect(refused.stdout.contains("New, TLSv1.3"), "\(refused.transcript)")
    }

    @Test("S14, S25, S27: two rtls servers load their ticket keys from Redis (--ticket-keys) and share single use (--single-use-tickets): a stateless ticket from one resumes on the other once, a replay gets a full handshake")
    func ticketKeysAndSingleUseThroughRedis() async throws {
        try await Support.offPool { try Self.ticketKeysAndSingleUseThroughRedisBody() }
    }

    private static func ticketKeysAndSingleUseThroughRedisBody() throws {
        let directory = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyFile = directory.appendingPathComponent("store.key").path
        try String(repeating: "3c", count: 32).write(toFile: keyFile, atomically: true, encoding: .utf8)
        let (redis, redisPort) = try startRedis()
        defer { redis.stop() }
        let url = "redis://127.0.0.1:\(redisPort)"
        let fleet = ["--session-store", url, "--ticket-keys", url, "--session-store-key", keyFile, "--single-use-tickets"]
        let (first, firstPort) = try Support.startRTLSServer(fleet)
        defer { first.stop() }
        let (second, secondPort) = try Support.startRTLSServer(fleet)
        defer { second.stop() }

        let sessionFile = directory.appendingPathComponent("session.pem").path
        let made = try Support.opensslGet(port: firstPort, ["-sess_out", sessionFile])
        #expect(made.stdout.contains("New, TLSv1.3"), "\(made.transcript)")
        let resumed = try Support.opensslGet(port: secondPort, ["-sess_in", sessionFile])
        #expect(resumed.stdout.contains("Reused, TLSv1.3"), "sealed by the first server, opened by the second: \(resumed.transcript)")
        for port in [firstPort, secondPort] {
            let replayed = try Support.opensslGet(port: port, ["-sess_in", sessionFile])
            #expect(replayed.stdout.contains("New, TLSv1.3"), "a replay of the used ticket: \(replayed.transcript)")
        }
    }

    @Test("--metrics with --session-store: the store's swift-metrics (tls_session_store_*) land in the scrape, with the cache's and the decisions")
    func storeMetricsAreScraped() async throws {
        try await Support.offPool { try Self.storeMetricsAreScrapedBody() }
    }

    private static func storeMetricsAreScrapedBody() throws {
        let directory = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyFile = directory.appendingPathComponent("store.key").path
        try String(repeating: "5a", count: 32).write(toFile: keyFile, atomically: true, encoding: .utf8)
        let (redis, redisPort) = try startRedis()
        defer { redis.stop() }
        let (server, port, metrics) = try Support.startRTLSServerWithMetrics(
            ["--session-store", "redis://127.0.0.1:\(redisPort)/0", "--session-store-key", keyFile, "--tickets", "stateful"])
        defer { server.stop() }

        let sessionFile = directory.appendingPathComponent("session.pem").path
        let made = try Support.opensslGet(port: port, ["-sess_out", sessionFile])
        #expect(made.stdout.contains("New, TLSv1.3"), "\(made.transcript)")
        // The ticket's session is written to Redis off the handshake: wait for the SET.
        for _ in 0..<50 {
            if (try Support.scrapeMetrics(metrics)["tls_session_store_puts"] ?? 0) >= 1 { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        let resumed = try Support.opensslGet(port: port, ["-sess_in", sessionFile])
        #expect(resumed.stdout.contains("Reused, TLSv1.3"), "\(resumed.transcript)")

        let samples = try Support.scrapeMetrics(metrics)
        #expect((samples["tls_session_store_puts"] ?? 0) >= 1, "\(samples.values)")
        #expect(samples["tls_session_store_hits"] == 1, "\(samples.values)")
        #expect(samples["tls_session_store_errors"] == 0, "\(samples.values)")
        #expect(samples.types["tls_session_store_latency"] == "histogram")
        #expect(samples[#"tls_session_store_latency_count{command="GETDEL"}"#] == 1, "one lookup, single use (GETDEL)")
        #expect((samples[#"tls_session_store_latency_count{command="SET"}"#] ?? 0) >= 1, "\(samples.values)")
        #expect(samples["tls_session_cache_cb_hits"] == 1, "the store's hit, as OpenSSL's get-callback hits")
        #expect(samples["tls_session_cache_hits"] == 1, "\(samples.values)")
        #expect(samples[#"tls_resumption_decisions_total{outcome="resumed",reason="none"}"#] == 1, "\(samples.values)")
    }

    /// A Redis Cluster of three masters on free ports (each with its own cluster-bus port),
    /// made with `redis-cli --cluster create` and ready (`cluster_state:ok` on every node); the
    /// caller stops the servers.
    private static func startRedisCluster(in directory: URL) throws -> (servers: [ChildProcess], ports: [Int]) {
        var ports: [Int] = []
        for _ in 0..<50 where ports.count < 6 {
            let port = try freePort()
            if !ports.contains(port) { ports.append(port) }
        }
        guard ports.count == 6 else { throw ChildProcessError(description: "no six distinct free ports") }
        var servers: [ChildProcess] = []
        do {
            for index in 0..<3 {
                let port = ports[2 * index]
                let server = try ChildProcess("/usr/bin/redis-server", [
                    "--port", "\(port)", "--cluster-port", "\(ports[2 * index + 1])", "--bind", "127.0.0.1",
                    "--cluster-enabled", "yes", "--cluster-config-file", directory.appendingPathComponent("nodes-\(port).conf").path,
                    "--dir", directory.path, "--save", "", "--appendonly", "no",
                ])
                servers.append(server)
                _ = try server.waitForStdoutLine { $0.contains("Ready to accept connections") }
            }
            let masters = ports.enumerated().filter { $0.offset % 2 == 0 }.map { "127.0.0.1:\($0.element)" }
            let create = try runCommand("/usr/bin/redis-cli", ["--cluster", "create"] + masters + ["--cluster-replicas", "0", "--cluster-yes"], timeout: .seconds(60))
            guard create.status == 0 else { throw ChildProcessError(description: "redis-cli --cluster create failed\n\(create.transcript)") }
            for index in 0..<3 {
                var ready = false
                for _ in 0..<100 where !ready {
                    let info = try runCommand("/usr/bin/redis-cli", ["-p", "\(ports[2 * index])", "cluster", "info"])
                    ready = info.stdout.contains("cluster_state:ok") && info.stdout.contains("cluster_known_nodes:3")
                    if !ready { Thread.sleep(forTimeInterval: 0.1) }
                }
                guard ready else { throw ChildProcessError(description: "the cluster did not reach cluster_state:ok") }
            }
            return (servers, masters.compactMap { $0.split(separator: ":").last.flatMap { Int($0) } })
        } catch {
            for server in servers { server.stop() }
            throw error
        }
    }

    @Test("S27: two rtls servers share sessions through a Redis Cluster given by its seeds (redis+cluster://)")
    func twoServersShareOneRedisCluster() async throws {
        try await Support.offPool { try Self.twoServersShareOneRedisClusterBody() }
    }

    private static func twoServersShareOneRedisClusterBody() throws {
        let directory = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (certificate, key) = try Support.makeCertificate(in: directory)
        let keyFile = directory.appendingPathComponent("store.key").path
        try String(repeating: "5a", count: 32).write(toFile: keyFile, atomically: true, encoding: .utf8)
        let (redis, ports) = try startRedisCluster(in: directory)
        defer { for server in redis { server.stop() } }
        // The first seed answers nothing: the next one gives the slot map.
        let url = "redis+cluster://127.0.0.1:1," + ports.map { "127.0.0.1:\($0)" }.joined(separator: ",")
        let store = ["--session-store", url, "--session-store-key", keyFile, "--tickets", "stateful", "--cert", certificate, "--key", key]
        let (first, firstPort) = try Support.startRTLSServer(store)
        defer { first.stop() }
        let (second, secondPort) = try Support.startRTLSServer(store)
        defer { second.stop() }
        for round in 0..<3 {
            let sessionFile = directory.appendingPathComponent("session-\(round).pem").path
            let made = try Support.opensslGet(port: firstPort, ["-sess_out", sessionFile])
            #expect(made.stdout.contains("New, TLSv1.3"), "\(made.transcript)")
            var resumed = ""
            for _ in 0..<20 {
                resumed = try Support.opensslGet(port: secondPort, ["-sess_in", sessionFile]).stdout
                if resumed.contains("Reused, TLSv1.3") { break }
                Thread.sleep(forTimeInterval: 0.1)
            }
            #expect(resumed.contains("Reused, TLSv1.3"), "round \(round): made on the first server, resumed on the second")
        }
        // The sessions are in the cluster (keys on its masters), not in either server alone.
        var stored = 0
        for port in ports {
            let size = try runCommand("/usr/bin/redis-cli", ["-p", "\(port)", "dbsize"])
            stored += Int(size.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        }
        #expect(stored >= 3, "each round's other ticket is still stored: \(stored)")
    }

    /// The server certificate `openssl s_client` printed (its PEM block).
    private static func servedCertificate(_ output: String) -> String? {
        guard let start = output.range(of: "-----BEGIN CERTIFICATE-----"),
              let end = output.range(of: "-----END CERTIFICATE-----", range: start.upperBound..<output.endIndex) else { return nil }
        return String(output[start.lowerBound..<end.upperBound])
    }

    @Test("S32: SIGHUP reloads --cert/--key: new handshakes get the renewed certificate, a session from before still resumes")
    func hangupReloadsTheCertificate() async throws {
        try await Support.offPool { try Self.hangupReloadsTheCertificateBody() }
    }

    private static func hangupReloadsTheCertificateBody() throws {
        let directory = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (certificate, key) = try Support.makeCertificate(in: directory)
        let renewedDirectory = directory.appendingPathComponent("renewed")
        try FileManager.default.createDirectory(at: renewedDirectory, withIntermediateDirectories: true)
        let (renewedCertificate, renewedKey) = try Support.makeCertificate(in: renewedDirectory)
        let (server, port) = try Support.startRTLSServer(["--tickets", "stateful", "--cert", certificate, "--key", key])
        defer { server.stop() }

        let sessionFile = directory.appendingPathComponent("session.pem").path
        let made = try Support.opensslGet(port: port, ["-sess_out", sessionFile])
        let original = try #require(servedCertificate(made.stdout))
        #expect(original.trimmingCharacters(in: .whitespacesAndNewlines) == (try String(contentsOfFile: certificate, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines))

        // The renewal: new files in place, then SIGHUP.
        try FileManager.default.removeItem(atPath: certificate)
        try FileManager.default.removeItem(atPath: key)
        try FileManager.default.copyItem(atPath: renewedCertificate, toPath: certificate)
        try FileManager.default.copyItem(atPath: renewedKey, toPath: key)
        let renewed = try String(contentsOfFile: renewedCertificate, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        server.send(signal: SIGHUP)
        var served: String?
        for _ in 0..<50 {
            served = servedCertificate(try Support.opensslGet(port: port, []).stdout)
            if served == renewed { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(served == renewed, "new handshakes present the renewed certificate")
        let resumed = try Support.opensslGet(port: port, ["-sess_in", sessionFile])
        #expect(resumed.stdout.contains("Reused, TLSv1.3"), "\(resumed.transcript)")
    }

    @Test("Bad --session-store arguments are usage errors", arguments: [
        ["--session-store", "redis://127.0.0.1:6379"],
        ["--session-store", "ftp://127.0.0.1:6379", "--session-store-key", "k"],
        ["--session-store-ca", "ca.pem"],
        ["--session-store", "redis://127.0.0.1:6379", "--session-store-key", "k", "--session-store-ca", "ca.pem"],
        ["--session-store", "redis://127.0.0.1:6379/99", "--session-store-key", "k"],
        ["--session-store-key", "k"],
        ["--ticket-keys", "redis://127.0.0.1:6379"],
        ["--ticket-keys", "redis://127.0.0.1:6379", "--session-store-key", "k", "--tickets", "stateful"],
        ["--session-store", "redis+cluster://127.0.0.1:7000,", "--session-store-key", "k"],
        ["--session-store", "redis+cluster://127.0.0.1:7000,127.0.0.1:0", "--session-store-key", "k"],
        ["--session-store", "redis+cluster://127.0.0.1:7000,127.0.0.1:7001/2", "--session-store-key", "k"],
        ["--session-store", "redis+cluster://127.0.0.1:7000", "--session-store-key", "k", "--session-store-ca", "ca.pem"],
    ])
    func badArguments(arguments: [String]) async throws {
        let result = try await Support.offPool { try Support.rtls(["server", "--port", "0"] + arguments) }
        #expect(result.status == 64, "\(result.transcript)")
        #expect(result.stderr.contains("session-store") || result.stderr.contains("ticket-keys"), "\(result.transcript)")
    }
}
