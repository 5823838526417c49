// swift-crypto's copy of BoringSSL; see Crypto/BoringSSLAEADBackend.swift for why it is imported.
internal import CCryptoBoringSSL

/// Random bytes for hello randoms, session IDs, cookies, ticket IDs and age_add values, from
/// BoringSSL's CSPRNG (`RAND_bytes`, the generator swift-crypto draws its keys from: seeded
/// from the kernel, fork-safe), one call per value. `SystemRandomNumberGenerator` made one
/// `getrandom` system call per 8 bytes, ~6 % of a resumed handshake.
enum HandshakeRandom {
    static func bytes(_ count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            // RAND_bytes always returns 1: BoringSSL aborts rather than return weak output.
            _ = CCryptoBoringSSL_RAND_bytes(buffer.baseAddress, count)
            initialized = count
        }
    }
}
