import Dispatch
import Foundation
import ResumableTLS
import Synchronization

/// `SessionCache` throughput (insert, lookup, take with 1 and 2 threads) and memory per
/// cached session. With an `AllocationCounter`, allocations per operation too.
public struct CacheBench {
    let seconds: Double
    /// Sessions in the cache for each measurement.
    let sessionCount: Int
    let counter: AllocationCounter?

    public init(seconds: Double, sessionCount: Int, counter: AllocationCounter? = nil) {
        self.seconds = seconds
        self.sessionCount = sessionCount
        self.counter = counter
    }

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

    private func makeCache() -> SessionCache {
        SessionCache(configuration: SessionCacheConfiguration(capacity: 2 * sessionCount))
    }

    /// Allocations counted inside `parallel` calls, summed over a figure's passes.
    private final class AllocationTally {
        var allocations = 0
        var bytes = 0
        var counted = false

        func add(to details: inout [String: Double], operations: Int) {
            guard counted, operations > 0 else { return }
            details["allocs_per_op"] = Double(allocations) / Double(operations)
            details["alloc_bytes_per_op"] = Double(bytes) / Double(operations)
        }
    }

    /// Runs `body(thread)` on `threads` threads at once; returns the longest wall time. With a
    /// counter, the allocations of the run are added to `tally`.
    private func parallel(_ threads: Int, tally: AllocationTally? = nil, _ body: @escaping @Sendable (Int) -> Void) -> Double {
        let before = counter?.startReading()
        defer {
            if let after = counter?.stopReading(), let before, let tally {
                tally.allocations += after.allocations - before.allocations
                tally.bytes += after.bytes - before.bytes
                tally.counted = true
            }
        }
        let longest = Mutex<Double>(0)
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            let start = BenchProbe.now()
            body(thread)
            let elapsed = BenchProbe.now() - start
            longest.withLock { $0 = max($0, elapsed) }
        }
        return longest.withLock { $0 }
    }

    public func run(filter: (String) -> Bool) throws -> [BenchFigure] {
        var figures: [BenchFigure] = []
        let now = Date()
        if filter("cache/bytes-per-session") { figures.append(memory(now: now)) }
        let wanted = [1, 2].flatMap { threads in ["insert", "lookup", "take"].map { ($0, threads) } }
            .filter { filter("cache/\($0.0)-\($0.1)t") }
        if wanted.isEmpty { return figures }
        let sessions = makeSessions(sessionCount, now: now)
        let ids = IDList(sessions.map(\.sessionID).shuffled())
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
        let tally = AllocationTally()
        repeat {
            let cache = makeCache()
            timed += parallel(threads, tally: tally) { thread in
                var index = thread
                while index < sessions.count {
                    cache.insert(sessions[index], now: now)
                    index += threads
                }
            }
            operations += sessions.count
            benchBlackHole(cache)
        } while timed < seconds
        var details = ["sessions": Double(sessions.count)]
        tally.add(to: &details, operations: operations)
        return BenchFigure(group: "cache", name: "insert-\(threads)t", value: Double(operations) / timed, unit: "ops/s", details: details)
    }

    private func lookup(_ sessions: [TLSSession], ids: IDList, threads: Int, now: Date) throws -> BenchFigure {
        let cache = makeCache()
        for session in sessions { cache.insert(session, now: now) }
        let seconds = self.seconds
        let totals = Mutex<(operations: Int, misses: Int)>((0, 0))
        let tally = AllocationTally()
        let wall = parallel(threads, tally: tally) { thread in
            var operations = 0
            var misses = 0
            var id = [UInt8]()
            var index = thread
            let start = BenchProbe.now()
            while true {
                for _ in 0..<1024 {
                    if cache.lookup(id: ids.load(index, into: &id), now: now) == nil { misses += 1 }
                    index += threads
                    if index >= ids.count { index = thread }
                }
                operations += 1024
                if BenchProbe.now() - start >= seconds { break }
            }
            totals.withLock { $0.operations += operations; $0.misses += misses }
        }
        let (operations, misses) = totals.withLock { $0 }
        if misses > 0 { throw BenchError("cache lookup: \(misses) misses of \(operations)") }
        var details = ["sessions": Double(sessions.count)]
        tally.add(to: &details, operations: operations)
        return BenchFigure(group: "cache", name: "lookup-\(threads)t", value: Double(operations) / wall, unit: "ops/s", details: details)
    }

    /// Fill (untimed), then each thread takes its share; repeated until `seconds` of taking.
    private func take(_ sessions: [TLSSession], ids: IDList, threads: Int, now: Date) throws -> BenchFigure {
        var timed = 0.0
        var operations = 0
        let misses = Mutex<Int>(0)
        let tally = AllocationTally()
        repeat {
            let cache = makeCache()
            for session in sessions { cache.insert(session, now: now) }
            timed += parallel(threads, tally: tally) { thread in
                var missed = 0
                var id = [UInt8]()
                var index = thread
                while index < ids.count {
                    if cache.take(id: ids.load(index, into: &id), now: now) == nil { missed += 1 }
                    index += threads
                }
                misses.withLock { $0 += missed }
            }
            operations += ids.count
        } while timed < seconds
        let missed = misses.withLock { $0 }
        if missed > 0 { throw BenchError("cache take: \(missed) misses of \(operations)") }
        var details = ["sessions": Double(sessions.count)]
        tally.add(to: &details, operations: operations)
        return BenchFigure(group: "cache", name: "take-\(threads)t", value: Double(operations) / timed, unit: "ops/s", details: details)
    }

    /// Heap (mallinfo2) and RSS growth for making `sessionCount` sessions and caching them.
    private func memory(now: Date) -> BenchFigure {
        let count = sessionCount
        let heap0 = BenchProbe.heapInUse()
        let rss0 = BenchProbe.residentBytes()
        let requested0 = counter?.startReading()
        let sessions = makeSessions(count, now: now)
        let heap1 = BenchProbe.heapInUse()
        let requested1 = counter?.read()
        let cache = SessionCache(configuration: SessionCacheConfiguration(capacity: 0))
        for session in sessions { cache.insert(session, now: now) }
        let heap2 = BenchProbe.heapInUse()
        let requested2 = counter?.stopReading()
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
        if let requested0, let requested1, let requested2 {
            // Allocations per session kept or not (the bytes include the temporaries of making
            // the sessions, so the heap growth above is the memory figure).
            details["allocs_per_session"] = Double(requested2.allocations - requested0.allocations) / Double(count)
            details["allocs_per_cache_insert_of_a_session"] = Double(requested2.allocations - requested1.allocations) / Double(count)
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

/// The session IDs to look up, stored flat. Each lookup copies its ID into a reused array, as a
/// server copies it out of a received message: the array handed to the cache is hot and
/// unshared, so the figure is the cache's (a `[[UInt8]]` of 100 000 arrays made every lookup
/// pay a cache miss and an atomic retain on the ID's own array, ~45 % of the samples).
struct IDList: Sendable {
    private let bytes: [UInt8]
    private let offsets: [Int]

    init(_ ids: [[UInt8]]) {
        var bytes: [UInt8] = []
        var offsets = [0]
        for id in ids {
            bytes += id
            offsets.append(bytes.count)
        }
        self.bytes = bytes
        self.offsets = offsets
    }

    var count: Int { offsets.count - 1 }

    /// Copies ID `index` into `id` (reusing its storage) and returns it.
    func load(_ index: Int, into id: inout [UInt8]) -> [UInt8] {
        id.removeAll(keepingCapacity: true)
        id.append(contentsOf: bytes[offsets[index] ..< offsets[index + 1]])
        return id
    }
}
