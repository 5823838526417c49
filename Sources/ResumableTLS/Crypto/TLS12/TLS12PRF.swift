import Crypto

/// The TLS 1.2 pseudorandom function (RFC 5246 §5): `PRF(secret, label, seed) =
/// P_<hash>(secret, label + seed)`, with `P_hash` the HMAC-based expansion
///
///     A(0) = seed';  A(i) = HMAC(secret, A(i-1))
///     P_hash = HMAC(secret, A(1) + seed') + HMAC(secret, A(2) + seed') + ...
///
/// and `<hash>` the suite's PRF hash (SHA-256, or SHA-384 for the AES-256-GCM suites, RFC 5288
/// §3). HMAC is swift-crypto's (through `TLSHashAlgorithm.hmac`); only the expansion is ours.
package enum TLS12PRF {
    /// `PRF(secret, label, seed + moreSeed)` truncated to `length` bytes (`moreSeed` spares the
    /// caller a concatenation, e.g. of the two randoms).
    package static func compute(hash: TLSHashAlgorithm, secret: SymmetricKey, label: String, seed: some Collection<UInt8>,
                                moreSeed: [UInt8] = [], length: Int) -> [UInt8] {
        var labelAndSeed: [UInt8] = []
        labelAndSeed.reserveCapacity(label.utf8.count + seed.count + moreSeed.count)
        labelAndSeed.append(contentsOf: label.utf8)
        labelAndSeed.append(contentsOf: seed)
        labelAndSeed.append(contentsOf: moreSeed)
        if let fast = BoringSSLPHash.expand(hash: hash, secret: secret, seed: labelAndSeed, length: length) { return fast }
        return reference(hash: hash, secret: secret, labelAndSeed: labelAndSeed, length: length)
    }

    /// The same expansion with one-shot HMACs: the fallback, and what the fast path is tested
    /// against.
    static func reference(hash: TLSHashAlgorithm, secret: SymmetricKey, labelAndSeed: [UInt8], length: Int) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(length + hash.digestLength)
        var a = hash.hmac(key: secret, data: labelAndSeed)
        while output.count < length {
            output.append(contentsOf: hash.hmac(key: secret, data: a + labelAndSeed))
            a = hash.hmac(key: secret, data: a)
        }
        return Array(output.prefix(length))
    }
}
