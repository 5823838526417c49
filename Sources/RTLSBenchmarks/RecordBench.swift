import Foundation
import ResumableTLS

/// Record protection throughput: `RecordProtection.seal` and `open` of full (16 KiB) and small
/// (1 KiB) application-data records for each TLS 1.3 cipher suite, single thread, in MB/s
/// (10^6 bytes of plaintext content per second, the unit `openssl speed` uses as 1000s of k).
/// Each is measured with the library's in-place AEAD (`seal-aes128gcm-16k`) and, for the
/// comparison that chose it, with swift-crypto's public `SealedBox` API
/// (`seal-aes128gcm-16k-sealedbox`). With an `AllocationCounter`, allocations per record too.
public struct RecordBench {
    let seconds: Double
    let counter: AllocationCounter?

    public init(seconds: Double, counter: AllocationCounter? = nil) {
        self.seconds = seconds
        self.counter = counter
    }

    static let sizes = [16_384, 1_024]

    static func shortName(_ suite: CipherSuite) -> String {
        switch suite {
        case .tlsAES128GCMSHA256: return "aes128gcm"
        case .tlsAES256GCMSHA384: return "aes256gcm"
        case .tlsChaCha20Poly1305SHA256: return "chacha20poly1305"
        default: return "suite\(suite.rawValue)"
        }
    }

    public func run(filter: (String) -> Bool) throws -> [BenchFigure] {
        var figures: [BenchFigure] = []
        for suite in CipherSuite.tls13Suites {
            guard let parameters = suite.tls13Parameters else { continue }
            // Any traffic secret of the right length will do; take one from the key schedule.
            let secret = KeySchedule.Early(hash: parameters.hash).clientEarlyTrafficSecret(transcriptHash: parameters.hash.emptyHash)
            let keys = TrafficKeys(suite: parameters, trafficSecret: secret)
            for size in Self.sizes {
                for implementation in RecordAEADImplementation.allCases {
                    let label = "\(Self.shortName(suite))-\(size / 1024)k" + (implementation == .inPlace ? "" : "-sealedbox")
                    if filter("record/seal-" + label) {
                        figures.append(try seal(keys: keys, implementation: implementation, size: size, name: "seal-" + label))
                    }
                    if filter("record/open-" + label) {
                        figures.append(try open(keys: keys, implementation: implementation, size: size, name: "open-" + label))
                    }
                }
            }
        }
        return figures
    }

    private func seal(keys: TrafficKeys, implementation: RecordAEADImplementation, size: Int, name: String) throws -> BenchFigure {
        var sealer = RecordProtection(keys: keys, implementation: implementation)
        let overhead = 1 + keys.aead.tagLength
        var buffer = [UInt8](repeating: 0x61, count: RecordProtection.headerLength + size)
        buffer.reserveCapacity(buffer.count + overhead)
        // Warm up.
        for _ in 0..<64 {
            try sealer.seal(record: &buffer, contentType: .applicationData)
            buffer.removeLast(overhead)
        }
        var count = 0
        let allocationsBefore = counter?.startReading()
        let start = BenchProbe.now()
        var elapsed = 0.0
        while elapsed < seconds {
            for _ in 0..<32 {
                // Seals the previous ciphertext again: the content is arbitrary, the work the same.
                try sealer.seal(record: &buffer, contentType: .applicationData)
                buffer.removeLast(overhead)
            }
            count += 32
            elapsed = BenchProbe.now() - start
        }
        let allocationsAfter = counter?.stopReading()
        benchBlackHole(buffer)
        var details = ["records_per_s": Double(count) / elapsed]
        Self.addAllocations(&details, before: allocationsBefore, after: allocationsAfter, records: count)
        return BenchFigure(group: "record", name: name, value: Double(count * size) / elapsed / 1e6, unit: "MB/s", details: details)
    }

    private func open(keys: TrafficKeys, implementation: RecordAEADImplementation, size: Int, name: String) throws -> BenchFigure {
        // Seal a batch with consecutive sequence numbers; open them in order with a fresh
        // opener per batch, each from a copy (open works in place).
        let batch = 64
        var sealer = RecordProtection(keys: keys)
        var sealed: [[UInt8]] = []
        for _ in 0..<batch {
            var record = [UInt8](repeating: 0x61, count: RecordProtection.headerLength + size)
            try sealer.seal(record: &record, contentType: .applicationData)
            sealed.append(record)
        }
        let recordLength = sealed[0].count
        var work = [UInt8](repeating: 0, count: recordLength)

        func copy(_ index: Int) {
            work.withUnsafeMutableBytes { destination in
                sealed[index].withUnsafeBytes { source in
                    destination.copyMemory(from: source)
                }
            }
        }

        func openBatch() throws {
            var opener = RecordProtection(keys: keys, implementation: implementation)
            for index in 0..<batch {
                copy(index)
                let opened = try opener.open(record: &work)
                if opened.content.count != size { throw BenchError("\(name): opened \(opened.content.count) bytes, expected \(size)") }
            }
        }

        try openBatch()  // warm up (and check)
        var count = 0
        let allocationsBefore = counter?.startReading()
        let start = BenchProbe.now()
        var elapsed = 0.0
        while elapsed < seconds {
            try openBatch()
            count += batch
            elapsed = BenchProbe.now() - start
        }
        let allocationsAfter = counter?.stopReading()
        // What the copies alone cost, to say how much of the figure they are.
        let copyStart = BenchProbe.now()
        for _ in 0..<(count / batch) { for index in 0..<batch { copy(index) } }
        let copySeconds = BenchProbe.now() - copyStart
        benchBlackHole(work)
        var details = ["records_per_s": Double(count) / elapsed, "memcpy_share_pct": copySeconds / elapsed * 100]
        // One RecordProtection per batch of `batch` records is part of the loop: it is counted.
        Self.addAllocations(&details, before: allocationsBefore, after: allocationsAfter, records: count)
        return BenchFigure(group: "record", name: name, value: Double(count * size) / elapsed / 1e6, unit: "MB/s", details: details,
                           note: size == Self.sizes[0] && implementation == .inPlace ? "open includes copying each sealed record into the work buffer (memcpy_share_pct of the time) and keying a RecordProtection per \(batch) records" : nil)
    }

    static func addAllocations(_ details: inout [String: Double], before: AllocationCounter.Reading?, after: AllocationCounter.Reading?, records: Int) {
        guard let before, let after, records > 0 else { return }
        details["allocs_per_record"] = Double(after.allocations - before.allocations) / Double(records)
        details["alloc_bytes_per_record"] = Double(after.bytes - before.bytes) / Double(records)
    }
}
