import ArgumentParser
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOResumableTLS
import ResumableTLS
import ResumableTLSRedis

/// `rtls server`: a TLS 1.3 / 1.2 server like `openssl s_server`: echoes what it receives, or with
/// `--www` answers HTTP GETs with a status page.
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Run a TLS 1.3 / 1.2 server on 127.0.0.1 (like openssl s_server).",
        discussion: """
            Without --cert/--key it uses a fresh self-signed certificate for
            localhost/127.0.0.1. Without --www it echoes back what each client sends. Each
            handshake is logged to stderr as full or resumed. Runs until SIGINT or
            SIGTERM.

            With --ticket-key-file FILE (see 'rtls ticket-keys') stateless tickets are
            sealed with the keys in FILE instead of keys made in this process, so every
            server given the same file resumes the others' tickets; SIGHUP reloads the
            file.

            With --metrics HOST:PORT it also serves GET /metrics there over plain HTTP, in
            Prometheus text format: the session-cache statistics (tls_session_cache_*),
            the resumption decisions by outcome and reason
            (tls_resumption_decisions_total) and the --session-store's counters and
            latencies (tls_session_store_*); the address is printed as 'METRICS
            HOST:PORT'.

            With --session-store URL and --session-store-key FILE, stateful tickets and
            TLS 1.2 session IDs are shared through Redis: one server (redis://host:port)
            or a Redis Cluster given by seeds (redis+cluster://host:port,host:port; each
            command goes to the master of its key's slot, following MOVED and ASK).
            --ticket-keys URL keeps the stateless tickets' keys there too, and
            --single-use-tickets then records each ticket's use there (once per fleet).
            """
    )

    @Option(help: "TCP port on 127.0.0.1 (0: the OS chooses; the port is printed as 'ACCEPT 127.0.0.1:PORT').")
    var port: Int = 4433

    @Option(help: "Certificate chain, PEM (leaf first); SIGHUP reloads it with --key for new handshakes, sessions kept.")
    var cert: String?

    @Option(help: "Private key of the certificate, PEM (PKCS#8, SEC1 or PKCS#1).")
    var key: String?

    @Option(help: "How tickets carry the session: stateless or stateful.")
    var tickets: TicketModeArgument = .stateless

    @Option(name: .customLong("ticket-key-file"), help: "Seal stateless tickets with the keys in this file (written by 'rtls ticket-keys'); SIGHUP reloads it.")
    var ticketKeyFile: String?

    @Flag(name: .customLong("single-use-tickets"), help: "Stateless tickets resume once: the server remembers used tickets until they expire (S14; stateful tickets are always single use). With --session-store, once across every server sharing that Redis.")
    var singleUseTickets = false

    @Option(name: .customLong("ticket-keys"), help: "Keep the stateless tickets' keys in Redis, redis://… or rediss://… (with --session-store-key): one server mints each rotation's key, every server loads it a period ahead, so the fleet opens each other's tickets.")
    var ticketKeysURL: String?

    @Option(name: .customLong("ticket-key-rotation"), help: "With --ticket-keys: seconds each ticket key encrypts before the next takes over.")
    var ticketKeyRotation: Int = 86_400

    @Option(name: .customLong("num-tickets"), help: "NewSessionTickets after a full handshake (like SSL_CTX_set_num_tickets).")
    var numTickets: Int = 2

    @Option(help: "Session lifetime in seconds (like SSL_CTX_set_timeout).")
    var timeout: Int = 7200

    @Option(help: "ALPN protocols to accept, comma-separated, in preference order.")
    var alpn: String?

    @Option(name: .customLong("cache-size"), help: "Most sessions in the server's session cache (like SSL_CTX_sess_set_cache_size; 0: unbounded).")
    var cacheSize: Int = 20_480

    @Option(name: .customLong("stats-interval"), help: "Print the session-cache statistics every this many seconds (0: only when stopping).")
    var statsInterval: Int = 0

    @OptionGroup var versions: ProtocolVersionOptions

    @Option(name: .customLong("session-store"), help: "Share sessions with other servers through Redis: redis://[user:password@]host:port[/db], or rediss:// for TLS; a Redis Cluster by its seeds: redis+cluster://[user:password@]host:port,host:port[,...] (or rediss+cluster://) (stateful tickets and TLS 1.2 session IDs; needs --session-store-key).")
    var sessionStore: String?

    @Option(name: .customLong("session-store-ca"), help: "For a rediss:// or rediss+cluster:// --session-store: the CA certificate (PEM) Redis's certificate is checked against (default: the system's roots).")
    var sessionStoreCA: String?

    @Option(name: .customLong("session-store-key"), help: "The fleet's secret for --session-store: a file with 64 hex digits (e.g. 'openssl rand -hex 32'); values in Redis are sealed with it and keys hashed.")
    var sessionStoreKey: String?

    @Flag(name: .customLong("early-data"), help: "Accept TLS 1.3 early data (0-RTT, like openssl s_server -early_data): tickets allow it, a resumption that sends some gets it delivered before the handshake completes (replay-protected; only idempotent requests belong there). Without it, early data is skipped and the handshake goes on in 1-RTT.")
    var earlyData = false

    @Option(name: .customLong("max-early-data"), help: "With --early-data: the most early data per connection, in bytes (like SSL_CTX_set_max_early_data).")
    var maxEarlyData: Int = 16_384

    @Flag(help: "Answer HTTP GET requests with a status page that says New or Reused.")
    var www = false

    @Option(name: .customLong("metrics"), help: ArgumentHelp(
        "Serve Prometheus metrics at http://HOST:PORT/metrics (plain HTTP; port 0: the OS chooses, printed as 'METRICS HOST:PORT').",
        valueName: "host:port"))
    var metrics: String?

    @Option(name: .customLong("log-level"), help: "Least severe log lines to print on stderr: trace, debug (adds the library's resumption decisions), info (one line per handshake, the default), warning, error.")
    var logLevel: Logger.Level = .info

    func validate() throws {
        try validatePort(port, option: "--port")
        guard (cert == nil) == (key == nil) else { throw ValidationError("--cert and --key go together") }
        guard (0...10).contains(numTickets) else { throw ValidationError("--num-tickets must be 0...10 (got \(numTickets))") }
        guard cacheSize >= 0 else { throw ValidationError("--cache-size must be 0 or more (got \(cacheSize))") }
        guard statsInterval >= 0 else { throw ValidationError("--stats-interval must be 0 or more (got \(statsInterval))") }
        guard (0...604_800).contains(timeout) else { throw ValidationError("--timeout must be 0...604800 seconds (got \(timeout))") }
        _ = try parseALPNList(alpn)
        guard (sessionStore == nil && ticketKeysURL == nil) == (sessionStoreKey == nil) else {
            throw ValidationError("--session-store-key goes with --session-store or --ticket-keys, and they need it")
        }
        if let ticketKeysURL {
            do { _ = try SessionStoreURL.target(ticketKeysURL, caFile: sessionStoreCA) } catch let error as CLIError { throw ValidationError(error.description) }
            guard ticketKeyFile == nil else { throw ValidationError("--ticket-keys and --ticket-key-file: choose one") }
            guard tickets == .stateless else { throw ValidationError("--ticket-keys needs stateless tickets (not --tickets stateful)") }
            guard (60...604_800).contains(ticketKeyRotation) else { throw ValidationError("--ticket-key-rotation must be 60...604800 seconds (got \(ticketKeyRotation))") }
        }
        if sessionStoreCA != nil && sessionStore == nil && ticketKeysURL == nil { throw ValidationError("--session-store-ca goes with --session-store or --ticket-keys") }
        if let sessionStore {
            do { _ = try SessionStoreURL.target(sessionStore, caFile: sessionStoreCA) } catch let error as CLIError { throw ValidationError(error.description) }
        }
        if let metrics { _ = try HostPort(parsing: metrics, option: "--metrics", ports: 0...65_535) }
        guard (1...1_048_576).contains(maxEarlyData) else { throw ValidationError("--max-early-data must be 1...1048576 bytes (got \(maxEarlyData))") }
        if maxEarlyData != 16_384 && !earlyData { throw ValidationError("--max-early-data goes with --early-data") }
        if ticketKeyFile != nil && tickets == .stateful {
            throw ValidationError("--ticket-key-file needs stateless tickets (not --tickets stateful)")
        }
    }

    func run() async throws {
        CLILogging.bootstrap(level: logLevel)
        let logger = Logger(label: "rtls.server")
        // Before the context and its store exist: their swift-metrics land in this registry.
        let metricsFactory = metrics == nil ? nil : PrometheusScrape.bootstrapMetricsSystem()
        let storeKeys = try await loadTicketKeysFromRedis(logger: logger)
        let context = try makeContext(logger: logger, ticketKeys: storeKeys?.ring)
        let decisionCounters = metricsFactory.map { ResumptionDecisionCounters(factory: $0) }
        let keyRefresh = storeKeys.map { keys in
            keys.source.refresh(keys.ring) { error in logger.warning("ticket keys: reload from Redis failed; keeping the old ones", metadata: ["error": "\(error)"]) }
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var metricsEndpoint: MetricsEndpoint?
        if let metrics, let metricsFactory {
            let address = try HostPort(parsing: metrics, option: "--metrics", ports: 0...65_535)
            let scrape = PrometheusScrape(factory: metricsFactory, context: context)
            do {
                metricsEndpoint = try await MetricsEndpoint.bind(host: address.host, port: address.port, group: group) { scrape.text() }
            } catch {
                try? await group.shutdownGracefully()
                throw CLIError("cannot listen for --metrics on \(metrics): \(error)")
            }
        }
        let server: TLSServer
        do {
            let www = self.www
            server = try await TLSServer.bind(host: "127.0.0.1", port: port, context: context, group: group) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let decisionCounters { try sync.addHandler(ResumptionDecisionCountingHandler(counters: decisionCounters)) }
                    let log = ConnectionLog(logger: logger)
                    if www {
                        try sync.addHandler(DeferredHTTPServerPipeline())
                        try sync.addHandler(StatusPageHandler(log: log))
                    } else {
                        try sync.addHandler(EchoHandler(log: log))
                    }
                }
            }
        } catch {
            await metricsEndpoint?.close()
            try? await group.shutdownGracefully()
            throw CLIError("cannot listen on 127.0.0.1:\(port): \(error)")
        }
        Console.line("ACCEPT 127.0.0.1:\(server.port)")
        if let metricsEndpoint {
            Console.line("METRICS \(metricsEndpoint.address)")
            logger.info("metrics", metadata: ["address": "http://\(metricsEndpoint.address)/metrics"])
        }
        logger.info("listening", metadata: ["address": "127.0.0.1:\(server.port)", "tickets": "\(tickets.rawValue)", "www": "\(www)"])
        var reloads: [HangupReloader.Reload] = []
        if let ring = context.configuration.ticketKeys {
            reloads.append(.init(name: "ticket keys") {
                try await ring.reload()
                return "\(ring.keyNames.count) keys"
            })
        }
        if let cert, let key {
            // S32: a renewed certificate for new handshakes; the session cache and keys stay.
            reloads.append(.init(name: "certificate") {
                let (chain, privateKey) = try Self.loadIdentity(cert: cert, key: key)
                try context.reloadIdentity(chain: chain, key: privateKey)
                return cert
            })
        }
        let reloader = reloads.isEmpty ? nil : HangupReloader(reloads, logger: logger)
        reloader?.start()
        let statsTask = statsInterval > 0 ? Task { [interval = statsInterval] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(interval))
                if Task.isCancelled { break }
                Self.printStatistics(context.statistics)
            }
        } : nil
        let signal = await TerminationSignal.wait()
        statsTask?.cancel()
        keyRefresh?.cancel()
        reloader?.stop()
        logger.info("stopping", metadata: ["signal": "\(signal)"])
        Self.printStatistics(context.statistics)
        await metricsEndpoint?.close()
        await server.close()
        try? await group.shutdownGracefully()
    }

    /// With `--ticket-keys`: the ring loaded from Redis and the source that keeps it current.
    private func loadTicketKeysFromRedis(logger: Logger) async throws -> (ring: TicketKeyRing, source: RedisTicketKeySource)? {
        guard let ticketKeysURL, let sessionStoreKey else { return nil }
        let lifetime = min(TimeInterval(timeout), TLSSession.maximumTLS13Lifetime)
        let source = RedisTicketKeySource(
            sender: try SessionStoreURL.target(ticketKeysURL, caFile: sessionStoreCA).makeSender(),
            sealingKey: try SessionStoreURL.sealingKey(file: sessionStoreKey),
            rotationInterval: TimeInterval(ticketKeyRotation), maximumTicketLifetime: lifetime)
        do {
            let ring = try await TicketKeyRing.loading(from: source, maximumTicketLifetime: lifetime)
            logger.info("ticket keys loaded", metadata: ["redis": "\(ticketKeysURL.split(separator: "@").last ?? "")", "keys": "\(ring.keyNames.count)"])
            return (ring, source)
        } catch {
            throw CLIError("cannot load ticket keys from Redis: \(error)")
        }
    }

    private func makeContext(logger: Logger, ticketKeys: TicketKeyRing? = nil) throws -> TLSContext {
        var configuration: TLSConfiguration
        if let cert, let key {
            let (chain, privateKey) = try Self.loadIdentity(cert: cert, key: key)
            configuration = .server(chain: chain, key: privateKey)
        } else {
            let identity = try SelfSignedIdentity()
            logger.info("no --cert/--key: using a fresh self-signed certificate for localhost, 127.0.0.1")
            configuration = .server(chain: identity.chain, key: identity.privateKey)
        }
        configuration.ticketMode = tickets.ticketMode
        if let ticketKeyFile {
            do {
                configuration.ticketKeys = try TicketKeyRing(
                    keyFile: ticketKeyFile, maximumTicketLifetime: min(TimeInterval(timeout), TLSSession.maximumTLS13Lifetime))
            } catch {
                throw CLIError("cannot load ticket keys: \(error)")
            }
            logger.info("ticket keys loaded", metadata: ["file": "\(ticketKeyFile)"])
        }
        if let ticketKeys { configuration.ticketKeys = ticketKeys }
        if earlyData { configuration.earlyData = EarlyDataConfiguration(maximumSize: UInt32(maxEarlyData)) }
        configuration.ticketCount = numTickets
        if singleUseTickets { configuration.statelessTicketReuse = .singleUse }
        configuration.sessionCacheSize = cacheSize
        configuration.sessionTimeout = TimeInterval(timeout)
        configuration.applicationProtocols = try parseALPNList(alpn)
        versions.apply(to: &configuration)
        configuration.logger = Logger(label: "rtls.tls")
        var contextID = UUID()
        if let sessionStore, let sessionStoreKey {
            // Every server with the same key file is one context (S5): they share their sessions.
            contextID = try SessionStoreURL.fleetContextID(file: sessionStoreKey)
            // One Redis (redis://, rediss://) or a Redis Cluster by its seeds (redis+cluster://).
            let redis = try SessionStoreURL.target(sessionStore, caFile: sessionStoreCA).makeSender()
            configuration.sessionStore = RedisSessionStore(
                sender: redis, key: try SessionStoreURL.sealingKey(file: sessionStoreKey), contextID: contextID,
                sessionIDContext: configuration.effectiveSessionIDContext)
            // Every lookup goes to Redis, whose GETDEL makes a stateful ticket single use fleet-wide.
            configuration.sessionCacheMode = [.server, .noInternalStore]
            // And a stateless ticket's first use is recorded there (SET NX): once per fleet.
            if singleUseTickets { configuration.statelessTicketReuse = .singleUseAcrossFleet(RedisTicketReplayRegistry(sender: redis)) }
            logger.info("session store", metadata: ["redis": "\(sessionStore.split(separator: "@").last ?? "")"])
        }
        do {
            return try TLSContext(configuration, contextID: contextID)
        } catch {
            throw CLIError("bad server configuration: \(error)")
        }
    }

    /// The certificate chain and private key in `cert` and `key` (PEM).
    static func loadIdentity(cert: String, key: String) throws -> (CertificateChain, TLSPrivateKey) {
        let chain: CertificateChain
        let privateKey: TLSPrivateKey
        do { chain = try CertificateChain(pemFile: cert) } catch { throw CLIError("cannot read certificate '\(cert)': \(error)") }
        do { privateKey = try TLSPrivateKey(pemFile: key) } catch { throw CLIError("cannot read private key '\(key)': \(error)") }
        return (chain, privateKey)
    }

    /// The cache statistics in OpenSSL's names (`SSL_CTX_sess_*`, S30), one line, on stderr.
    static func printStatistics(_ statistics: SessionCacheStatistics) {
        let fields = statistics.namedValues.map { "\($0.name)=\($0.value)" }.joined(separator: " ")
        FileHandle.standardError.write(Data("rtls server: session cache: \(fields)\n".utf8))
    }
}
