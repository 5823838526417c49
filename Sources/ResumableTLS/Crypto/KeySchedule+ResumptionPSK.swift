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
}
