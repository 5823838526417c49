import Foundation
import ResumableTLS
import ResumableTLSRedis
import RTLSBenchmarks

/// A way a server resumes TLS 1.3 handshakes in `rtls bench-fleet`: on its own, or as one
/// server of a fleet sharing what it knows through Redis (issue 18).
enum FleetBenchMode: String, CaseIterable, Codable, Sendable {
    /// Stateful tickets in the context's own in-memory session cache: the baseline.
    case statefulInMemory = "stateful-memory"
    /// Stateful tickets in Redis only (`[.server, .noInternalStore]` with `RedisSessionStore`):
    /// a lookup is a `GETDEL`, each new ticket a `SET … PX`.
    case statefulRedis = "stateful-redis"
    /// Stateless tickets, each used once across the fleet
    /// (`.singleUseAcrossFleet(RedisTicketReplayRegistry)`): one `SET … NX PX` per resumption.
    case singleUseStatelessRedis = "stateless-single-use-redis"

    /// Whether the mode talks to Redis.
    var usesRedis: Bool { self != .statefulInMemory }

    /// What the mode does, for the table.
    var summary: String {
        switch self {
        case .statefulInMemory: return "stateful tickets, server's in-memory cache"
        case .statefulRedis: return "stateful tickets in Redis: GETDEL per lookup, SET per new ticket"
        case .singleUseStatelessRedis: return "stateless tickets, single use across the fleet: SET NX per resumption"
        }
    }
}

/// The client and server contexts of one mode, and the store whose writes the bench awaits.
struct FleetBenchContexts: Sendable {
    var client: TLSContext
    var server: TLSContext
    /// The Redis session store (wrapped) of `.statefulRedis`; nil otherwise.
    var awaitedStore: WriteAwaitingSessionStore?
    /// The Redis modes' lookups as the store or registry saw them (`GETDEL`, `SET NX`).
    let lookups = CallTimer()
    /// The Redis session store's writes (`SET`).
    let writes = CallTimer()

    /// Contexts for `mode` with `identity`, the Redis modes on `redis` under `prefix` (unique
    /// per run, so a shared Redis keeps runs apart) with `storeTimeLimit` on the server's store
    /// calls. Sessions live 5 minutes: what a run leaves in a shared Redis expires soon.
    init(mode: FleetBenchMode, identity: SelfSignedIdentity, redis: RedisClient?, prefix: String, storeTimeLimit: Duration) throws {
        let fleet = UUID()
        var server = TLSConfiguration.server(chain: identity.chain, key: identity.privateKey)
        server.sessionTimeout = 300
        server.sessionStoreTimeLimit = storeTimeLimit
        // One ticket after the priming full handshake too, so that every write is awaited.
        server.ticketCount = 1
        server.ticketCountAfterResumption = 1
        awaitedStore = nil
        switch mode {
        case .statefulInMemory:
            server.ticketMode = .stateful
        case .statefulRedis:
            guard let redis else { throw CLIError("bench-fleet: \(mode.rawValue) needs Redis") }
            server.ticketMode = .stateful
            server.sessionCacheMode = [.server, .noInternalStore]
            let redisStore = RedisSessionStore(client: redis, key: .random(), contextID: fleet, prefix: "\(prefix):session")
            let store = WriteAwaitingSessionStore(base: TimedSessionStore(base: redisStore, lookups: lookups, writes: writes))
            server.sessionStore = store
            awaitedStore = store
        case .singleUseStatelessRedis:
            guard let redis else { throw CLIError("bench-fleet: \(mode.rawValue) needs Redis") }
            server.ticketMode = .stateless
            let registry = RedisTicketReplayRegistry(sender: redis, prefix: "\(prefix):used-ticket")
            server.statelessTicketReuse = .singleUseAcrossFleet(TimedTicketReplayRegistry(base: registry, timer: lookups))
        }
        var client = TLSConfiguration.client(serverName: "localhost")
        client.certificateVerification = .fullVerification(trustRoots: try .certificates([identity.certificateDER]))
        self.client = try TLSContext(client)
        self.server = try TLSContext(server, contextID: fleet)
    }
}
