import Dispatch
import Foundation
import ResumableTLS
import Synchronization

/// `ServerSessionCache` throughput (insert, lookup, take with 1 and 2 threads) and memory per
/// cached session.
struct CacheBench {
    let seconds: Double
    /// Sessions in the cache for each measurement.
    let sessionCount: Int

    private let contextID = UUID()

    /// Sessions shaped like the server's TLS 1.3 sessions: 32-byte ID (the ticket is the same
    /// array, as `StatefulTicketAuthority` makes it), 32-byte secret, 8-byte nonce, SNI, no peer
    /// certificates.
    func makeSessions(_ count: Int, now: Date) -> [TLSSession] {
        // IDs and secrets need only be distinct, not secret: SplitMix64 seeded once from the
        // system generator (a getrandom call per byte made setting up 100k sessions slow).
        var state = UInt64.random(in: .min ... .max)
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        func random(_ n: Int) -> [UInt8] {
            var bytes = [UInt8]()
            bytes.reserveCapacity(n)
            while bytes.count < n { withUnsafeBytes(of: next()) { bytes.append(contentsOf: $0.prefix(n - bytes.count)) } }
            return bytes
        }
        return (0..<count).map { index in
            let id = random(32)
            return TLSSession(
                protocolVersion: .tls13, cipherSuite: .tlsAES128GCMSHA256, secret: random(32), sessionID: id, ticket: id,
                ticketLifetime: 7_200, ticketAgeAdd: UInt32(truncatingIfNeeded: next()),
                ticketNonce: withUnsafeBytes(of: UInt64(index).bigEndian) { Array($0) },
                creationTime: now, timeout: 7_200, serverName: "localhost", group: .x25519, contextID: contextID)
        }
    }

    private func makeCache() -> ServerSessionCache {
        ServerSessionCache(configuration: ServerSessionCacheConfiguration(capacity: 2 * sessionCount))
    }

