import Crypto

extension KeySchedule {
    /// The PSK of a ticket (RFC 8446 §4.6.1):
    /// `HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length)`.
    ///
    /// Throws `decode_error` for a nonce over 255 bytes (the ticket_nonce vector's limit).
    package static func resumptionPSK(hash: TLSHashAlgorithm, resumptionMasterSecret: SymmetricKey, ticketNonce: [UInt8]) throws -> SymmetricKey {
        guard ticketNonce.count <= 255 else { throw TLSError.decodeError("ticket_nonce longer than 255 bytes") }
        return hash.expandLabelUnchecked(secret: resumptionMasterSecret, label: "resumption", context: ticketNonce, length: hash.digestLength)
    }

    /// The same PSK, handed to `body` on the stack and zeroed afterwards, never a
    /// `SymmetricKey` or an array: for a session that keeps it inline.
    package static func withResumptionPSK<Result>(
        hash: TLSHashAlgorithm, resumptionMasterSecret: SymmetricKey, ticketNonce: some Collection<UInt8>,
        _ body: (UnsafeRawBufferPointer) throws -> Result
    ) throws -> Result {
        guard ticketNonce.count <= 255 else { throw TLSError.decodeError("ticket_nonce longer than 255 bytes") }
        let onStack = try resumptionMasterSecret.withUnsafeBytes { prk in
            try HKDFExpander.withExpandedLabel(hash: hash, pseudoRandomKey: prk, label: "resumption",
                                               context: ticketNonce, length: hash.digestLength, body)
        }
        if let onStack { return onStack }
        // BoringSSL failed on the stack path: the key path.
        let psk = hash.expandLabelUnchecked(secret: resumptionMasterSecret, label: "resumption", context: ticketNonce, length: hash.digestLength)
        return try psk.withUnsafeBytes(body)
    }
}
