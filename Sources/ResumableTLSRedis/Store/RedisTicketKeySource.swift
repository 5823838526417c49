import Foundation
import ResumableTLS
import Synchronization

/// A fleet's ticket keys kept in Redis (S25, S27): every server's `TicketKeyRing` loads the same
/// keys from it, so a ticket sealed by one server opens on all, with no key file to copy.
///
/// Time is cut into rotation periods of `rotationInterval` seconds since 1970; period `p`'s
/// key encrypts from `p × rotationInterval` on. Each load (`loadTicketKeys()`, which
/// `TicketKeyRing.reload()` calls) makes sure the current and the next period have a key: a
/// missing one is minted with `SET key value NX PX ttl`, which only one server's call wins, so
/// exactly one key exists per period whichever servers race. The next period's key is minted a
/// whole period before it starts encrypting; a server that reloads at least once per period
/// (`refresh(_:every:)`) holds it before any server encrypts with it — the activation delay a
/// key file's `notBefore` gives. Each key expires in Redis once no ticket it sealed can still
/// be valid (its period's end plus `maximumTicketLifetime`).
///
/// Key values are sealed with the fleet's `SessionSealingKey` (bound to their Redis key), so
/// read access to Redis does not reveal ticket keys. The keys of all periods share one hash
/// slot (`{prefix}`), so one `MGET` reads them on a Redis Cluster too.
public final class RedisTicketKeySource: TicketKeySource {
    /// Where the commands go: a `RedisClient` (one server) or a `RedisClusterClient`.
    public let sender: any RedisCommandSender
    /// What the key values are sealed with.
    public let sealingKey: SessionSealingKey
    /// The hash tag every key starts with.
    public let prefix: String
    /// How long each key encrypts, in seconds (at least 1).
    public let rotationInterval: TimeInterval
    /// How long a ticket may live: a key stays loadable this long after it stops encrypting.
    public let maximumTicketLifetime: TimeInterval
    /// The most past periods a load reads; with a short rotation interval and long tickets, the
    /// oldest tickets beyond it no longer open (a full handshake).
    public static let maximumPastPeriods = 62
    private let clock: any TLSClock
    private let minted = Mutex(0)

    /// Keys this source minted (won the `SET NX`), since it was made.
    public var keysMinted: Int { minted.withLock { $0 } }

    /// A source on `sender` (one Redis or a cluster), sealing with `sealingKey`, rotating every `rotationInterval`
    /// seconds (default a day) for tickets that live up to `maximumTicketLifetime` (default and
    /// at most seven days, RFC 8446 §4.6.1).
    public init(sender: any RedisCommandSender, sealingKey: SessionSealingKey, prefix: String = "rtls:ticket-key",
                rotationInterval: TimeInterval = TicketKeyRing.defaultRotationInterval,
                maximumTicketLifetime: TimeInterval = TLSSession.maximumTLS13Lifetime, clock: any TLSClock = SystemClock()) {
        self.sender = sender
        self.sealingKey = sealingKey
        self.prefix = prefix
        self.rotationInterval = rotationInterval.isFinite ? max(1, rotationInterval) : TicketKeyRing.defaultRotationInterval
        self.maximumTicketLifetime = maximumTicketLifetime.isFinite
            ? min(max(0, maximumTicketLifetime), TLSSession.maximumTLS13Lifetime) : TLSSession.maximumTLS13Lifetime
        self.clock = clock
    }

    /// The Redis key of period `period`'s ticket key.
    func redisKey(period: Int64) -> String { "{\(prefix)}:\(period)" }

