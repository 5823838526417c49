import Crypto

/// The swift-crypto backend: `AES.GCM` and `ChaChaPoly` through their package API. Each call keys
/// the AEAD afresh and copies through `SealedBox`, then the result is written back into the
/// buffer. Kept as the reference the in-place backend is tested against, and for the benchmarks.
struct SwiftCryptoAEADBackend: RecordAEADBackend {
    let algorithm: TLSAEADAlgorithm
    let key: SymmetricKey

    init(algorithm: TLSAEADAlgorithm, key: SymmetricKey) {
        self.algorithm = algorithm
        self.key = key
    }

    func sealInPlace(_ buffer: inout [UInt8], plaintext: Range<Int>, nonce: RecordNonce, additionalData: Range<Int>) throws {
        try seal(&buffer, plaintext: plaintext, nonce: nonce, header: Array(buffer[additionalData]))
    }

    func openInPlace(_ buffer: inout [UInt8], ciphertext: Range<Int>, nonce: RecordNonce, additionalData: Range<Int>) throws {
        try open(&buffer, ciphertext: ciphertext, nonce: nonce, header: Array(buffer[additionalData]))
    }

    func sealInPlace(_ buffer: inout [UInt8], plaintext: Range<Int>, nonce: RecordNonce, additionalData: UnsafeRawBufferPointer) throws {
        try seal(&buffer, plaintext: plaintext, nonce: nonce, header: Array(additionalData))
    }

    func openInPlace(_ buffer: inout [UInt8], ciphertext: Range<Int>, nonce: RecordNonce, additionalData: UnsafeRawBufferPointer) throws {
        try open(&buffer, ciphertext: ciphertext, nonce: nonce, header: Array(additionalData))
    }

    private func seal(_ buffer: inout [UInt8], plaintext: Range<Int>, nonce: RecordNonce, header: [UInt8]) throws {
        let tagRange = plaintext.upperBound ..< plaintext.upperBound + algorithm.tagLength
        do {
            switch algorithm {
            case .aes128GCM, .aes256GCM:
                let box = try AES.GCM.seal(buffer[plaintext], using: key, nonce: AES.GCM.Nonce(data: nonce.bytes), authenticating: header)
                buffer.replaceSubrange(plaintext, with: box.ciphertext)
                buffer.replaceSubrange(tagRange, with: box.tag)
            case .chaCha20Poly1305:
                let box = try ChaChaPoly.seal(buffer[plaintext], using: key, nonce: ChaChaPoly.Nonce(data: nonce.bytes), authenticating: header)
                buffer.replaceSubrange(plaintext, with: box.ciphertext)
                buffer.replaceSubrange(tagRange, with: box.tag)
            }
        } catch {
            throw TLSError.internalError("AEAD seal failed: \(error)")
        }
    }

    private func open(_ buffer: inout [UInt8], ciphertext: Range<Int>, nonce: RecordNonce, header: [UInt8]) throws {
        let tagRange = ciphertext.upperBound ..< ciphertext.upperBound + algorithm.tagLength
        do {
            switch algorithm {
            case .aes128GCM, .aes256GCM:
                let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: nonce.bytes), ciphertext: buffer[ciphertext], tag: buffer[tagRange])
                let plaintext = try AES.GCM.open(box, using: key, authenticating: header)
                buffer.replaceSubrange(ciphertext, with: plaintext)
            case .chaCha20Poly1305:
                let box = try ChaChaPoly.SealedBox(nonce: ChaChaPoly.Nonce(data: nonce.bytes), ciphertext: buffer[ciphertext], tag: buffer[tagRange])
                let plaintext = try ChaChaPoly.open(box, using: key, authenticating: header)
                buffer.replaceSubrange(ciphertext, with: plaintext)
            }
        } catch {
            throw TLSError.protocolViolation(alert: .badRecordMAC, reason: .recordAuthenticationFailed("record authentication failed"))
        }
    }
}
