import Crypto
import Foundation
import ResumableTLS
import ResumableTLSRedis

/// `--session-store redis://[user:password@]host:port[/db]` (or `rediss://` for TLS): a Redis
/// session store shared by a fleet (S27), with `--session-store-key FILE`, the fleet's 32-byte
/// secret in hex, and for TLS `--session-store-ca FILE`, the CA that signed Redis's certificate.
/// A Redis Cluster is `redis+cluster://[user:password@]host:port,host:port[,…]` (or
/// `rediss+cluster://`): its seeds, the first that answers giving the slot map; database 0 only.
enum SessionStoreURL {
    /// One Redis server, or a Redis Cluster by its seeds.
    enum Target {
        case standalone(RedisConfiguration)
        case cluster(RedisClusterConfiguration)

        /// The client a `RedisSessionStore` sends its commands through.
        func makeSender() -> any RedisCommandSender {
            switch self {
            case .standalone(let configuration): return RedisClient(configuration: configuration)
            case .cluster(let configuration): return RedisClusterClient(configuration: configuration)
            }
        }
    }

    /// The most seeds a `redis+cluster://` URL may list.
    static let maximumSeeds = 16

    /// What a `redis://`, `rediss://`, `redis+cluster://` or `rediss+cluster://` URL names;
    /// throws a `CLIError` otherwise.
    static func target(_ text: String, caFile: String? = nil) throws -> Target {
        guard let schemeEnd = text.range(of: "://") else { throw CLIError("--session-store: not a URL: '\(text)'") }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "redis+cluster" || scheme == "rediss+cluster" else {
            return .standalone(try redisConfiguration(text, caFile: caFile))
        }
        // [userinfo@]seed,seed[/path]: each seed is checked as the host:port of a redis:// URL.
        let rest = text[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count)
        let userInfo = authority.lastIndex(of: "@").map { authority[...$0] } ?? ""
        let hosts = authority.dropFirst(userInfo.count).split(separator: ",", omittingEmptySubsequences: false)
        guard !hosts.isEmpty, hosts.count <= maximumSeeds else {
            throw CLIError("--session-store: a cluster URL lists 1...\(maximumSeeds) seeds host:port,host:port (got \(hosts.count))")
        }
        let plainScheme = scheme == "rediss+cluster" ? "rediss" : "redis"
        var seeds: [RedisClusterNode] = []
        var node: RedisConfiguration?
        for host in hosts {
            guard !host.isEmpty else { throw CLIError("--session-store: an empty seed in '\(text)'") }
            let configuration = try redisConfiguration("\(plainScheme)://\(userInfo)\(host)\(path)", caFile: caFile)
            guard configuration.database == 0 else { throw CLIError("--session-store: a Redis Cluster has database 0 only") }
            seeds.append(RedisClusterNode(host: configuration.host, port: configuration.port))
            if node == nil { node = configuration }
        }
        guard let node else { throw CLIError("--session-store: no seed in '\(text)'") }
        return .cluster(RedisClusterConfiguration(seeds: seeds, node: node))
    }

    /// The Redis configuration a `redis://` or `rediss://` URL names (TLS verifying Redis's
    /// certificate against `caFile`, else the system roots); throws a `CLIError` otherwise.
    static func redisConfiguration(_ text: String, caFile: String? = nil) throws -> RedisConfiguration {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased() else {
            throw CLIError("--session-store: not a URL: '\(text)'")
        }
        guard scheme == "redis" || scheme == "rediss" else {
            throw CLIError("--session-store: the URL must be redis://, rediss://, redis+cluster:// or rediss+cluster:// (got '\(scheme)://')")
        }
        guard let host = url.host, !host.isEmpty else { throw CLIError("--session-store: no host in '\(text)'") }
        var configuration = RedisConfiguration(host: host, port: url.port ?? 6379)
        guard (1...65_535).contains(configuration.port) else { throw CLIError("--session-store: bad port in '\(text)'") }
        if let password = url.password {
            configuration.password = password
            configuration.username = url.user.flatMap { $0.isEmpty ? nil : $0 }
        } else if let user = url.user, !user.isEmpty {
            configuration.password = user   // redis://secret@host: a password without a user
        }
        if scheme == "rediss" {
            var tls = TLSConfiguration.client(serverName: nil)
            if let caFile {
                do {
                    tls.certificateVerification = .fullVerification(trustRoots: try .certificates(CertificateChain(pemFile: caFile).certificatesDER))
                } catch {
                    throw CLIError("--session-store-ca '\(caFile)': \(error)")
                }
            }
            do { configuration.tls = try TLSContext(tls) } catch { throw CLIError("--session-store: \(error)") }
        } else if caFile != nil {
            throw CLIError("--session-store-ca goes with a rediss:// URL")
        }
        let path = url.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        if !path.isEmpty {
            guard let database = Int(path), (0...15).contains(database) else {
                throw CLIError("--session-store: the database must be 0...15 (got '\(path)')")
            }
            configuration.database = database
        }
        return configuration
    }

    /// The fleet's sealing key from `path`: 64 hex digits (whitespace around them ignored).
    static func sealingKey(file path: String) throws -> SessionSealingKey {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw CLIError("cannot read --session-store-key '\(path)': \(error.localizedDescription)")
        }
        let hex = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard hex.utf8.count == 64, let secret = bytes(hex: hex) else {
            throw CLIError("--session-store-key '\(path)': expected 64 hex digits (32 bytes), e.g. from 'openssl rand -hex 32'")
        }
        do { return try SessionSealingKey(secret: secret) } catch { throw CLIError("--session-store-key: \(error)") }
    }

    /// The context ID every server of a fleet derives from the same key file, so they accept
    /// each other's stored sessions (S5).
    static func fleetContextID(file path: String) throws -> UUID {
        let digest = Array(SHA256.hash(data: Array("rtls fleet context id".utf8) + Array(try Data(contentsOf: URL(fileURLWithPath: path)))))
        return UUID(uuid: (digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7],
                           digest[8], digest[9], digest[10], digest[11], digest[12], digest[13], digest[14], digest[15]))
    }

    private static func bytes(hex: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var high: UInt8?
        for character in hex.utf8 {
            let value: UInt8
            switch character {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = character - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = character - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = character - UInt8(ascii: "A") + 10
            default: return nil
            }
            if let first = high { bytes.append(first << 4 | value); high = nil } else { high = value }
        }
        return high == nil ? bytes : nil
    }
}
