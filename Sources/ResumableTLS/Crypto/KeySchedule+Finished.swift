import Crypto

extension KeySchedule {
    /// `finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length)` (RFC 8446 §4.4.4).
    /// `baseKey` is a handshake traffic secret (Finished) or a binder key (PSK binder).
    package static func finishedKey(hash: TLSHashAlgorithm, baseKey: SymmetricKey) -> SymmetricKey {
        hash.expandLabelUnchecked(secret: baseKey, label: "finished", context: [UInt8](), length: hash.digestLength)
    }

    /// `verify_data = HMAC(finished_key, Transcript-Hash(Handshake Context, Certificate*,
    /// CertificateVerify*))` (RFC 8446 §4.4.4).
    package static func verifyData(hash: TLSHashAlgorithm, baseKey: SymmetricKey, transcriptHash: [UInt8]) -> [UInt8] {
        hash.hmac(key: finishedKey(hash: hash, baseKey: baseKey), data: transcriptHash)
    }

    /// Whether a received `verify_data` is correct, compared in constant time (RFC 8446 §4.4.4:
    /// a mismatch is `decrypt_error`).
    package static func isValidVerifyData(_ verifyData: [UInt8], hash: TLSHashAlgorithm, baseKey: SymmetricKey, transcriptHash: [UInt8]) -> Bool {
        hash.isValidHMAC(verifyData, key: finishedKey(hash: hash, baseKey: baseKey), data: transcriptHash)
    }
}