    /// Runs `body(thread)` on `threads` threads at once; returns the longest wall time.
    private func parallel(_ threads: Int, _ body: @escaping @Sendable (Int) -> Void) -> Double {
        let longest = Mutex<Double>(0)
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            let start = BenchProbe.now()
            body(thread)
            let elapsed = BenchProbe.now() - start
            longest.withLock { $0 = max($0, elapsed) }
        }
        return longest.withLock { $0 }
    }

    func run(filter: (String) -> Bool) throws -> [BenchFigure] {
        var figures: [BenchFigure] = []
        let now = Date()
        if filter("cache/bytes-per-session") { figures.append(memory(now: now)) }
        let wanted = [1, 2].flatMap { threads in ["insert", "lookup", "take"].map { ($0, threads) } }
            .filter { filter("cache/\($0.0)-\($0.1)t") }
        if wanted.isEmpty { return figures }
        let sessions = makeSessions(sessionCount, now: now)
        let ids = sessions.map(\.sessionID).shuffled()
        for (operation, threads) in wanted {
            switch operation {
            case "insert": figures.append(insert(sessions, threads: threads, now: now))
            case "lookup": figures.append(try lookup(sessions, ids: ids, threads: threads, now: now))
            default: figures.append(try take(sessions, ids: ids, threads: threads, now: now))
            }
        }
        return figures
    }

    /// Fresh cache per pass; each thread inserts its share of the sessions. Repeated until
    /// `seconds` of timed inserting.
    private func insert(_ sessions: [TLSSession], threads: Int, now: Date) -> BenchFigure {
        var timed = 0.0
        var operations = 0
        repeat {
            let cache = makeCache()
            timed += parallel(threads) { thread in
                var index = thread
                while index < sessions.count {
                    cache.insert(sessions[index], now: now)
                    index += threads
                }
            }
            operations += sessions.count
            benchBlackHole(cache)
        } while timed < seconds
        return BenchFigure(group: "cache", name: "insert-\(threads)t", value: Double(operations) / timed, unit: "ops/s",
                           details: ["sessions": Double(sessions.count)])
    }

    private func lookup(_ sessions: [TLSSession], ids: [[UInt8]], threads: Int, now: Date) throws -> BenchFigure {
        let cache = makeCache()
        for session in sessions { cache.insert(session, now: now) }
        let seconds = self.seconds
        let totals = Mutex<(operations: Int, misses: Int)>((0, 0))
        let wall = parallel(threads) { thread in
            var operations = 0
            var misses = 0
            var index = thread
            let start = BenchProbe.now()
            while true {
                for _ in 0..<1024 {
                    if cache.lookup(id: ids[index], now: now) == nil { misses += 1 }
                    index += threads
                    if index >= ids.count { index = thread }
                }
                operations += 1024
                if BenchProbe.now() - start >= seconds { break }
            }
            totals.withLock { $0.operations += operations; $0.misses += misses }
        }
        let (operations, misses) = totals.withLock { $0 }
        if misses > 0 { throw CLIError("cache lookup: \(misses) misses of \(operations)") }
        return BenchFigure(group: "cache", name: "lookup-\(threads)t", value: Double(operations) / wall, unit: "ops/s",
                           details: ["sessions": Double(sessions.count)])
    }

    /// Fill (untimed), then each thread takes its share; repeated until `seconds` of taking.
    private func take(_ sessions: [TLSSession], ids: [[UInt8]], threads: Int, now: Date) throws -> BenchFigure {
        var timed = 0.0
        var operations = 0
        let misses = Mutex<Int>(0)
        repeat {
            let cache = makeCache()
            for session in sessions { cache.insert(session, now: now) }
            timed += parallel(threads) { thread in
                var missed = 0
                var index = thread
                while index < ids.count {
                    if cache.take(id: ids[index], now: now) == nil { missed += 1 }
                    index += threads
                }
                misses.withLock { $0 += missed }
            }
            operations += ids.count
        } while timed < seconds
        let missed = misses.withLock { $0 }
        if missed > 0 { throw CLIError("cache take: \(missed) misses of \(operations)") }
        return BenchFigure(group: "cache", name: "take-\(threads)t", value: Double(operations) / timed, unit: "ops/s",
                           details: ["sessions": Double(sessions.count)])
    }

    /// Heap (mallinfo2) and RSS growth for making `sessionCount` sessions and caching them.
    private func memory(now: Date) -> BenchFigure {
        let count = sessionCount
        let heap0 = BenchProbe.heapInUse()
        let rss0 = BenchProbe.residentBytes()
        let sessions = makeSessions(count, now: now)
        let heap1 = BenchProbe.heapInUse()
        let cache = ServerSessionCache(configuration: ServerSessionCacheConfiguration(capacity: 0))
        for session in sessions { cache.insert(session, now: now) }
        let heap2 = BenchProbe.heapInUse()
        let rss2 = BenchProbe.residentBytes()
        guard cache.count == count else {
            return BenchFigure(group: "cache", name: "bytes-per-session", value: 0, unit: "bytes/session", note: "cache held \(cache.count) of \(count)")
        }
        var details: [String: Double] = ["sessions": Double(count)]
        var value = 0.0
        var note = "mallinfo2 (uordblks+hblkhd) growth over \(count) sessions without peer certificates: session objects + cache entries"
        if let heap0, let heap1, let heap2 {
            value = Double(heap2 - heap0) / Double(count)
            details["session_object_bytes"] = Double(heap1 - heap0) / Double(count)
            details["cache_entry_bytes"] = Double(heap2 - heap1) / Double(count)
        } else {
            note = "RSS growth (mallinfo2 unavailable)"
        }
        if let rss0, let rss2 {
            details["rss_bytes_per_session"] = Double(rss2 - rss0) / Double(count)
            if heap0 == nil { value = Double(rss2 - rss0) / Double(count) }
        }
        benchBlackHole(cache)
        benchBlackHole(sessions)
        return BenchFigure(group: "cache", name: "bytes-per-session", value: value, unit: "bytes/session", details: details, note: note)
    }
}
