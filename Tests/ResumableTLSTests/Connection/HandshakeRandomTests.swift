import Foundation
import Testing
@testable import ResumableTLS

/// `HandshakeRandom`: pooled CSPRNG output per thread, never handed out twice, refilled after a
/// fork; AEAD nonces bypass the pool.
@Suite struct HandshakeRandomTests {
    @Test("Pooled random values do not repeat, and each refill is one RAND_bytes call per 1 KiB")
    func pooledValuesAreDistinct() {
        let pool = RandomPool.forCurrentThread()
        let refillsBefore = pool.refills
        var seen = Set<[UInt8]>()
        for _ in 0..<4_096 { seen.insert(HandshakeRandom.bytes(32)) }
        #expect(seen.count == 4_096)
        // 4,096 × 32 bytes = 128 KiB: 128 refills, give or take the pool's state before.
        #expect((128...130).contains(pool.refills - refillsBefore), "\(pool.refills - refillsBefore)")   // a concurrent simulated fork adds one
        #expect(!seen.contains([UInt8](repeating: 0, count: 32)))
    }

    @Test("After a fork the pool refills before it hands out anything, so parent and child never share bytes")
    func forkMakesThePoolRefill() {
        let pool = RandomPool.forCurrentThread()
        _ = HandshakeRandom.bytes(32)   // a pool with bytes left
        let before = pool.refills
        RandomPool.simulateFork()
        _ = HandshakeRandom.bytes(32)
        #expect(pool.refills == before + 1)
        _ = HandshakeRandom.bytes(32)
        #expect(pool.refills == before + 1, "no refill while bytes are left")
    }

    @Test("Threads draw from their own pools: values differ across threads too")
    func threadsHaveTheirOwnPools() async {
        let values = await withTaskGroup(of: [[UInt8]].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    await withCheckedContinuation { continuation in
                        Thread.detachNewThread {
                            continuation.resume(returning: (0..<256).map { _ in HandshakeRandom.bytes(16) })
                        }
                    }
                }
            }
            var all: [[UInt8]] = []
            for await chunk in group { all += chunk }
            return all
        }
        #expect(Set(values).count == values.count && values.count == 1_024)
    }

    @Test("Requests larger than a pool's share, and nonces, come straight from RAND_bytes")
    func largeAndNonceRequests() {
        #expect(HandshakeRandom.bytes(4_000).count == 4_000)
        #expect(HandshakeRandom.unpooled(12).count == 12)
        #expect(HandshakeRandom.bytes(0).isEmpty && HandshakeRandom.unpooled(0).isEmpty)
    }
}
