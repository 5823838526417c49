import Crypto
// swift-crypto's copy of BoringSSL; see BoringSSLAEADBackend.swift for why it is imported.
internal import CCryptoBoringSSL

/// `P_hash(secret, seed)` of RFC 5246 §5 through BoringSSL's HMAC with the secret keyed once:
/// every HMAC of the expansion starts from a copy of one keyed `HMAC_CTX` (the inner and outer
/// pads already hashed), where a one-shot `HMAC()` per step would hash the pads again each time.
/// HMAC is BoringSSL's; the expansion around it is the protocol's.
enum BoringSSLPHash {
    /// The first `length` bytes of `P_hash(secret, seed)`, or nil if BoringSSL fails (it does
    /// not for SHA-256 and SHA-384).
    static func expand(hash: TLSHashAlgorithm, secret: SymmetricKey, seed: [UInt8], length: Int) -> [UInt8]? {
        let digest: OpaquePointer? = switch hash {
        case .sha256: CCryptoBoringSSL_EVP_sha256()
        case .sha384: CCryptoBoringSSL_EVP_sha384()
        }
        var keyed = HMAC_CTX()
        var step = HMAC_CTX()
        CCryptoBoringSSL_HMAC_CTX_init(&keyed)
        CCryptoBoringSSL_HMAC_CTX_init(&step)
        defer {
            CCryptoBoringSSL_HMAC_CTX_cleanup(&keyed)
            CCryptoBoringSSL_HMAC_CTX_cleanup(&step)
        }
        let keyedOK = secret.withUnsafeBytes { key in
            CCryptoBoringSSL_HMAC_Init_ex(&keyed, key.baseAddress, key.count, digest, nil) == 1
        }
        guard keyedOK else { return nil }
        let digestLength = hash.digestLength
        guard length >= 0 else { return nil }
        var failed = false
        // A(i) and each block live on the stack; the output is written in place.
        let output = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2 * BoringSSLHMAC.maxDigestLength) { scratch -> [UInt8] in
            guard let base = scratch.baseAddress else { failed = true; return [] }
            let a = base
            let block = base + BoringSSLHMAC.maxDigestLength
            defer { CCryptoBoringSSL_OPENSSL_cleanse(base, scratch.count) }
            /// HMAC(secret, first + second) into `out`.
            func mac(_ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer?, into out: UnsafeMutablePointer<UInt8>) -> Bool {
                guard CCryptoBoringSSL_HMAC_CTX_copy_ex(&step, &keyed) == 1 else { return false }
                var written: UInt32 = 0
                guard CCryptoBoringSSL_HMAC_Update(&step, first.baseAddress?.assumingMemoryBound(to: UInt8.self), first.count) == 1 else { return false }
                if let second {
                    guard CCryptoBoringSSL_HMAC_Update(&step, second.baseAddress?.assumingMemoryBound(to: UInt8.self), second.count) == 1 else { return false }
                }
                return CCryptoBoringSSL_HMAC_Final(&step, out, &written) == 1 && Int(written) == digestLength
            }
            return seed.withUnsafeBytes { seedBytes in
                // A(1) = HMAC(secret, seed); each block HMAC(secret, A(i) + seed); A(i+1) = HMAC(secret, A(i)).
                let aBytes = UnsafeRawBufferPointer(start: a, count: digestLength)
                guard mac(seedBytes, nil, into: a) else { failed = true; return [] }
                return [UInt8](unsafeUninitializedCapacity: length) { buffer, initialized in
                    initialized = 0
                    guard let out = buffer.baseAddress else { return }
                    while initialized < length {
                        guard mac(aBytes, seedBytes, into: block) else { failed = true; return }
                        let take = min(digestLength, length - initialized)
                        (out + initialized).update(from: block, count: take)
                        initialized += take
                        if initialized < length, !mac(aBytes, nil, into: a) { failed = true; return }
                    }
                }
            }
        }
        return failed ? nil : output
    }
}
