import Crypto

extension KeySchedule {
    /// The TLS exporter (RFC 8446 §7.5):
    ///
    ///     TLS-Exporter(label, context_value, key_length) =
    ///         HKDF-Expand-Label(Derive-Secret(Secret, label, ""), "exporter", Hash(context_value), key_length)
    ///
    /// `exporterMasterSecret` is the exporter master secret (or the early exporter master secret
    /// for 0-RTT exporters). In TLS 1.3 an absent context and an empty context give the same
    /// value. Throws `internal_error` for a label over 249 bytes or a length outside
    /// `1...255 * Hash.length`.
    package static func exportKeyingMaterial(hash: TLSHashAlgorithm, exporterMasterSecret: SymmetricKey, label: String, context: [UInt8], length: Int) throws -> [UInt8] {
        let labelSecret = try hash.deriveSecret(exporterMasterSecret, label: label, transcriptHash: hash.emptyHash)
        return try hash.hkdfExpandLabel(secret: labelSecret, label: "exporter", context: hash.hash(context), length: length).tlsBytes
    }
}