    /// The period `date` falls in.
    func period(at date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 / rotationInterval).rounded(.down))
    }

    /// The keys of every period whose tickets may still be valid, minting the current and the
    /// next period's key when they are missing. Throws `RedisError` when Redis does not answer
    /// and `TicketKeyError.noKeys` when it holds none that opens (another secret?); the ring
    /// then keeps its old keys.
    public func loadTicketKeys() async throws -> [TicketKey] {
        let now = clock.now()
        let current = period(at: now)
        let pastPeriods = min(Int64(Self.maximumPastPeriods), Int64((maximumTicketLifetime / rotationInterval).rounded(.up)))
        let periods = Array((current - pastPeriods)...(current + 1))
        var keys = try await read(periods)
        var mintedAny = false
        for period in [current, current + 1] where keys[period] == nil {
            if try await mint(period, now: now) { mintedAny = true }
        }
        if keys[current] == nil || keys[current + 1] == nil || mintedAny {
            keys = try await read(periods)   // what the winners of the SET NX wrote
        }
        guard !keys.isEmpty else { throw TicketKeyError.noKeys }
        return keys.keys.sorted().compactMap { keys[$0] }
    }

    /// Reloads `ring` from this source every `interval` (default a quarter of the rotation
    /// interval, so each period's next key arrives well before it encrypts) until the returned
    /// task is cancelled. A failed reload keeps the ring's keys and is reported to `onFailure`.
    public func refresh(_ ring: TicketKeyRing, every interval: Duration? = nil,
                        onFailure: @escaping @Sendable (any Error) -> Void = { _ in }) -> Task<Void, Never> {
        let period = interval ?? .milliseconds(Int64(rotationInterval * 250))
        return Task {
            while !Task.isCancelled {
                do { try await Task.sleep(for: period) } catch { return }
                do { try await ring.reload() } catch { onFailure(error) }
            }
        }
    }

    /// The keys Redis holds for `periods` that open under the sealing key.
    private func read(_ periods: [Int64]) async throws -> [Int64: TicketKey] {
        let names = periods.map(redisKey(period:))
        let reply = try await sender.send([Array("MGET".utf8)] + names.map { Array($0.utf8) }, key: Array("{\(prefix)}".utf8))
        guard case .array(let values?) = reply, values.count == periods.count else {
            throw RedisError.unexpectedReply("MGET answered \(reply)")
        }
        var keys: [Int64: TicketKey] = [:]
        for (index, value) in values.enumerated() {
            guard let sealed = value.bytes, let key = decode(sealed, name: names[index], period: periods[index]) else { continue }
            keys[periods[index]] = key
        }
        return keys
    }

    /// A key for `period` written only if none exists (`SET NX`): whether this call wrote it.
    private func mint(_ period: Int64, now: Date) async throws -> Bool {
        let name = redisKey(period: period)
        let notBefore = Date(timeIntervalSince1970: Double(period) * rotationInterval)
        let key = TicketKey.generate(notBefore: notBefore)
        var plaintext = key.name
        key.withKeyBytes { plaintext.append(contentsOf: $0) }
        let sealed = try sealingKey.seal(plaintext, for: name)
        // Kept while a ticket sealed in the period may live, plus a period for clock skew.
        let end = Double(period + 2) * rotationInterval + maximumTicketLifetime
        let milliseconds = max(1, Int64(((end - now.timeIntervalSince1970) * 1000).rounded(.up)))
        let reply = try await sender.send([Array("SET".utf8), Array(name.utf8), sealed, Array("NX".utf8),
                                           Array("PX".utf8), Array(String(milliseconds).utf8)], key: Array(name.utf8))
        switch reply {
        case .simpleString("OK"):
            minted.withLock { $0 += 1 }
            return true
        case .bulkString(nil): return false
        default: throw RedisError.unexpectedReply("SET NX answered \(reply)")
        }
    }

    private func decode(_ sealed: [UInt8], name: String, period: Int64) -> TicketKey? {
        guard let plaintext = sealingKey.open(sealed, for: name),
              plaintext.count == TicketKey.nameLength + TicketKey.keyLength else { return nil }
        return try? TicketKey(name: Array(plaintext.prefix(TicketKey.nameLength)),
                              keyBytes: Array(plaintext.suffix(TicketKey.keyLength)),
                              notBefore: Date(timeIntervalSince1970: Double(period) * rotationInterval))
    }
}
