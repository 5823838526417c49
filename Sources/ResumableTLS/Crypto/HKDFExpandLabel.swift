import Crypto

extension TLSHashAlgorithm {
    /// The encoded `HkdfLabel` structure of RFC 8446 §7.1:
    ///
    ///     struct {
    ///         uint16 length = Length;
    ///         opaque label<7..255> = "tls13 " + Label;
    ///         opaque context<0..255> = Context;
    ///     } HkdfLabel;
    ///
    /// Throws `internal_error` when a field does not fit its vector (label over 249 bytes,
    /// context over 255 bytes, length over 65535).
    package static func hkdfLabel(label: some Collection<UInt8>, context: some Collection<UInt8>, length: Int) throws -> [UInt8] {
        guard label.count <= 255 - 6, context.count <= 255, length >= 0, length <= Int(UInt16.max) else {
            throw TLSError.internalError("HkdfLabel field too long (label \(label.count), context \(context.count), length \(length))")
        }
        return hkdfLabelUnchecked(label: label, context: context, length: length)
    }

    /// `HkdfLabel` for fields already known to fit (library constants, hash-sized contexts).
    static func hkdfLabelUnchecked(label: some Collection<UInt8>, context: some Collection<UInt8>, length: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(4 + 6 + label.count + context.count)
        out.append(UInt8(truncatingIfNeeded: length >> 8))
        out.append(UInt8(truncatingIfNeeded: length))
        out.append(UInt8(truncatingIfNeeded: 6 + label.count))
        out.append(contentsOf: "tls13 ".utf8)
        out.append(contentsOf: label)
        out.append(UInt8(truncatingIfNeeded: context.count))
        out.append(contentsOf: context)
        return out
    }

    /// `HKDF-Expand-Label(Secret, Label, Context, Length)` (RFC 8446 §7.1): HKDF-Expand of
    /// `secret` with the `HkdfLabel` as info. `label` is given without the `"tls13 "` prefix.
    ///
    /// Throws `internal_error` for a label, context or length that does not fit.
    package func hkdfExpandLabel(secret: SymmetricKey, label: String, context: some Collection<UInt8>, length: Int) throws -> SymmetricKey {
        let info = try Self.hkdfLabel(label: Array(label.utf8), context: context, length: length)
        return try hkdfExpand(pseudoRandomKey: secret, info: info, length: length)
    }

    /// `Derive-Secret(Secret, Label, Messages)` (RFC 8446 §7.1), given `Transcript-Hash(Messages)`
    /// as `transcriptHash`: `HKDF-Expand-Label(Secret, Label, transcriptHash, Hash.length)`.
    ///
    /// Throws `internal_error` for a label over 249 bytes or a transcript hash over 255 bytes.
    package func deriveSecret(_ secret: SymmetricKey, label: String, transcriptHash: some HashValueBytes) throws -> SymmetricKey {
        try hkdfExpandLabel(secret: secret, label: label, context: transcriptHash, length: digestLength)
    }

    /// HKDF-Expand-Label with a library constant label, a context of at most 255 bytes and a
    /// length in `1...255 * Hash.length` (all checked by the callers' construction).
    func expandLabelUnchecked(secret: SymmetricKey, label: StaticString, context: some Collection<UInt8>, length: Int) -> SymmetricKey {
        HKDFExpander.expandLabel(hash: self, pseudoRandomKey: secret, label: label, context: context, length: length)
    }
}
