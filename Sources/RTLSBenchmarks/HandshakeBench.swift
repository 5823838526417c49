import Foundation
import ResumableTLS

/// In-memory handshakes: a client and a server context in one process, pumped on one thread
/// (as `Tests/ResumableTLSTests/Support/ConnectionPump.swift` does), each side's calls timed
/// separately so the CPU can be split between them. With an `AllocationCounter` the same split
/// counts each side's heap allocations.
public struct HandshakeBench {
    /// One handshake mode.
    public struct Mode: Sendable {
        public var name: String
        /// Resume each handshake with the session the previous one left (the latest ticket).
        var resumed: Bool
        var ticketMode: TicketMode
        /// Offer/accept psk_ke instead of psk_dhe_ke.
        var pskKE: Bool
        /// "p256" or "rsa2048".
        var identity: String
        /// TLS 1.2 on both sides instead of TLS 1.3.
        var tls12 = false
        /// TLS 1.2: RFC 5077 tickets (false: session IDs only).
        var tls12Tickets = true

        /// The full handshake that gives a resumed mode its first session.
        var primer: Mode {
            Mode(name: "prime", resumed: false, ticketMode: ticketMode, pskKE: pskKE, identity: identity, tls12: tls12, tls12Tickets: tls12Tickets)
        }
    }

    public static let modes: [Mode] = [
        Mode(name: "full-p256", resumed: false, ticketMode: .stateless, pskKE: false, identity: "p256"),
        Mode(name: "full-rsa2048", resumed: false, ticketMode: .stateless, pskKE: false, identity: "rsa2048"),
        Mode(name: "resumed-psk_dhe_ke-stateless", resumed: true, ticketMode: .stateless, pskKE: false, identity: "p256"),
        Mode(name: "resumed-psk_dhe_ke-stateful", resumed: true, ticketMode: .stateful, pskKE: false, identity: "p256"),
        Mode(name: "resumed-psk_ke-stateless", resumed: true, ticketMode: .stateless, pskKE: true, identity: "p256"),
        Mode(name: "resumed-psk_ke-stateful", resumed: true, ticketMode: .stateful, pskKE: true, identity: "p256"),
        Mode(name: "tls12-full-p256", resumed: false, ticketMode: .stateless, pskKE: false, identity: "p256", tls12: true),
        Mode(name: "tls12-resumed-session_id", resumed: true, ticketMode: .stateless, pskKE: false, identity: "p256", tls12: true, tls12Tickets: false),
        Mode(name: "tls12-resumed-ticket-stateless", resumed: true, ticketMode: .stateless, pskKE: false, identity: "p256", tls12: true),
    ]

    /// A server identity and what a client trusts to verify it.
    struct Identity {
        var chain: CertificateChain
        var key: TLSPrivateKey
        var trustRootsDER: [[UInt8]]
        var origin: String
    }

    let seconds: Double
    let counter: AllocationCounter?
    let rsaIdentity: Identity?
    let p256Identity: Identity

    /// Wall time (and, with a counter, allocations) inside each side's calls: every `charge`
    /// bills what happened since the previous one to that side.
    final class Split {
        var server = 0.0
        var client = 0.0
        var serverAllocations = 0
        var clientAllocations = 0
        var serverBytes = 0
        var clientBytes = 0
        private let counter: AllocationCounter?
        private var lastTime = 0.0
        private var lastReading = AllocationCounter.Reading(allocations: 0, bytes: 0)

        init(counter: AllocationCounter?) {
            self.counter = counter
        }

        func mark() {
            lastTime = BenchProbe.now()
            if let counter { lastReading = counter.read() }
        }

        func chargeServer() { charge(server: true) }
        func chargeClient() { charge(server: false) }

        private func charge(server toServer: Bool) {
            let time = BenchProbe.now()
            if toServer { server += time - lastTime } else { client += time - lastTime }
            lastTime = time
            guard let counter else { return }
            let reading = counter.read()
            let allocations = reading.allocations - lastReading.allocations
            let bytes = reading.bytes - lastReading.bytes
            if toServer { serverAllocations += allocations; serverBytes += bytes } else { clientAllocations += allocations; clientBytes += bytes }
            lastReading = reading
        }
    }

