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
            Without --cert/--key it uses a fresh self-signed certificate for localhost/127.0.0.1.
            Without --www it echoes back what each client sends. Each handshake is logged to
            stderr as full or resumed. Runs until SIGINT or SIGTERM.
            With --ticket-key-file FILE (see 'rtls ticket-keys') stateless tickets are sealed
            with the keys in FILE instead of keys made in this process, so every server given
            the same file resumes the others' tickets; SIGHUP reloads the file.
            With --session-store URL and --session-store-key FILE, stateful tickets and TLS 1.2
            session IDs are shared through Redis: one server (redis://host:port) or a Redis
            Cluster given by seeds (redis+cluster://host:port,host:port; each command goes to
            the master of its key's slot, following MOVED and ASK).
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

    @Flag(name: .customLong("single-use-tickets"), help: "Stateless tickets resume once: the server remembers used tickets until they expire (S14; stateful tickets are always single use).")
    var singleUseTickets = false

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

    @Flag(help: "Answer HTTP GET requests with a status page that says New or Reused.")
    var www = false

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
        guard (sessionStore == nil) == (sessionStoreKey == nil) else {
            throw ValidationError("--session-store and --session-store-key go together")
        }
        if sessionStoreCA != nil && sessionStore == nil { throw ValidationError("--session-store-ca goes with --session-store") }
        if let sessionStore {
            do { _ = try SessionStoreURL.target(sessionStore, caFile: sessionStoreCA) } catch let error as CLIError { throw ValidationError(error.description) }
        }
        if ticketKeyFile != nil && tickets == .stateful {
            throw ValidationError("--ticket-key-file needs stateless tickets (not --tickets stateful)")
        }
    }

    func run() async throws {
        CLILogging.bootstrap(level: logLevel)
        let logger = Logger(label: "rtls.server")
        let context = try makeContext(logger: logger)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server: TLSServer
        do {
            let www = self.www
            server = try await TLSServer.bind(host: "127.0.0.1", port: port, context: context, group: group) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(HandshakeLogHandler(logger: logger, peer: channel.remoteAddress?.description ?? "?"))
                    if www {
                        try sync.configureHTTPServerPipeline()
                        try sync.addHandler(StatusPageHandler())
                    } else {
                        try sync.addHandler(EchoHandler())
                    }
                }
            }
        } catch {
            try? await group.shutdownGracefully()
            throw CLIError("cannot listen on 127.0.0.1:\(port): \(error)")
        }
        Console.line("ACCEPT 127.0.0.1:\(server.port)")
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
        reloader?.stop()
        logger.info("stopping", metadata: ["signal": "\(signal)"])
        Self.printStatistics(context.statistics)
        await server.close()
        try? await group.shutdownGracefully()
    }

    private func makeContext(logger: Logger) throws -> TLSContext {
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
