/// One direction of TLS 1.2 AEAD record protection (RFC 5246 §6.2.3.3, RFC 5288 §3, RFC 7905 §2).
///
/// A sealed record is laid out as
///
///     header (5):  type, version 0x0303, length
///     fragment:    [nonce_explicit (8, AES-GCM only)] AEAD(content) || tag (16)
///
/// with the additional data `seq_num (8) + type + version + plaintext length (2)` and the nonce
/// `salt (4) + nonce_explicit (8)` for AES-GCM (we send the sequence number as the explicit
/// part, so a nonce never repeats under one key), or `IV XOR seq_num` for ChaCha20-Poly1305.
/// Unlike TLS 1.3 the real content type stays in the header and there is no padding.
///
/// Errors on open (all `TLSError.protocolViolation`): a fragment shorter than the explicit nonce
/// and tag, or failing authentication, is `bad_record_mac`; a plaintext over 2^14 bytes is
/// `record_overflow`; change_cipher_spec or an unknown type is `unexpected_message`.
package struct TLS12RecordProtection: Sendable {
    /// The suite in use.
    package let parameters: TLS12CipherSuiteParameters
    /// The sequence number of the next record (RFC 5246 §6.1).
    package private(set) var sequenceNumber: UInt64 = 0
    /// The 12-byte nonce base: the GCM salt followed by 8 zero bytes, or the ChaCha20 IV.
    private let nonceBase: RecordNonce
    private let backend: any RecordAEADBackend

    /// Protection with `keys` from sequence number 0 (each direction restarts at 0 after its
    /// ChangeCipherSpec, RFC 5246 §6.1).
    package init(keys: TLS12TrafficKeys, implementation: RecordAEADImplementation = .inPlace) {
        parameters = keys.parameters
        nonceBase = RecordNonce(iv: keys.fixedIV, sequenceNumber: 0)   // a 4-byte salt is padded with zeros
        backend = implementation.makeBackend(algorithm: keys.parameters.aead, key: keys.key)
    }

    /// The bytes a record reserves before its content: the header and the explicit nonce.
    package var recordPrefixLength: Int { RecordLimits.headerLength + parameters.explicitNonceLength }

    /// Calls `body` with the 13 bytes of additional data, built on the stack.
    private func withAdditionalData<R>(_ type: UInt8, length: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var data: (UInt64, UInt64) = (0, 0)
        return try withUnsafeMutableBytes(of: &data) { raw in
            for index in 0 ..< 8 { raw[index] = UInt8(truncatingIfNeeded: sequenceNumber >> UInt64(56 - 8 * index)) }
            raw[8] = type
            raw[9] = 0x03
            raw[10] = 0x03
            raw[11] = UInt8(truncatingIfNeeded: length >> 8)
            raw[12] = UInt8(truncatingIfNeeded: length)
            return try body(UnsafeRawBufferPointer(rebasing: raw[0 ..< 13]))
        }
    }

    /// Seals, in place, the record at the end of `buffer`: `buffer[recordStart...]` holds
    /// `recordPrefixLength` reserved bytes followed by at most 2^14 bytes of content. The tag is
    /// appended and the header and explicit nonce written. Throws `internal_error` for misuse.
    package mutating func seal(_ buffer: inout [UInt8], recordStart: Int, contentType: ContentType) throws {
        let contentStart = recordStart + recordPrefixLength
        guard recordStart >= 0, contentStart <= buffer.count else {
            throw TLSError.internalError("seal: no room for the record prefix")
        }
        let contentLength = buffer.count - contentStart
        guard contentLength <= RecordLimits.maxPlaintextLength, contentType != .changeCipherSpec else {
            throw TLSError.internalError("seal: \(contentType) record of \(contentLength) bytes cannot be protected")
        }
        guard sequenceNumber < UInt64.max else {
            throw TLSError.internalError("seal: sequence number exhausted")
        }
        let tagLength = parameters.aead.tagLength
        let fragmentLength = parameters.explicitNonceLength + contentLength + tagLength
        buffer.append(contentsOf: repeatElement(0, count: tagLength))
        buffer[recordStart] = contentType.rawValue
        buffer[recordStart + 1] = 0x03
        buffer[recordStart + 2] = 0x03
        buffer[recordStart + 3] = UInt8(truncatingIfNeeded: fragmentLength >> 8)
        buffer[recordStart + 4] = UInt8(truncatingIfNeeded: fragmentLength)
        // The explicit nonce is the sequence number, big-endian (as OpenSSL and BoringSSL send it).
        for index in 0 ..< parameters.explicitNonceLength {
            buffer[recordStart + RecordLimits.headerLength + index] = UInt8(truncatingIfNeeded: sequenceNumber >> UInt64(56 - 8 * index))
        }
        try withAdditionalData(contentType.rawValue, length: contentLength) { ad in
            try backend.sealInPlace(&buffer, plaintext: contentStart ..< contentStart + contentLength,
                                    nonce: nonceBase.xoring(sequenceNumber: sequenceNumber), additionalData: ad)
        }
        sequenceNumber += 1
    }

    /// Opens, in place, the protected record at `buffer[record]` (header included) and returns
    /// its content type and the range of `buffer` now holding the plaintext.
    package mutating func open(_ buffer: inout [UInt8], record: Range<Int>) throws -> OpenedRecord {
        guard record.lowerBound >= 0, record.upperBound <= buffer.count, record.count >= RecordLimits.headerLength else {
            throw TLSError.decodeError("protected record shorter than its header")
        }
        let start = record.lowerBound
        guard let type = ContentType(rawValue: buffer[start]), type != .changeCipherSpec else {
            throw TLSError.unexpectedMessage("protected record of type \(buffer[start])")
        }
        let tagLength = parameters.aead.tagLength
        let explicitLength = parameters.explicitNonceLength
        let fragment = start + RecordLimits.headerLength ..< record.upperBound
        guard fragment.count >= explicitLength + tagLength else {
            throw TLSError.protocolViolation(alert: .badRecordMAC, reason: .recordAuthenticationFailed("record shorter than its nonce and tag"))
        }
        let plaintextLength = fragment.count - explicitLength - tagLength
        guard plaintextLength <= RecordLimits.maxPlaintextLength else {
            throw TLSError.recordOverflow("TLS 1.2 plaintext of \(plaintextLength) bytes exceeds 2^14")
        }
        guard sequenceNumber < UInt64.max else {
            throw TLSError.internalError("open: sequence number exhausted")
        }
        let nonce: RecordNonce
        if explicitLength > 0 {
            // salt || nonce_explicit: the salt's base ends in 8 zero bytes, so XORing the explicit
            // part in as a number puts it in place.
            var explicit: UInt64 = 0
            for index in 0 ..< explicitLength { explicit = explicit << 8 | UInt64(buffer[fragment.lowerBound + index]) }
            nonce = nonceBase.xoring(sequenceNumber: explicit)
        } else {
            nonce = nonceBase.xoring(sequenceNumber: sequenceNumber)
        }
        let ciphertext = fragment.lowerBound + explicitLength ..< fragment.upperBound - tagLength
        try withAdditionalData(type.rawValue, length: plaintextLength) { ad in
            try backend.openInPlace(&buffer, ciphertext: ciphertext, nonce: nonce, additionalData: ad)
        }
        sequenceNumber += 1
        return OpenedRecord(contentType: type, content: ciphertext)
    }
}
