import Crypto

extension KeySchedule {
    /// `finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length)` (RFC 8446 §4.4.4).
    /// `baseKey` is a handshake traffic secret (Finished) or a binder key (PSK binder).
    package static func finishedKey(hash: TLSHashAlgorithm, baseKey: SymmetricKey) -> SymmetricKey {
        hash.expandLabelUnchecked(secret: baseKey, label: "finished", context: [UInt8](), length: hash.digestLength)
    }

    /// `verify_data = HMAC(finished_key, Transcript-Hash(Handshake Context, Certificate*,
    /// CertificateVerify*))` (RFC 8446 §4.4.4).
    package static func verifyData(hash: TLSHashAlgorithm, baseKey: SymmetricKey, transcriptHash: some HashValueBytes) -> [UInt8] {
        baseKey.withUnsafeBytes { verifyData(hash: hash, baseKeyBytes: $0, transcriptHash: transcriptHash) }
            ?? hash.hmac(key: finishedKey(hash: hash, baseKey: baseKey), data: transcriptHash)
    }

    /// `verify_data` under a base key given as bytes, with the Finished key only ever on the
    /// stack (zeroed after use); nil only if BoringSSL fails.
    static func verifyData(hash: TLSHashAlgorithm, baseKeyBytes: UnsafeRawBufferPointer, transcriptHash: some HashValueBytes) -> [UInt8]? {
        let mac = HKDFExpander.withExpandedLabel(hash: hash, pseudoRandomKey: baseKeyBytes, label: "finished",
                                                 context: EmptyCollection<UInt8>(), length: hash.digestLength) { finishedKey -> [UInt8]? in
            var computed = false
            let mac = [UInt8](unsafeUninitializedCapacity: hash.digestLength) { output, initialized in
                computed = transcriptHash.withUnsafeBytes {
                    BoringSSLHMAC.authenticate(hash: hash, key: finishedKey, data: $0, into: UnsafeMutableRawBufferPointer(output))
                }
                initialized = computed ? hash.digestLength : 0
            }
            return computed ? mac : nil
        }
        return mac ?? nil
    }

    /// Whether a received `verify_data` is correct, compared in constant time (RFC 8446 §4.4.4:
    /// a mismatch is `decrypt_error`).
    package static func isValidVerifyData(_ verifyData: some HashValueBytes, hash: TLSHashAlgorithm, baseKey: SymmetricKey, transcriptHash: some HashValueBytes) -> Bool {
        baseKey.withUnsafeBytes { isValidVerifyData(verifyData, hash: hash, baseKeyBytes: $0, transcriptHash: transcriptHash) }
    }

    /// The same under a base key given as bytes, the Finished key only ever on the stack.
    static func isValidVerifyData(_ verifyData: some HashValueBytes, hash: TLSHashAlgorithm, baseKeyBytes: UnsafeRawBufferPointer, transcriptHash: some HashValueBytes) -> Bool {
        let valid = HKDFExpander.withExpandedLabel(hash: hash, pseudoRandomKey: baseKeyBytes, label: "finished",
                                                   context: EmptyCollection<UInt8>(), length: hash.digestLength) { finishedKey in
            transcriptHash.withUnsafeBytes { BoringSSLHMAC.isValid(verifyData, hash: hash, rawKey: finishedKey, data: $0) }
        }
        return valid ?? false
    }
}
