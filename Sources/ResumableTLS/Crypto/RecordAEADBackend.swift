import Crypto

/// The AEAD behind record protection, in place on a caller's buffer (RFC 8446 §5.2).
///
/// `RecordProtection` depends only on this protocol so that the backend can be swapped without
/// changing the record layer. Callers (`RecordProtection`) guarantee that every range is inside
/// the buffer, that `tagLength` bytes follow the plaintext or ciphertext, and that the
/// additional data (the record header) does not overlap them.
protocol RecordAEADBackend: Sendable {
    /// Encrypts `buffer[plaintext]` in place and writes the tag into the `tagLength` bytes that
    /// follow it, authenticating `buffer[additionalData]`. Throws `internal_error` if the AEAD
    /// fails.
    func sealInPlace(_ buffer: inout [UInt8], plaintext: Range<Int>, nonce: RecordNonce, additionalData: Range<Int>) throws

    /// Authenticates `buffer[ciphertext]` and `buffer[additionalData]` with the tag in the
    /// `tagLength` bytes that follow the ciphertext and decrypts it in place. Throws
    /// `bad_record_mac` on authentication failure; the buffer's contents in `ciphertext` are then
    /// unspecified.
    func openInPlace(_ buffer: inout [UInt8], ciphertext: Range<Int>, nonce: RecordNonce, additionalData: Range<Int>) throws

    /// `sealInPlace` with additional data held outside the buffer (TLS 1.2's 13-byte
    /// `seq_num + type + version + length`, RFC 5246 §6.2.3.3).
    func sealInPlace(_ buffer: inout [UInt8], plaintext: Range<Int>, nonce: RecordNonce, additionalData: UnsafeRawBufferPointer) throws

    /// `openInPlace` with additional data held outside the buffer.
    func openInPlace(_ buffer: inout [UInt8], ciphertext: Range<Int>, nonce: RecordNonce, additionalData: UnsafeRawBufferPointer) throws
}

/// Which AEAD implementation a `RecordProtection` uses. Exposed to the benchmarks only, so that
/// `rtls bench` measures both in one run (issue 7); the library always uses `.inPlace`.

package enum RecordAEADImplementation: Sendable, CaseIterable {
    /// BoringSSL's `EVP_AEAD_CTX` (the copy inside swift-crypto), keyed once per traffic key,
    /// sealing and opening in place: no allocation or copy per record.
    case inPlace
    /// swift-crypto's package `AES.GCM` / `ChaChaPoly`: keys the AEAD on every call and copies
    /// the result out of a `SealedBox`.
    case swiftCryptoSealedBox

    func makeBackend(algorithm: TLSAEADAlgorithm, key: SymmetricKey) -> any RecordAEADBackend {
        switch self {
        case .inPlace:
            // Keying fails only for a key of the wrong length, which TrafficKeys rules out;
            // fall back rather than trap.
            if let backend = BoringSSLAEADBackend(algorithm: algorithm, key: key) { return backend }
            return SwiftCryptoAEADBackend(algorithm: algorithm, key: key)
        case .swiftCryptoSealedBox:
            return SwiftCryptoAEADBackend(algorithm: algorithm, key: key)
        }
    }
}
