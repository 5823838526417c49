import Crypto
// swift-crypto's own copy of BoringSSL (symbols prefixed CCryptoBoringSSL_). It is a module of
// swift-crypto, not one of its products: SwiftPM makes it importable here because `Crypto`
// depends on it. We pin swift-crypto exactly, and `CryptoRecordAEADBackendTests` checks this
// backend against swift-crypto's package API byte for byte. Why this route: BENCHMARKS.md.
internal import CCryptoBoringSSL

/// The in-place record AEAD: one BoringSSL `EVP_AEAD_CTX` per traffic key (keyed once, AES key
/// schedule and GHASH tables kept), sealing with `EVP_AEAD_CTX_seal_scatter` and opening with
/// `EVP_AEAD_CTX_open_gather` directly on the record's bytes (in == out, tag after the
/// ciphertext). No allocation and no copy per record; swift-crypto's package `seal` re-keys and
/// copies through `SealedBox` on every call. Keying allocates once: the context lives inside
/// its owning object (`KeyedAEADContext`), not in a second allocation beside it.
///
/// BoringSSL documents seal and open as safe to call concurrently on one context, and the
/// context is never mutated after keying, hence the unchecked sendability of its holder.
struct BoringSSLAEADBackend: RecordAEADBackend {
    nonisolated(unsafe) private let context: KeyedAEADContext
    private let tagLength: Int

    /// Keys an AEAD context for `algorithm` with `key`; nil if BoringSSL refuses the key (a key
    /// of the wrong length).
    init?(algorithm: TLSAEADAlgorithm, key: SymmetricKey) {
        guard let context = key.withUnsafeBytes({ KeyedAEADContext.make(algorithm: algorithm, keyBytes: $0) }) else { return nil }
        self.context = context
        self.tagLength = algorithm.tagLength
    }

    /// Keys an AEAD context with the key's bytes given directly (a key that only ever lives on
    /// the stack, `RecordProtection.init(suite:trafficSecret:)`).
    init?(algorithm: TLSAEADAlgorithm, keyBytes: UnsafeRawBufferPointer) {
        guard let context = KeyedAEADContext.make(algorithm: algorithm, keyBytes: keyBytes) else { return nil }
        self.context = context
        self.tagLength = algorithm.tagLength
    }

    func sealInPlace(_ buffer: inout [UInt8], plaintext: Range<Int>, nonce: RecordNonce, additionalData: Range<Int>) throws {
        let count = buffer.count
        try seal(&buffer, plaintext: plaintext, nonce: nonce) { base in
            guard additionalData.lowerBound >= 0, additionalData.upperBound <= count else { return nil }
            return UnsafeRawBufferPointer(start: base + additionalData.lowerBound, count: additionalData.count)
        }
    }

    func openInPlace(_ buffer: inout [UInt8], ciphertext: Range<Int>, nonce: RecordNonce, additionalData: Range<Int>) throws {
        let count = buffer.count
        try open(&buffer, ciphertext: ciphertext, nonce: nonce) { base in
            guard additionalData.lowerBound >= 0, additionalData.upperBound <= count else { return nil }
            return UnsafeRawBufferPointer(start: base + additionalData.lowerBound, count: additionalData.count)
        }
    }

    func sealInPlace(_ buffer: inout [UInt8], plaintext: Range<Int>, nonce: RecordNonce, additionalData: UnsafeRawBufferPointer) throws {
        try seal(&buffer, plaintext: plaintext, nonce: nonce) { _ in additionalData }
    }

    func openInPlace(_ buffer: inout [UInt8], ciphertext: Range<Int>, nonce: RecordNonce, additionalData: UnsafeRawBufferPointer) throws {
        try open(&buffer, ciphertext: ciphertext, nonce: nonce) { _ in additionalData }
    }

