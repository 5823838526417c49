import Crypto
// swift-crypto's copy of BoringSSL; see BoringSSLAEADBackend.swift for why it is imported.
internal import CCryptoBoringSSL

/// One-shot HMAC (RFC 2104) through BoringSSL's `HMAC()`, which keeps its context on the stack:
/// no heap allocation per call. swift-crypto's `HMAC` allocates its key, two hash contexts and
/// its result on every use, which made HMAC the largest source of allocations in a handshake
/// (every HKDF-Extract, HKDF-Expand block, Finished and binder is one HMAC). The digest comes
/// back in a caller's buffer, so a secret leaves it only as a `SymmetricKey`.
package enum BoringSSLHMAC {
    /// The largest digest: SHA-384's 48 bytes.
    static let maxDigestLength = 48

    /// `HMAC(key, data)` into `output` (at least `hash.digestLength` bytes). False only if
    /// BoringSSL fails, which it does not for these hashes.
    package static func authenticate(hash: TLSHashAlgorithm, key: UnsafeRawBufferPointer, data: UnsafeRawBufferPointer,
                             into output: UnsafeMutableRawBufferPointer) -> Bool {
        guard output.count >= hash.digestLength, let out = output.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return false }
        let digest: OpaquePointer? = switch hash {
        case .sha256: CCryptoBoringSSL_EVP_sha256()
        case .sha384: CCryptoBoringSSL_EVP_sha384()
        }
        var written: UInt32 = 0
        // BoringSSL reads nothing through a null pointer of length zero, but wants a non-null one.
        let empty: UInt8 = 0
        return withUnsafePointer(to: empty) { emptyPointer in
            let keyPointer = key.baseAddress ?? UnsafeRawPointer(emptyPointer)
            let dataPointer = data.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? emptyPointer
            let result = CCryptoBoringSSL_HMAC(digest, keyPointer, key.count, dataPointer, data.count, out, &written)
            return result != nil && Int(written) == hash.digestLength
        }
    }

    /// `HMAC(key, data)` as a `SymmetricKey` of its first `length` bytes (`length` at most the
    /// digest length).
    static func key(hash: TLSHashAlgorithm, key: SymmetricKey, data: UnsafeRawBufferPointer, length: Int) -> SymmetricKey? {
        key.withUnsafeBytes { Self.key(hash: hash, rawKey: $0, data: data, length: length) }
    }

    /// The same with the key's bytes given directly (a key that only ever lives on the stack).
    static func key(hash: TLSHashAlgorithm, rawKey: UnsafeRawBufferPointer, data: UnsafeRawBufferPointer, length: Int) -> SymmetricKey? {
        withUnsafeTemporaryAllocation(byteCount: maxDigestLength, alignment: 16) { output -> SymmetricKey? in
            defer { CCryptoBoringSSL_OPENSSL_cleanse(output.baseAddress, output.count) }
            let ok = authenticate(hash: hash, key: rawKey, data: data, into: output)
            guard ok, length <= hash.digestLength else { return nil }
            return SymmetricKey(data: UnsafeRawBufferPointer(rebasing: output[0 ..< length]))
        }
    }

    /// Zeroes `buffer` in a way the optimizer keeps (`OPENSSL_cleanse`).
    static func cleanse(_ buffer: UnsafeMutableRawBufferPointer) {
        CCryptoBoringSSL_OPENSSL_cleanse(buffer.baseAddress, buffer.count)
    }

    /// Whether `mac` equals `HMAC(key, data)`, compared in constant time (`CRYPTO_memcmp`).
    static func isValid(_ mac: some HashValueBytes, hash: TLSHashAlgorithm, key: SymmetricKey, data: UnsafeRawBufferPointer) -> Bool {
        key.withUnsafeBytes { isValid(mac, hash: hash, rawKey: $0, data: data) }
    }

    /// The same with the key's bytes given directly.
    static func isValid(_ mac: some HashValueBytes, hash: TLSHashAlgorithm, rawKey: UnsafeRawBufferPointer, data: UnsafeRawBufferPointer) -> Bool {
        guard mac.count == hash.digestLength else { return false }
        return withUnsafeTemporaryAllocation(byteCount: maxDigestLength, alignment: 16) { output -> Bool in
            let ok = authenticate(hash: hash, key: rawKey, data: data, into: output)
            guard ok else { return false }
            return mac.withUnsafeBytes { CCryptoBoringSSL_CRYPTO_memcmp($0.baseAddress, output.baseAddress, mac.count) == 0 }
        }
    }
}
