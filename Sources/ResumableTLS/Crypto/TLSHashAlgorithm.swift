import Crypto

/// The hash function of a TLS 1.3 cipher suite (RFC 8446 §7.1, §B.4): it drives HKDF, HMAC,
/// the transcript hash and every secret's length.
///
/// This is the library's only door to swift-crypto's hashes, HMAC and HKDF; no primitive is
/// implemented here.
package enum TLSHashAlgorithm: Sendable, Hashable, CustomStringConvertible {
    /// SHA-256 (32-byte digests), used by TLS_AES_128_GCM_SHA256 and TLS_CHACHA20_POLY1305_SHA256.
    case sha256
    /// SHA-384 (48-byte digests), used by TLS_AES_256_GCM_SHA384.
    case sha384

    /// `Hash.length` of RFC 8446 §7.1: the digest length in bytes (32 or 48).
    package var digestLength: Int {
        switch self {
        case .sha256: return SHA256.byteCount
        case .sha384: return SHA384.byteCount
        }
    }

    /// The name of the hash, e.g. `SHA-256`.
    package var description: String {
        switch self {
        case .sha256: return "SHA-256"
        case .sha384: return "SHA-384"
        }
    }

    /// `Hash(data)`: the digest of `data`.
    package func hash(_ data: some Sequence<UInt8>) -> [UInt8] {
        digest(data).bytes
    }

    /// `Hash(data)` held inline (no allocation): for values the key schedule uses and drops.
    package func digest(_ data: some Sequence<UInt8>) -> TranscriptDigest {
        var transcript = TranscriptHash(hash: self)
        transcript.append(data)
        return transcript.currentHash()
    }

    /// `Hash("")`, the hash of the empty string used by Derive-Secret with no messages (RFC 8446 §7.1).
    package var emptyHash: [UInt8] {
        switch self {
        case .sha256: return Self.emptySHA256
        case .sha384: return Self.emptySHA384
        }
    }

    // Computed once: every handshake needs them two or three times.
    private static let emptySHA256 = SHA256.hash(data: [UInt8]()).tlsBytes
    private static let emptySHA384 = SHA384.hash(data: [UInt8]()).tlsBytes

    /// `HMAC(key, data)` (RFC 2104) with this hash.
    package func hmac(key: SymmetricKey, data: some Sequence<UInt8>) -> [UInt8] {
        let bytes = Self.contiguous(data)
        // Straight into the array: a MAC is sent, not kept secret, so no SymmetricKey on the way.
        var computed = false
        let mac = [UInt8](unsafeUninitializedCapacity: digestLength) { output, initialized in
            computed = key.withUnsafeBytes { keyBytes in
                bytes.withUnsafeBytes { BoringSSLHMAC.authenticate(hash: self, key: keyBytes, data: $0, into: UnsafeMutableRawBufferPointer(output)) }
            }
            initialized = computed ? digestLength : 0
        }
        if computed { return mac }
        switch self {
        case .sha256: return HMAC<SHA256>.authenticationCode(for: bytes, using: key).withUnsafeBytes { Array($0) }
        case .sha384: return HMAC<SHA384>.authenticationCode(for: bytes, using: key).withUnsafeBytes { Array($0) }
        }
    }

    /// Whether `mac` is `HMAC(key, data)`, compared in constant time.
    package func isValidHMAC(_ mac: [UInt8], key: SymmetricKey, data: some Sequence<UInt8>) -> Bool {
        let bytes = Self.contiguous(data)
        return bytes.withUnsafeBytes { BoringSSLHMAC.isValid(mac, hash: self, key: key, data: $0) }
    }

    /// `HKDF-Extract(salt, IKM)` (RFC 5869 §2.2, RFC 8446 §7.1) = `HMAC(salt, IKM)`. A `nil` salt
    /// means `Hash.length` zero bytes, which is what RFC 8446 writes as `0`.
    package func hkdfExtract(salt: SymmetricKey?, inputKeyMaterial: SymmetricKey) -> SymmetricKey {
        let key = salt ?? zeroKey
        let extracted = inputKeyMaterial.withUnsafeBytes { BoringSSLHMAC.key(hash: self, key: key, data: $0, length: digestLength) }
        if let extracted { return extracted }
        let saltBytes = key.withUnsafeBytes { Array($0) }
        switch self {
        case .sha256: return SymmetricKey(data: HKDF<SHA256>.extract(inputKeyMaterial: inputKeyMaterial, salt: saltBytes))
        case .sha384: return SymmetricKey(data: HKDF<SHA384>.extract(inputKeyMaterial: inputKeyMaterial, salt: saltBytes))
        }
    }

    private static let zeroKey256 = SymmetricKey(data: [UInt8](repeating: 0, count: 32))
    private static let zeroKey384 = SymmetricKey(data: [UInt8](repeating: 0, count: 48))
    /// `Hash.length` zero bytes as a key: RFC 8446 §7.1's `0` salt and absent PSK or (EC)DHE
    /// input (one shared key per hash, not one made per use).
    var zeroKey: SymmetricKey {
        switch self {
        case .sha256: return Self.zeroKey256
        case .sha384: return Self.zeroKey384
        }
    }

    /// `HKDF-Expand(PRK, info, length)` (RFC 5869 §2.3).
    ///
    /// Throws `internal_error` unless `1 <= length <= 255 * Hash.length` (swift-crypto would trap).
    package func hkdfExpand(pseudoRandomKey: SymmetricKey, info: [UInt8], length: Int) throws -> SymmetricKey {
        guard length >= 1, length <= 255 * digestLength else {
            throw TLSError.internalError("HKDF-Expand length \(length) out of range for \(self)")
        }
        return hkdfExpandUnchecked(pseudoRandomKey: pseudoRandomKey, info: info, length: length)
    }

    /// HKDF-Expand for lengths the library has already checked (`1...255 * Hash.length`).
    func hkdfExpandUnchecked(pseudoRandomKey: SymmetricKey, info: [UInt8], length: Int) -> SymmetricKey {
        HKDFExpander.expandOnce(hash: self, pseudoRandomKey: pseudoRandomKey, info: info, length: length)
    }

    /// `data` as an array: itself if it is one (no copy), else its bytes copied once.
    private static func contiguous(_ data: some Sequence<UInt8>) -> [UInt8] {
        if let array = data as? [UInt8] { return array }
        return Array(data)
    }
}

extension SymmetricKey {
    /// A copy of the key's bytes. Use only where bytes must leave the key (wire values, tests).
    var tlsBytes: [UInt8] { withUnsafeBytes { Array($0) } }
}

extension Digest {
    /// The digest's bytes, copied once (`Array(digest)` iterates it and regrows the array about
    /// six times on the way to 32 bytes).
    package var tlsBytes: [UInt8] { withUnsafeBytes { Array($0) } }
}
