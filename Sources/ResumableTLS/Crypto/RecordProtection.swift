import Crypto

/// One direction of TLS 1.3 record protection (RFC 8446 §5.2–§5.4): a write key, write IV and
/// 64-bit sequence number, sealing and opening `TLSCiphertext` records in place.
///
/// A sealed record is laid out as
///
///     header (5):  opaque_type = 23, legacy_record_version = 0x0303, length
///     encrypted_record (length): AEAD(content || ContentType || zeros) || tag (16)
///
/// with the header as the AEAD's additional data and the nonce `write_iv XOR sequence number`
/// (§5.3). The sequence number advances once per sealed record and once per record that
/// authenticates; a failed open leaves it unchanged (so a server can skip rejected 0-RTT
/// records, §4.2.10).
///
/// Errors on open (all `TLSError.protocolViolation`):
/// - outer type not application_data: `unexpected_message`;
/// - ciphertext length field over 2^14 + 256: `record_overflow`;
/// - header length not matching the record's bytes: `decode_error`;
/// - ciphertext shorter than the 16-byte tag: `bad_record_mac` (it cannot authenticate);
/// - authentication failure: `bad_record_mac`;
/// - TLSInnerPlaintext over 2^14 + 1 bytes: `record_overflow`;
/// - all-zero TLSInnerPlaintext, an unknown or change_cipher_spec inner type, or an empty
///   handshake or alert record: `unexpected_message`.
///
/// After a thrown error the buffer's contents in the record's range are unspecified.
package struct RecordProtection: Sendable {
    /// The TLSCiphertext header length: type, legacy version, length (RFC 8446 §5.2).
    package static let headerLength = 5
    /// The largest TLSInnerPlaintext content: 2^14 bytes (RFC 8446 §5.1).
    package static let maxPlaintextLength = 1 << 14
    /// The largest TLSInnerPlaintext (content, type byte and padding): 2^14 + 1 bytes (§5.4).
    package static let maxInnerPlaintextLength = (1 << 14) + 1
    /// The largest TLSCiphertext.length: 2^14 + 256 bytes (RFC 8446 §5.2).
    package static let maxCiphertextLength = (1 << 14) + 256

    /// The AEAD in use.
    package let aead: TLSAEADAlgorithm
    /// The sequence number the next record will use (RFC 8446 §5.3).
    package private(set) var sequenceNumber: UInt64
    /// The write IV, held inline as the nonce of sequence number 0: the key itself lives in the
    /// backend only (one copy per direction).
    private let iv: RecordNonce
    private let backend: any RecordAEADBackend

    /// Record protection with `keys`, starting at `sequenceNumber` (0 for a fresh key, §5.3).
    /// The AEAD is keyed here, once, and seals and opens in place (`RecordAEADImplementation.inPlace`).
    package init(keys: TrafficKeys, sequenceNumber: UInt64 = 0) {
        self.init(keys: keys, sequenceNumber: sequenceNumber, implementation: .inPlace)
    }

    /// Record protection with a chosen AEAD implementation (for the benchmarks).

    package init(keys: TrafficKeys, sequenceNumber: UInt64 = 0, implementation: RecordAEADImplementation) {
        self.aead = keys.aead
        self.iv = RecordNonce(iv: keys.iv, sequenceNumber: 0)
        self.sequenceNumber = sequenceNumber
        self.backend = implementation.makeBackend(algorithm: keys.aead, key: keys.key)
    }

    private init(aead: TLSAEADAlgorithm, iv: RecordNonce, backend: any RecordAEADBackend) {
        self.aead = aead
        self.iv = iv
        self.sequenceNumber = 0
        self.backend = backend
    }

    /// Record protection for `suite` with the keys derived from `trafficSecret` (RFC 8446 §7.3),
    /// starting at sequence number 0.
    package init(suite: TLS13CipherSuiteParameters, trafficSecret: SymmetricKey) {
        // The key and IV are derived on the stack (zeroed after) and go straight into the AEAD
        // context and the inline IV: no `SymmetricKey` or array per direction.
        let expander = HKDFExpander(hash: suite.hash, pseudoRandomKey: trafficSecret)
        let keyed = expander.withExpandedLabel("iv", context: EmptyCollection<UInt8>(), length: suite.ivLength) { iv in
            expander.withExpandedLabel("key", context: EmptyCollection<UInt8>(), length: suite.keyLength) { key in
                BoringSSLAEADBackend(algorithm: suite.aead, keyBytes: key).map {
                    RecordProtection(aead: suite.aead, iv: RecordNonce(iv: iv, sequenceNumber: 0), backend: $0)
                }
            }
        }
        if let keyed, let keyed, let keyed {
            self = keyed
        } else {
            self.init(keys: TrafficKeys(suite: suite, trafficSecret: trafficSecret))
        }
    }

    /// The total length of a sealed record holding `contentLength` bytes and `paddingLength`
    /// zero bytes of padding: header, content, type byte, padding and tag.
    package func sealedRecordLength(contentLength: Int, paddingLength: Int = 0) -> Int {
        Self.headerLength + contentLength + 1 + paddingLength + aead.tagLength
    }

    /// Seals the record that `record` holds: 5 reserved header bytes followed by the content.
    /// See `seal(_:recordStart:contentType:paddingLength:)`.
    package mutating func seal(record: inout [UInt8], contentType: ContentType, paddingLength: Int = 0) throws {
        try seal(&record, recordStart: 0, contentType: contentType, paddingLength: paddingLength)
    }

    /// Seals, in place, the record at the end of `buffer` (RFC 8446 §5.2): `buffer[recordStart...]`
    /// holds 5 reserved header bytes followed by the content. The type byte, `paddingLength` zero
    /// bytes and the tag are appended, the content is encrypted where it lies and the header is
    /// written. Bytes before `recordStart` (earlier records) are untouched.
    ///
    /// Throws `internal_error` for local misuse: no room for the header, content over 2^14,
    /// an inner plaintext over 2^14 + 1 with padding, negative padding, change_cipher_spec (never
    /// protected), an empty handshake or alert record, or an exhausted sequence number (rekey
    /// before 2^64 - 1 records; a nonce is never reused).
    package mutating func seal(_ buffer: inout [UInt8], recordStart: Int, contentType: ContentType, paddingLength: Int = 0) throws {
        guard recordStart >= 0, recordStart <= buffer.count, buffer.count - recordStart >= Self.headerLength else {
            throw TLSError.internalError("seal: no room for the record header")
        }
        let contentStart = recordStart + Self.headerLength
        let contentLength = buffer.count - contentStart
        guard paddingLength >= 0, contentLength <= Self.maxPlaintextLength,
              paddingLength <= Self.maxInnerPlaintextLength - 1 - contentLength else {
            throw TLSError.internalError("seal: content \(contentLength) with padding \(paddingLength) exceeds the record limit")
        }
        guard contentType != .changeCipherSpec else {
            throw TLSError.internalError("seal: change_cipher_spec is never protected")
        }
        guard contentLength > 0 || contentType == .applicationData else {
            throw TLSError.internalError("seal: empty \(contentType) record")
        }
        guard sequenceNumber < UInt64.max else {
            throw TLSError.internalError("seal: sequence number exhausted; update the keys")
        }
        let innerLength = contentLength + 1 + paddingLength
        let ciphertextLength = innerLength + aead.tagLength
        buffer.reserveCapacity(buffer.count + 1 + paddingLength + aead.tagLength)
        buffer.append(contentType.rawValue)
        buffer.append(contentsOf: repeatElement(0, count: paddingLength + aead.tagLength))
        buffer[recordStart] = ContentType.applicationData.rawValue
        buffer[recordStart + 1] = 0x03
        buffer[recordStart + 2] = 0x03
        buffer[recordStart + 3] = UInt8(truncatingIfNeeded: ciphertextLength >> 8)
        buffer[recordStart + 4] = UInt8(truncatingIfNeeded: ciphertextLength)
        try backend.sealInPlace(&buffer, plaintext: contentStart ..< contentStart + innerLength,
                                nonce: iv.xoring(sequenceNumber: sequenceNumber), additionalData: recordStart ..< contentStart)
        sequenceNumber += 1
    }

    /// Opens, in place, the record that fills `record` (header included). See
    /// `open(_:record:)`.
    package mutating func open(record: inout [UInt8]) throws -> OpenedRecord {
        try open(&record, record: record.startIndex ..< record.endIndex)
    }

    /// Opens, in place, the protected record at `buffer[record]` (header included; RFC 8446
    /// §5.2): authenticates and decrypts it, strips the padding and returns the inner content
    /// type and the range of `buffer` now holding the plaintext content. Bytes outside `record`
    /// are untouched. Errors are listed in the type's documentation.
    package mutating func open(_ buffer: inout [UInt8], record: Range<Int>) throws -> OpenedRecord {
        guard record.lowerBound >= 0, record.upperBound <= buffer.count else {
            throw TLSError.internalError("open: record range outside the buffer")
        }
        guard record.count >= Self.headerLength else {
            throw TLSError.decodeError("protected record shorter than its header")
        }
        let start = record.lowerBound
        guard buffer[start] == ContentType.applicationData.rawValue else {
            throw TLSError.unexpectedMessage("protected record with outer type \(buffer[start])")
        }
        let length = Int(buffer[start + 3]) << 8 | Int(buffer[start + 4])
        guard length <= Self.maxCiphertextLength else {
            throw TLSError.recordOverflow("ciphertext of \(length) bytes exceeds 2^14 + 256")
        }
        guard length == record.count - Self.headerLength else {
            throw TLSError.decodeError("record length \(length) does not match \(record.count - Self.headerLength) bytes")
        }
        guard length >= aead.tagLength else {
            throw TLSError.protocolViolation(alert: .badRecordMAC, reason: .recordAuthenticationFailed("ciphertext shorter than the AEAD tag"))
        }
        guard sequenceNumber < UInt64.max else {
            throw TLSError.internalError("open: sequence number exhausted; update the keys")
        }
        let inner = start + Self.headerLength ..< record.upperBound - aead.tagLength
        try backend.openInPlace(&buffer, ciphertext: inner, nonce: iv.xoring(sequenceNumber: sequenceNumber),
                                additionalData: start ..< start + Self.headerLength)
        sequenceNumber += 1

        guard inner.count <= Self.maxInnerPlaintextLength else {
            throw TLSError.recordOverflow("inner plaintext of \(inner.count) bytes exceeds 2^14 + 1")
        }
        var typeIndex = inner.upperBound - 1
        while typeIndex >= inner.lowerBound, buffer[typeIndex] == 0 { typeIndex -= 1 }
        guard typeIndex >= inner.lowerBound else {
            throw TLSError.unexpectedMessage("protected record without a content type (all zeros)")
        }
        guard let contentType = ContentType(rawValue: buffer[typeIndex]), contentType != .changeCipherSpec else {
            throw TLSError.unexpectedMessage("protected record with inner content type \(buffer[typeIndex])")
        }
        let content = inner.lowerBound ..< typeIndex
        guard !content.isEmpty || contentType == .applicationData else {
            throw TLSError.unexpectedMessage("empty \(contentType) record")
        }
        return OpenedRecord(contentType: contentType, content: content)
    }
}
