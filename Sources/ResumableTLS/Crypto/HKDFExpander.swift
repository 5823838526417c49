import Crypto

/// HKDF-Expand (RFC 5869 §2.3) under one pseudorandom key, with swift-crypto's HMAC keyed once.
///
/// A TLS 1.3 secret feeds two to four expansions (the Handshake Secret gives both handshake
/// traffic secrets and `"derived"`; a traffic secret gives its key and IV). Keying swift-crypto's
/// HMAC is the costly part of each one (padding, two hash contexts, two compressions, through
/// unspecialised generics), so the keyed state is kept and copied: a copy of `HMAC` is an
/// independent value (its hash contexts are copied on write), so expansions never share state.
/// Every TLS 1.3 output fits one hash block, where `T(1) = HMAC(PRK, info | 0x01)` is the whole
/// output; longer outputs go through swift-crypto's `HKDF.expand`.
struct HKDFExpander: Sendable {
    private enum KeyedHMAC: Sendable {
        case sha256(HMAC<SHA256>)
        case sha384(HMAC<SHA384>)
    }

    let hash: TLSHashAlgorithm
    private let pseudoRandomKey: SymmetricKey
    private let keyed: KeyedHMAC

    init(hash: TLSHashAlgorithm, pseudoRandomKey: SymmetricKey) {
        self.hash = hash
        self.pseudoRandomKey = pseudoRandomKey
        switch hash {
        case .sha256: keyed = .sha256(HMAC<SHA256>(key: pseudoRandomKey))
        case .sha384: keyed = .sha384(HMAC<SHA384>(key: pseudoRandomKey))
        }
    }

    /// `HKDF-Expand(PRK, info, length)` for a length already checked to be in
    /// `1...255 * Hash.length`.
    func expand(info: [UInt8], length: Int) -> SymmetricKey {
        switch keyed {
        case .sha256(let mac):
            guard length <= SHA256.byteCount else {
                return HKDF<SHA256>.expand(pseudoRandomKey: pseudoRandomKey, info: info, outputByteCount: length)
            }
            return Self.firstBlock(mac, info, length)
        case .sha384(let mac):
            guard length <= SHA384.byteCount else {
                return HKDF<SHA384>.expand(pseudoRandomKey: pseudoRandomKey, info: info, outputByteCount: length)
            }
            return Self.firstBlock(mac, info, length)
        }
    }

    /// HKDF-Expand-Label (RFC 8446 §7.1) with a library constant label and a context of at
    /// most 255 bytes.
    func expandLabel(_ label: StaticString, context: some Collection<UInt8>, length: Int) -> SymmetricKey {
        expand(info: Self.labelInfo(label, context: context, length: length), length: length)
    }

    /// Derive-Secret (RFC 8446 §7.1) with a library constant label and a transcript hash.
    func deriveSecret(_ label: StaticString, transcriptHash: [UInt8]) -> SymmetricKey {
        expandLabel(label, context: transcriptHash.prefix(255), length: hash.digestLength)
    }

    /// One expansion under a key used once (Finished keys, a ticket's PSK, KeyUpdate): keys the
    /// HMAC and finishes it in place, with no keyed state kept to copy.
    static func expandOnce(hash: TLSHashAlgorithm, pseudoRandomKey: SymmetricKey, info: [UInt8], length: Int) -> SymmetricKey {
        switch hash {
        case .sha256:
            guard length <= SHA256.byteCount else {
                return HKDF<SHA256>.expand(pseudoRandomKey: pseudoRandomKey, info: info, outputByteCount: length)
            }
            return firstBlock(HMAC<SHA256>(key: pseudoRandomKey), info, length)
        case .sha384:
            guard length <= SHA384.byteCount else {
                return HKDF<SHA384>.expand(pseudoRandomKey: pseudoRandomKey, info: info, outputByteCount: length)
            }
            return firstBlock(HMAC<SHA384>(key: pseudoRandomKey), info, length)
        }
    }

    /// The `HkdfLabel` info of a library constant label.
    static func labelInfo(_ label: StaticString, context: some Collection<UInt8>, length: Int) -> [UInt8] {
        // withUTF8Buffer works for every StaticString representation (utf8Start would trap on a
        // single-scalar literal).
        label.withUTF8Buffer { TLSHashAlgorithm.hkdfLabelUnchecked(label: $0, context: context, length: length) }
    }

    @inline(__always)
    private static func firstBlock<H>(_ keyed: HMAC<H>, _ info: [UInt8], _ length: Int) -> SymmetricKey {
        var mac = keyed
        mac.update(data: info)
        withUnsafeBytes(of: UInt8(1)) { mac.update(data: $0) }
        return mac.finalize().withUnsafeBytes { SymmetricKey(data: UnsafeRawBufferPointer(rebasing: $0.prefix(length))) }
    }
}
