import Crypto

/// The write key and write IV derived from one traffic secret (RFC 8446 §7.3):
///
///     [sender]_write_key = HKDF-Expand-Label(Secret, "key", "", key_length)
///     [sender]_write_iv  = HKDF-Expand-Label(Secret, "iv", "", iv_length)
package struct TrafficKeys: Sendable {
    /// The AEAD the keys are for.
    package let aead: TLSAEADAlgorithm
    /// `[sender]_write_key`.
    package let key: SymmetricKey
    /// `[sender]_write_iv` (12 bytes).
    package let iv: [UInt8]

    /// Derives the key and IV of `suite` from `trafficSecret` (RFC 8446 §7.3).
    package init(suite: TLS13CipherSuiteParameters, trafficSecret: SymmetricKey) {
        self.aead = suite.aead
        let expander = HKDFExpander(hash: suite.hash, pseudoRandomKey: trafficSecret)
        self.key = expander.expandLabel("key", context: [UInt8](), length: suite.keyLength)
        self.iv = expander.expandLabel("iv", context: [UInt8](), length: suite.ivLength).tlsBytes
    }

    /// Keys given directly. Throws `internal_error` if the key or IV has the wrong length.
    package init(aead: TLSAEADAlgorithm, key: SymmetricKey, iv: [UInt8]) throws {
        guard key.bitCount == aead.keyLength * 8, iv.count == aead.ivLength else {
            throw TLSError.internalError("traffic key or IV of the wrong length for \(aead)")
        }
        self.aead = aead
        self.key = key
        self.iv = iv
    }

    /// The per-record nonce (RFC 8446 §5.3): the 64-bit sequence number in network byte order,
    /// left-padded with zeros to the IV length, XORed with the write IV.
    package func nonce(sequenceNumber: UInt64) -> [UInt8] {
        RecordNonce(iv: iv, sequenceNumber: sequenceNumber).bytes
    }

    /// The same nonce held inline, for the record layer (no allocation per record).
    func recordNonce(sequenceNumber: UInt64) -> RecordNonce {
        RecordNonce(iv: iv, sequenceNumber: sequenceNumber)
    }
}