    /// Handshakes for `seconds` per mode; with a `counter`, allocations are counted as well
    /// (timings are then not comparable: the counter sits in every malloc).
    public init(seconds: Double, rsaDirectory: String?, counter: AllocationCounter? = nil) throws {
        self.seconds = seconds
        self.counter = counter
        let selfSigned = try SelfSignedIdentity()
        p256Identity = Identity(chain: selfSigned.chain, key: selfSigned.privateKey, trustRootsDER: [selfSigned.certificateDER], origin: "self-signed P-256, generated in-process")
        rsaIdentity = try? Self.loadRSA(directory: rsaDirectory)
    }

    /// RSA-2048: the test fixtures (leaf + test CA) if they are found, else a self-signed
    /// certificate made with `openssl req` into a temporary directory.
    static func loadRSA(directory: String?) throws -> Identity {
        let fixtures = directory ?? "Tests/ResumableTLSTests/Fixtures/certs"
        let chainPath = fixtures + "/leaf-rsa2048.chain.pem"
        let keyPath = fixtures + "/leaf-rsa2048.key.pem"
        let caPath = fixtures + "/ca.pem"
        if FileManager.default.fileExists(atPath: chainPath), FileManager.default.fileExists(atPath: caPath) {
            let ca = try CertificateChain(pemFile: caPath)
            return Identity(chain: try CertificateChain(pemFile: chainPath), key: try TLSPrivateKey(pemFile: keyPath),
                            trustRootsDER: ca.certificatesDER, origin: "fixture \(chainPath) (leaf + CA), CA \(caPath)")
        }
        let temp = FileManager.default.temporaryDirectory.appendingPathComponent("rtls-bench-\(getpid())")
        try FileManager.default.createDirectory(at: temp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: temp) }
        let cert = temp.appendingPathComponent("cert.pem").path
        let key = temp.appendingPathComponent("key.pem").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                             "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"]
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BenchError("openssl req failed") }
        let chain = try CertificateChain(pemFile: cert)
        return Identity(chain: chain, key: try TLSPrivateKey(pemFile: key), trustRootsDER: [chain.leafDER], origin: "self-signed RSA-2048 from openssl req")
    }

    public func run(filter: (String) -> Bool) async throws -> [BenchFigure] {
        var figures: [BenchFigure] = []
        for mode in Self.modes where filter("handshake/" + mode.name) {
            let identity: Identity
            if mode.identity == "rsa2048" {
                guard let rsa = rsaIdentity else {
                    figures.append(BenchFigure(group: "handshake", name: mode.name, value: 0, unit: "handshakes/s", note: "skipped: no RSA-2048 identity (no fixtures, openssl req failed)"))
                    continue
                }
                identity = rsa
            } else {
                identity = p256Identity
            }
            figures.append(try await measure(mode, identity: identity))
        }
        return figures
    }

    func contexts(_ mode: Mode, identity: Identity) throws -> (client: TLSContext, server: TLSContext) {
        var server = TLSConfiguration.server(chain: identity.chain, key: identity.key)
        server.ticketMode = mode.ticketMode
        var client = TLSConfiguration.client(serverName: "localhost")
        client.certificateVerification = .fullVerification(trustRoots: try .certificates(identity.trustRootsDER))
        if mode.pskKE {
            server.pskKeyExchangeModes = [.pskDHEKE, .pskKE]
            client.pskKeyExchangeModes = [.pskKE]
        }
        if mode.tls12 {
            (server.maximumVersion, client.maximumVersion) = (.tls12, .tls12)
            (server.tls12SessionTickets, client.tls12SessionTickets) = (mode.tls12Tickets, mode.tls12Tickets)
        }
        return (try TLSContext(client), try TLSContext(server))
    }

    /// Moves bytes both ways until neither side has anything left to say, billing each side.
    private static func pump(_ client: TLSConnection, _ server: TLSConnection, split: Split) async throws {
        split.mark()
        try client.startHandshake()
        split.chargeClient()
        for _ in 0..<64 {
            var moved = false
            let toServer = client.takeOutput()
            split.chargeClient()
            if !toServer.isEmpty { try server.receive(toServer); moved = true }
            if let work = server.takePendingWork() { try server.completePendingWork(await work.run()) }
            let toClient = server.takeOutput()
            split.chargeServer()
            if !toClient.isEmpty { try client.receive(toClient); moved = true }
            if let work = client.takePendingWork() { try client.completePendingWork(await work.run()) }
            split.chargeClient()
            if !moved && !client.isAwaitingPendingWork && !server.isAwaitingPendingWork { return }
        }
        throw BenchError("connections still talking after 64 rounds")
    }

    /// One handshake; returns the client's session for the next resumption.
    static func handshake(_ mode: Mode, client clientContext: TLSContext, server serverContext: TLSContext,
                           offering session: TLSSession?, split: Split) async throws -> (TLSSession?, Bool) {
        split.mark()
        let client = clientContext.makeConnection()
        if let session { try client.offer(session) }
        split.chargeClient()
        let server = serverContext.makeConnection()
        split.chargeServer()
        try await pump(client, server, split: split)
        guard client.state == .established, server.state == .established else {
            throw BenchError("\(mode.name): handshake did not complete (client \(client.state), server \(server.state))")
        }
        let asExpected = client.sessionReused == mode.resumed && server.sessionReused == mode.resumed
        split.mark()
        let next = client.session
        split.chargeClient()
        // The transport ends, as a TCP close does: releasing an established connection without
        // it (or close()) would poison the session (S13).
        client.transportClosed()
        server.transportClosed()
        return (next, asExpected)
    }

    private func measure(_ mode: Mode, identity: Identity) async throws -> BenchFigure {
        let (clientContext, serverContext) = try contexts(mode, identity: identity)
        var session: TLSSession?
        let warmup = Split(counter: nil)
        // Prime: one full handshake gives the first ticket; a few more warm caches and lazies.
        (session, _) = try await Self.handshake(mode.primer, client: clientContext, server: serverContext, offering: nil, split: warmup)
        for _ in 0..<20 {
            let (next, _) = try await Self.handshake(mode, client: clientContext, server: serverContext, offering: mode.resumed ? session : nil, split: warmup)
            if mode.resumed { session = next }
        }

        let split = Split(counter: counter)
        counter?.start()
        defer { counter?.stop() }
        var count = 0
        var unexpected = 0
        let heapBefore = BenchProbe.heapInUse()
        let cpuBefore = BenchProbe.processCPU()
        let start = BenchProbe.now()
        var elapsed = 0.0
        while elapsed < seconds {
            let (next, asExpected) = try await Self.handshake(mode, client: clientContext, server: serverContext, offering: mode.resumed ? session : nil, split: split)
            if mode.resumed { session = next }
            if !asExpected { unexpected += 1 }
            count += 1
            elapsed = BenchProbe.now() - start
        }
        let cpu = BenchProbe.processCPU() - cpuBefore
        let heapAfter = BenchProbe.heapInUse()
        guard unexpected == 0 else {
            throw BenchError("\(mode.name): \(unexpected) of \(count) handshakes were \(mode.resumed ? "not resumed" : "resumed")")
        }
        var details: [String: Double] = [
            "count": Double(count),
            "server_us_per_hs": split.server / Double(count) * 1e6,
            "client_us_per_hs": split.client / Double(count) * 1e6,
            "process_cpu_us_per_hs": cpu / Double(count) * 1e6,
        ]
        if counter != nil {
            details["server_allocs_per_hs"] = Double(split.serverAllocations) / Double(count)
            details["client_allocs_per_hs"] = Double(split.clientAllocations) / Double(count)
            details["server_alloc_bytes_per_hs"] = Double(split.serverBytes) / Double(count)
            details["client_alloc_bytes_per_hs"] = Double(split.clientBytes) / Double(count)
        }
        if let heapBefore, let heapAfter {
            details["heap_growth_bytes_per_hs"] = Double(heapAfter - heapBefore) / Double(count)
        }
        return BenchFigure(
            group: "handshake", name: mode.name, value: Double(count) / elapsed, unit: "handshakes/s", details: details,
            note: mode.name == "full-rsa2048" ? "RSA identity: \(identity.origin)" : nil)
    }
}
