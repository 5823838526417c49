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
        var a = [UInt8](repeating: 0, count: digestLength)
        var output = [UInt8]()
        output.reserveCapacity(length + digestLength)
        var block = [UInt8](repeating: 0, count: digestLength)
        /// HMAC(secret, first + second) into `out`.
        func mac(_ first: [UInt8], _ second: [UInt8]?, into out: inout [UInt8]) -> Bool {
            guard CCryptoBoringSSL_HMAC_CTX_copy_ex(&step, &keyed) == 1 else { return false }
            var written: UInt32 = 0
            let updated = first.withUnsafeBufferPointer { CCryptoBoringSSL_HMAC_Update(&step, $0.baseAddress, $0.count) } == 1
                && (second.map { data in data.withUnsafeBufferPointer { CCryptoBoringSSL_HMAC_Update(&step, $0.baseAddress, $0.count) } == 1 } ?? true)
            let finished = out.withUnsafeMutableBufferPointer { CCryptoBoringSSL_HMAC_Final(&step, $0.baseAddress, &written) } == 1
            return updated && finished && Int(written) == digestLength
        }
        // A(1) = HMAC(secret, seed); each block HMAC(secret, A(i) + seed); A(i+1) = HMAC(secret, A(i)).
        guard mac(seed, nil, into: &a) else { return nil }
        while output.count < length {
            guard mac(a, seed, into: &block) else { return nil }
            output.append(contentsOf: block)
            if output.count < length {
                guard mac(a, nil, into: &a) else { return nil }
            }
        }
        for index in block.indices { block[index] = 0 }
        return Array(output.prefix(length))
    }
}
