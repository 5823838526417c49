import Crypto

/// HKDF-Expand (RFC 5869 §2.3) under one pseudorandom key.
///
/// Every TLS 1.3 output (secrets, keys, IVs, Finished keys, ticket PSKs) fits one hash block,
/// where `T(1) = HMAC(PRK, info | 0x01)` is the whole output: that one HMAC is computed by
/// `BoringSSLHMAC` over `info | 0x01` built on the stack, so an expansion allocates only the
/// `SymmetricKey` it returns. Longer outputs go through swift-crypto's `HKDF.expand`.
struct HKDFExpander: Sendable {
    let hash: TLSHashAlgorithm
    private let pseudoRandomKey: SymmetricKey

    init(hash: TLSHashAlgorithm, pseudoRandomKey: SymmetricKey) {
        self.hash = hash
        self.pseudoRandomKey = pseudoRandomKey
    }

    /// `HKDF-Expand(PRK, info, length)` for a length already checked to be in
    /// `1...255 * Hash.length`.
    func expand(info: [UInt8], length: Int) -> SymmetricKey {
        Self.expandOnce(hash: hash, pseudoRandomKey: pseudoRandomKey, info: info, length: length)
    }

    /// HKDF-Expand-Label (RFC 8446 §7.1) with a library constant label and a context of at
    /// most 255 bytes.
    func expandLabel(_ label: StaticString, context: some Collection<UInt8>, length: Int) -> SymmetricKey {
        Self.expandLabel(hash: hash, pseudoRandomKey: pseudoRandomKey, label: label, context: context, length: length)
    }

    /// Derive-Secret (RFC 8446 §7.1) with a library constant label and a transcript hash.
    func deriveSecret(_ label: StaticString, transcriptHash: some HashValueBytes) -> SymmetricKey {
        expandLabel(label, context: transcriptHash.prefix(255), length: hash.digestLength)
    }

    /// `HKDF-Expand(PRK, info, length)` for a checked length, without keeping an expander.
    static func expandOnce(hash: TLSHashAlgorithm, pseudoRandomKey: SymmetricKey, info: [UInt8], length: Int) -> SymmetricKey {
        guard length <= hash.digestLength else { return longExpand(hash: hash, pseudoRandomKey: pseudoRandomKey, info: info, length: length) }
        let block = withUnsafeTemporaryAllocation(byteCount: info.count + 1, alignment: 1) { buffer -> SymmetricKey? in
            info.withUnsafeBytes { buffer.copyMemory(from: $0) }
            buffer[info.count] = 1
            return BoringSSLHMAC.key(hash: hash, key: pseudoRandomKey, data: UnsafeRawBufferPointer(buffer), length: length)
        }
        return block ?? longExpand(hash: hash, pseudoRandomKey: pseudoRandomKey, info: info, length: length)
    }

    /// HKDF-Expand-Label with the `HkdfLabel` (and the block counter) written on the stack.
    static func expandLabel(hash: TLSHashAlgorithm, pseudoRandomKey: SymmetricKey, label: StaticString,
                            context: some Collection<UInt8>, length: Int) -> SymmetricKey {
        let block = pseudoRandomKey.withUnsafeBytes { prk in
            withExpandedLabel(hash: hash, pseudoRandomKey: prk, label: label, context: context, length: length) { SymmetricKey(data: $0) }
        }
        return block ?? longExpand(hash: hash, pseudoRandomKey: pseudoRandomKey, info: labelInfo(label, context: context, length: length), length: length)
    }

    /// `withExpandedLabel` under this expander's key.
    func withExpandedLabel<Result>(_ label: StaticString, context: some Collection<UInt8>, length: Int,
                                   _ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result? {
        try pseudoRandomKey.withUnsafeBytes { prk in
            try Self.withExpandedLabel(hash: hash, pseudoRandomKey: prk, label: label, context: context, length: length, body)
        }
    }

    /// `HKDF-Extract(Derive-Secret(PRK, "derived", ""), IKM)`: the next stage's secret of the
    /// TLS 1.3 key schedule (RFC 8446 §7.1), with the `"derived"` salt kept on the stack.
    func extractNextStage(inputKeyMaterial: SymmetricKey) -> SymmetricKey {
        let next = withExpandedLabel("derived", context: hash.emptyHash, length: hash.digestLength) { salt in
            inputKeyMaterial.withUnsafeBytes { BoringSSLHMAC.key(hash: hash, rawKey: salt, data: $0, length: hash.digestLength) }
        }
        if let next, let next { return next }
        return hash.hkdfExtract(salt: deriveSecret("derived", transcriptHash: hash.emptyHash), inputKeyMaterial: inputKeyMaterial)
    }

    /// HKDF-Expand-Label (RFC 8446 §7.1) of at most one hash block, computed on the stack and
    /// handed to `body` without ever being a `SymmetricKey` (no allocation), then zeroed: for
    /// values used once and dropped (traffic keys and IVs that key an AEAD, Finished and binder
    /// keys, the `"derived"` salts). Nil only if BoringSSL fails or `length` exceeds the hash.
    static func withExpandedLabel<Result>(hash: TLSHashAlgorithm, pseudoRandomKey: UnsafeRawBufferPointer, label: StaticString,
                                          context: some Collection<UInt8>, length: Int,
                                          _ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result? {
        guard length <= hash.digestLength, context.count <= 255 else { return nil }
        return try withUnsafeTemporaryAllocation(byteCount: BoringSSLHMAC.maxDigestLength, alignment: 16) { output -> Result? in
            defer { BoringSSLHMAC.cleanse(output) }
            let computed = label.withUTF8Buffer { labelBytes -> Bool in
                let infoLength = 2 + 1 + 6 + labelBytes.count + 1 + context.count
                return withUnsafeTemporaryAllocation(byteCount: infoLength + 1, alignment: 1) { buffer -> Bool in
                    var index = 0
                    func put(_ byte: UInt8) { buffer[index] = byte; index += 1 }
                    put(UInt8(truncatingIfNeeded: length >> 8))
                    put(UInt8(truncatingIfNeeded: length))
                    put(UInt8(truncatingIfNeeded: 6 + labelBytes.count))
                    for byte in "tls13 ".utf8 { put(byte) }
                    for byte in labelBytes { put(byte) }
                    put(UInt8(truncatingIfNeeded: context.count))
                    for byte in context { put(byte) }
                    put(1)
                    return BoringSSLHMAC.authenticate(hash: hash, key: pseudoRandomKey, data: UnsafeRawBufferPointer(buffer), into: output)
                }
            }
            guard computed else { return nil }
            return try body(UnsafeRawBufferPointer(rebasing: output[0 ..< length]))
        }
    }

    /// The `HkdfLabel` info of a library constant label.
    static func labelInfo(_ label: StaticString, context: some Collection<UInt8>, length: Int) -> [UInt8] {
        // withUTF8Buffer works for every StaticString representation (utf8Start would trap on a
        // single-scalar literal).
        label.withUTF8Buffer { TLSHashAlgorithm.hkdfLabelUnchecked(label: $0, context: context, length: length) }
    }

    /// Outputs longer than one block (none in TLS 1.3; exporters may ask for them).
    private static func longExpand(hash: TLSHashAlgorithm, pseudoRandomKey: SymmetricKey, info: [UInt8], length: Int) -> SymmetricKey {
        switch hash {
        case .sha256: return HKDF<SHA256>.expand(pseudoRandomKey: pseudoRandomKey, info: info, outputByteCount: length)
        case .sha384: return HKDF<SHA384>.expand(pseudoRandomKey: pseudoRandomKey, info: info, outputByteCount: length)
        }
    }
}