    /// Seals with the additional data that `additionalData` points at (given the buffer's base
    /// address; nil when its range is outside the buffer).
    private func seal(_ buffer: inout [UInt8], plaintext: Range<Int>, nonce: RecordNonce,
                      additionalData: (UnsafeMutablePointer<UInt8>) -> UnsafeRawBufferPointer?) throws {
        let tagLength = self.tagLength
        let sealed: Bool = buffer.withUnsafeMutableBufferPointer { bytes in
            guard let base = bytes.baseAddress, plaintext.lowerBound >= 0,
                  plaintext.upperBound + tagLength <= bytes.count, let ad = additionalData(base) else { return false }
            var writtenTagLength = 0
            let result = nonce.withUnsafeBytes { nonceBytes in
                context.withContext { context in CCryptoBoringSSL_EVP_AEAD_CTX_seal_scatter(
                    context, base + plaintext.lowerBound, base + plaintext.upperBound, &writtenTagLength, tagLength,
                    nonceBytes.baseAddress?.assumingMemoryBound(to: UInt8.self), nonceBytes.count,
                    base + plaintext.lowerBound, plaintext.count, nil, 0,
                    ad.baseAddress?.assumingMemoryBound(to: UInt8.self), ad.count) }
            }
            return result == 1 && writtenTagLength == tagLength
        }
        guard sealed else {
            CCryptoBoringSSL_ERR_clear_error()
            throw TLSError.internalError("AEAD seal failed")
        }
    }

    private func open(_ buffer: inout [UInt8], ciphertext: Range<Int>, nonce: RecordNonce,
                      additionalData: (UnsafeMutablePointer<UInt8>) -> UnsafeRawBufferPointer?) throws {
        let tagLength = self.tagLength
        let opened: Bool = buffer.withUnsafeMutableBufferPointer { bytes in
            guard let base = bytes.baseAddress, ciphertext.lowerBound >= 0,
                  ciphertext.upperBound + tagLength <= bytes.count, let ad = additionalData(base) else { return false }
            let result = nonce.withUnsafeBytes { nonceBytes in
                context.withContext { context in CCryptoBoringSSL_EVP_AEAD_CTX_open_gather(
                    context, base + ciphertext.lowerBound,
                    nonceBytes.baseAddress?.assumingMemoryBound(to: UInt8.self), nonceBytes.count,
                    base + ciphertext.lowerBound, ciphertext.count, base + ciphertext.upperBound, tagLength,
                    ad.baseAddress?.assumingMemoryBound(to: UInt8.self), ad.count) }
            }
            return result == 1
        }
        guard opened else {
            CCryptoBoringSSL_ERR_clear_error()
            throw TLSError.protocolViolation(alert: .badRecordMAC, reason: .recordAuthenticationFailed("record authentication failed"))
        }
    }
}

/// One BoringSSL `EVP_AEAD_CTX`, allocated inside this object (a `ManagedBuffer` with the
/// context as its one tail element): keying a traffic key is one allocation. The context is
/// cleaned up and its expanded key zeroed when the object is released.
final class KeyedAEADContext: ManagedBuffer<Void, EVP_AEAD_CTX> {
    /// A context keyed for `algorithm` with `keyBytes`; nil if BoringSSL refuses the key.
    static func make(algorithm: TLSAEADAlgorithm, keyBytes: UnsafeRawBufferPointer) -> KeyedAEADContext? {
        let aead: OpaquePointer?
        switch algorithm {
        case .aes128GCM: aead = CCryptoBoringSSL_EVP_aead_aes_128_gcm()
        case .aes256GCM: aead = CCryptoBoringSSL_EVP_aead_aes_256_gcm()
        case .chaCha20Poly1305: aead = CCryptoBoringSSL_EVP_aead_chacha20_poly1305()
        }
        guard let aead, keyBytes.count == algorithm.keyLength else { return nil }
        let object = unsafeDowncast(create(minimumCapacity: 1) { _ in () }, to: KeyedAEADContext.self)
        let keyed = object.withUnsafeMutablePointerToElements { context -> Bool in
            // Zeroed first, so that cleanup (in deinit) is safe whether or not keying succeeds.
            CCryptoBoringSSL_EVP_AEAD_CTX_zero(context)
            let keyed = CCryptoBoringSSL_EVP_AEAD_CTX_init(context, aead, keyBytes.baseAddress?.assumingMemoryBound(to: UInt8.self),
                                                           keyBytes.count, algorithm.tagLength, nil) == 1
            if !keyed { CCryptoBoringSSL_ERR_clear_error() }
            return keyed
        }
        return keyed ? object : nil
    }

    /// The context, for the duration of `body` (its address is fixed for the object's life).
    func withContext<Result>(_ body: (UnsafeMutablePointer<EVP_AEAD_CTX>) -> Result) -> Result {
        withUnsafeMutablePointerToElements(body)
    }

    deinit {
        withUnsafeMutablePointerToElements { context in
            CCryptoBoringSSL_EVP_AEAD_CTX_cleanup(context)
            // The context held the expanded key.
            CCryptoBoringSSL_OPENSSL_cleanse(context, MemoryLayout<EVP_AEAD_CTX>.size)
        }
    }
}
