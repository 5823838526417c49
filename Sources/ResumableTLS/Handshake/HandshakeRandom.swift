// swift-crypto's copy of BoringSSL; see Crypto/BoringSSLAEADBackend.swift for why it is imported.
internal import CCryptoBoringSSL
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Random bytes from BoringSSL's CSPRNG (`RAND_bytes`, the generator swift-crypto draws its keys
/// from: seeded from the kernel, fork-safe). `SystemRandomNumberGenerator` made one `getrandom`
/// system call per 8 bytes, ~6 % of a resumed handshake.
enum HandshakeRandom {
    /// Hello randoms, session IDs, cookies, stateful ticket IDs and age_add values: drawn from a
    /// per-thread pool that one `RAND_bytes` call refills with 1 KiB (a call's fixed cost was
    /// ~0.5 µs, a few percent of a resumed handshake). Handed-out bytes are wiped from the pool.
    static func bytes(_ count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        guard count <= RandomPool.capacity / 8 else { return unpooled(count) }
        return RandomPool.forCurrentThread().take(count)
    }

    /// A random 32-bit value from the same pool (a ticket_age_add), with no array on the way.
    static func uint32() -> UInt32 {
        RandomPool.forCurrentThread().take(4) { bytes in
            bytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        }
    }

    /// Bytes straight from `RAND_bytes`, one call: for AEAD nonces, whose uniqueness under one
    /// key must not depend on anything of ours.
    static func unpooled(_ count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            fillUnpooled(UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
    }

    /// `unpooled(_:)` written where the bytes are needed (a ticket's nonce, inside the ticket).
    static func fillUnpooled(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        // RAND_bytes always returns 1: BoringSSL aborts rather than return weak output.
        _ = CCryptoBoringSSL_RAND_bytes(base.assumingMemoryBound(to: UInt8.self), buffer.count)
    }
}

/// One thread's buffer of CSPRNG output for `HandshakeRandom.bytes`.
///
/// Per thread, so that no lock is held when a process forks (a child inheriting a held lock
/// would block for ever); a fork handler bumps `forkGeneration` in the child, and a pool from an
/// older generation refills before it hands out anything, so parent and child never share bytes.
final class RandomPool {
    static let capacity = 1_024

    /// Incremented in the child after every `fork()`.
    private static let forkGeneration = Atomic<UInt64>(0)
    /// The thread-local slot; made once, with the fork handler.
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        _ = pthread_key_create(&key) { pointer in
            guard let pointer else { return }
            Unmanaged<RandomPool>.fromOpaque(UnsafeRawPointer(pointer)).release()
        }
        // Only the forking thread exists in the child, and it runs this before anything else.
        _ = pthread_atfork(nil, nil) { RandomPool.forkGeneration.wrappingAdd(1, ordering: .relaxed) }
        return key
    }()

    private let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: RandomPool.capacity, alignment: 16)
    private var offset = RandomPool.capacity
    private var generation: UInt64 = 0
    /// How many times this pool refilled (for tests).
    private(set) var refills = 0

    /// This thread's pool, made on first use.
    static func forCurrentThread() -> RandomPool {
        let key = Self.key
        if let existing = pthread_getspecific(key) {
            return Unmanaged<RandomPool>.fromOpaque(existing).takeUnretainedValue()
        }
        let pool = RandomPool()
        _ = pthread_setspecific(key, Unmanaged.passRetained(pool).toOpaque())
        return pool
    }

    deinit {
        storage.initializeMemory(as: UInt8.self, repeating: 0)
        storage.deallocate()
    }

    /// `count` bytes (at most `capacity`), never handed out before by this pool or, after a fork,
    /// by the parent's.
    func take(_ count: Int) -> [UInt8] {
        take(count) { [UInt8]($0) }
    }

    /// `count` bytes (at most `capacity`) handed to `body` where they lie in the pool, then
    /// wiped: for a value read out of them, with no array.
    func take<Result>(_ count: Int, _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        let count = min(count, Self.capacity)
        let current = Self.forkGeneration.load(ordering: .relaxed)
        if offset + count > Self.capacity || generation != current {
            _ = CCryptoBoringSSL_RAND_bytes(storage.baseAddress?.assumingMemoryBound(to: UInt8.self), Self.capacity)
            offset = 0
            generation = current
            refills += 1
        }
        let range = offset ..< offset + count
        let result = body(UnsafeRawBufferPointer(rebasing: storage[range]))
        storage[range].initializeMemory(as: UInt8.self, repeating: 0)
        offset += count
        return result
    }

    /// What a fork does to the pools, for tests: the next draw refills.
    static func simulateFork() {
        forkGeneration.wrappingAdd(1, ordering: .relaxed)
    }
}
