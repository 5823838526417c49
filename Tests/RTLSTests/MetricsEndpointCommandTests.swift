import Foundation
import Testing

/// `rtls server --metrics 127.0.0.1:PORT` (issue 18, operations): scraped with curl during a run,
/// after real handshakes from `openssl s_client`. Every process a test starts is stopped before
/// it returns.
@Suite(.serialized) struct MetricsEndpointCommandTests {
    typealias Support = RTLSTestSupport

    @Test("GET /metrics: the session-cache statistics and the resumption decisions by outcome and reason, after a full, a resumed and a replayed handshake")
    func scrapeAfterHandshakes() async throws {
        try await Support.offPool { try Self.scrapeAfterHandshakesBody() }
    }

    private static func scrapeAfterHandshakesBody() throws {
        let directory = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Single-use stateless tickets: offering the same ticket twice gives a declined decision
        // with a known reason (replayed).
        let (server, port, metrics) = try Support.startRTLSServerWithMetrics(["--single-use-tickets"])
        defer { server.stop() }

        let before = try Support.scrapeMetrics(metrics)
        #expect(before["tls_session_cache_accept_good"] == 0, "\(server.transcript)")
        #expect(before[#"tls_resumption_decisions_total{outcome="resumed",reason="none"}"#] == 0)

        let sessionFile = directory.appendingPathComponent("session.pem").path
        let full = try Support.opensslGet(port: port, ["-sess_out", sessionFile])
        #expect(full.stdout.contains("New, TLSv1.3"), "\(full.transcript)")
        let resumed = try Support.opensslGet(port: port, ["-sess_in", sessionFile])
        #expect(resumed.stdout.contains("Reused, TLSv1.3"), "\(resumed.transcript)")
        let replayed = try Support.opensslGet(port: port, ["-sess_in", sessionFile])
        #expect(replayed.stdout.contains("New, TLSv1.3"), "\(replayed.transcript)")

        let after = try Support.scrapeMetrics(metrics)
        #expect(after.types["tls_session_cache_hits"] == "counter")
        #expect(after.types["tls_session_cache_number"] == "gauge")
        #expect(after.types["tls_resumption_decisions_total"] == "counter")
        #expect((after["tls_session_cache_hits"] ?? 0) >= 1, "\(after.values)")
        #expect((after["tls_session_cache_accept"] ?? 0) >= 3, "\(after.values)")
        #expect((after["tls_session_cache_accept_good"] ?? 0) >= 3, "\(after.values)")
        #expect(after["tls_session_cache_cache_size"] == 20_480, "the default --cache-size")
        #expect(after["tls_session_cache_connect"] == 0, "a server makes no client handshakes")
        #expect(after[#"tls_resumption_decisions_total{outcome="not_offered",reason="none"}"#] == 1, "\(after.values)")
        #expect(after[#"tls_resumption_decisions_total{outcome="resumed",reason="none"}"#] == 1, "\(after.values)")
        #expect(after[#"tls_resumption_decisions_total{outcome="declined",reason="replayed"}"#] == 1, "\(after.values)")
        #expect(after.sum("tls_resumption_decisions_total", where: ["outcome": "declined"]) == 1, "\(after.values)")
        // Every decline reason is a series from the start, at zero until it happens.
        #expect(after[#"tls_resumption_decisions_total{outcome="declined",reason="unknown_ticket"}"#] == 0)
    }

    @Test("The endpoint: Prometheus content type, HEAD, 404 for another path, 405 for another method, 400 and 413 for oversized requests")
    func httpBehaviour() async throws {
        try await Support.offPool { try Self.httpBehaviourBody() }
    }

    private static func httpBehaviourBody() throws {
        let (server, _, metrics) = try Support.startRTLSServerWithMetrics()
        defer { server.stop() }
        // status and content type of one request, with `extra` curl arguments
        func statusAndType(_ path: String, _ extra: [String] = []) throws -> String {
            let result = try Support.curl(["-s", "-o", "/dev/null", "-w", "%{http_code} %{content_type}"] + extra + ["http://\(metrics)\(path)"])
            #expect(result.status == 0, "\(result.transcript)")
            return result.stdout
        }
        #expect(try statusAndType("/metrics") == "200 text/plain; version=0.0.4; charset=utf-8")
        #expect(try statusAndType("/metrics?name=x") == "200 text/plain; version=0.0.4; charset=utf-8")
        #expect(try statusAndType("/metrics", ["-I"]).hasPrefix("200 "))
        #expect(try statusAndType("/").hasPrefix("404 "))
        #expect(try statusAndType("/metrics/other").hasPrefix("404 "))
        #expect(try statusAndType("/metrics", ["-X", "POST"]).hasPrefix("405 "))
        // A head past the decoder's limits, and a body past 4 KiB: refused, the connection closed.
        #expect(try statusAndType("/metrics", ["-H", "X-Padding: \(String(repeating: "a", count: 20_000))"]).hasPrefix("400 "))
        #expect(try statusAndType("/metrics", ["-X", "GET", "--data-binary", String(repeating: "b", count: 10_000)]).hasPrefix("413 "))
        // Still serving after all that.
        #expect((try Support.scrapeMetrics(metrics)["tls_session_cache_accept"]) == 0)
    }

    @Test("Bad --metrics addresses are usage errors", arguments: ["127.0.0.1", "127.0.0.1:65536", ":9100", "[::1]9100"])
    func badAddress(address: String) async throws {
        let result = try await Support.offPool { try Support.rtls(["server", "--port", "0", "--metrics", address]) }
        #expect(result.status == 64, "\(result.transcript)")
        #expect(result.stderr.contains("--metrics"), "\(result.transcript)")
    }
}
