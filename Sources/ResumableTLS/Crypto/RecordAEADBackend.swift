import Crypto

/// The AEAD behind record protection, in place on a caller's buffer (RFC 8446 §5.2).
///
/// `RecordProtection` depends only on this protocol so that the backend can be swapped (for
/// an in-place AEAD that does not copy through swift-crypto's `SealedBox`) without changing
/// the record layer. Callers (`RecordProtection`) guarantee that every range is inside the
/// buffer, that `tagLength` bytes follow it, and that nonces are `ivLength` bytes.
protocol RecordAEADBackend: Sendable {
    /// Encrypts `buffer[plaintext]` in place and writes the tag into the `tagLength` bytes that
    /// follow it. Throws `internal_error` if the AEAD fails.
    func sealInPlace(_ buffer: inout [UInt8], plaintext: Range<Int>, nonce: [UInt8], additionalData: [UInt8]) throws

    /// Authenticates `buffer[ciphertext]` with the tag in the `tagLength` bytes that follow it and
    /// decrypts it in place. Throws `bad_record_mac` on authentication failure; the buffer's
    /// contents in `ciphertext` are then unspecified.
    func openInPlace(_ buffer: inout [UInt8], ciphertext: Range<Int>, nonce: [UInt8], additionalData: [UInt8]) throws
}

/// The swift-crypto backend: `AES.GCM` and `ChaChaPoly`. It copies through `SealedBox`
/// internally and writes the result back into the buffer.
struct SwiftCryptoAEADBackend: RecordAEADBackend {
    let algorithm: TLSAEADAlgorithm
    let key: SymmetricKey

    init(algorithm: TLSAEADAlgorithm, key: SymmetricKey) {
        self.algorithm = algorithm
        self.key = key
    }

    func sealInPlace(_ buffer: inout [UInt8], plaintext: Range<Int>, nonce: [UInt8], additionalData: [UInt8]) throws {
        let tagRange = plaintext.upperBound ..< plaintext.upperBound + algorithm.tagLength
        do {
            switch algorithm {
            case .aes128GCM, .aes256GCM:
                let box = try AES.GCM.seal(buffer[plaintext], using: key, nonce: AES.GCM.Nonce(data: nonce), authenticating: additionalData)
                buffer.replaceSubrange(plaintext, with: box.ciphertext)
                buffer.replaceSubrange(tagRange, with: box.tag)
            case .chaCha20Poly1305:
                let box = try ChaChaPoly.seal(buffer[plaintext], using: key, nonce: ChaChaPoly.Nonce(data: nonce), authenticating: additionalData)
                buffer.replaceSubrange(plaintext, with: box.ciphertext)
                buffer.replaceSubrange(tagRange, with: box.tag)
            }
        } catch {
            throw TLSError.internalError("AEAD seal failed: \(error)")
        }
    }

    func openInPlace(_ buffer: inout [UInt8], ciphertext: Range<Int>, nonce: [UInt8], additionalData: [UInt8]) throws {
        let tagRange = ciphertext.upperBound ..< ciphertext.upperBound + algorithm.tagLength
        do {
            switch algorithm {
            case .aes128GCM, .aes256GCM:
                let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: nonce), ciphertext: buffer[ciphertext], tag: buffer[tagRange])
                let plaintext = try AES.GCM.open(box, using: key, authenticating: additionalData)
                buffer.replaceSubrange(ciphertext, with: plaintext)
            case .chaCha20Poly1305:
                let box = try ChaChaPoly.SealedBox(nonce: ChaChaPoly.Nonce(data: nonce), ciphertext: buffer[ciphertext], tag: buffer[tagRange])
                let plaintext = try ChaChaPoly.open(box, using: key, authenticating: additionalData)
                buffer.replaceSubrange(ciphertext, with: plaintext)
            }
        } catch {
            throw TLSError.protocolViolation(alert: .badRecordMAC, reason: "record authentication failed")
        }
    }
}
