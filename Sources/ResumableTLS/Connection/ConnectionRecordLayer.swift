/// The record layer of one connection: frames received bytes into records and opens them with
/// the current read keys; coalesces outgoing handshake messages into records and seals them with
/// the current write keys (RFC 8446 §5).
///
/// Handshake bytes are queued and written as few records as possible: a whole flight of one
/// epoch (EncryptedExtensions … Finished) usually goes out in a single record. Queued bytes
/// are always flushed under the keys they were queued under, before keys change.
struct ConnectionRecordLayer {
    /// One received record, opened.
    struct Received {
        var contentType: ContentType
        var content: ArraySlice<UInt8>
        /// Whether it arrived protected.
        var wasProtected: Bool
    }

    private var decoder = RecordDecoder()
    private(set) var readProtection: RecordCipher?
    private(set) var writeProtection: RecordCipher?
    /// The TLS 1.3 traffic secrets in use, for KeyUpdate (nil in TLS 1.2).
    private(set) var readSecret: TrafficSecret?
    private(set) var writeSecret: TrafficSecret?
    private var pendingHandshake: [UInt8] = []
    /// Bytes ready for the transport.
    private(set) var output: [UInt8] = []

    /// The largest plaintext we put in one record (the peer's record_size_limit minus the type byte).
    var maxSendFragment = RecordLimits.maxPlaintextLength
    /// The largest inner plaintext content we accept (our record_size_limit minus the type byte).
    var maxReceiveFragment = RecordLimits.maxPlaintextLength
    /// `legacy_record_version` of our unprotected records: 0x0301 for a first ClientHello
    /// (RFC 8446 §5.1, for middleboxes), 0x0303 otherwise.
    var plaintextRecordVersion = ProtocolVersion.tls12

    // MARK: Receiving

    mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        decoder.append(bytes)
    }

    var bufferedByteCount: Int { decoder.bufferedByteCount }

    /// From now on the receive buffer is freed whenever it empties (an established connection).
    mutating func releaseIdleBuffers() { decoder.releaseCapacity() }

    /// The next record, opened if read keys are installed, or nil if more bytes are needed.
    /// Declined early data is skipped on the way (`skipEarlyData(_:upTo:)`).
    mutating func nextRecord() throws -> Received? {
        // Records are opened where they lie in the receive buffer and handed on as slices of
        // it: no copy per record.
        while let (header, range) = try decoder.nextRecordInPlace() {
            let contentType = header.contentType
            if let skip = earlyDataSkip, skip.mode == .applicationDataRecords {
                if contentType == .applicationData {
                    try countSkippedEarlyData(header.length)
                    continue
                }
                if contentType == .handshake { earlyDataSkip = nil }   // the second ClientHello
            }
            guard var protection = readProtection, protection.protects(contentType) else {
                if header.length == 0 && contentType != .applicationData {
                    throw TLSError.unexpectedMessage("empty \(contentType) record")
                }
                let fragment = range.lowerBound + RecordLimits.headerLength ..< range.upperBound
                return Received(contentType: contentType, content: decoder.bufferedSlice(fragment), wasProtected: false)
            }
            let opened: OpenedRecord
            if earlyDataSkip?.mode == .undecryptableRecords {
                // A failed trial leaves the keys' sequence number where it was.
                guard let result = try? decoder.withBufferedBytes({ try protection.open(&$0, record: range) }) else {
                    try countSkippedEarlyData(header.length)
                    continue
                }
                opened = result
                earlyDataSkip = nil
            } else {
                opened = try decoder.withBufferedBytes { try protection.open(&$0, record: range) }
            }
            readProtection = protection
            guard opened.content.count <= maxReceiveFragment else {
                throw TLSError.recordOverflow("record of \(opened.content.count) bytes exceeds our record_size_limit")
            }
            return Received(contentType: opened.contentType, content: decoder.bufferedSlice(opened.content), wasProtected: true)
        }
        return nil
    }

    /// Declined early data being skipped, and how many bytes more may be (RFC 8446 §4.2.10).
    private var earlyDataSkip: (mode: EarlyDataSkipping, remaining: Int, limit: Int)?

    /// Skips the client's early data as `mode` says, up to `limit` bytes of plaintext; more is
    /// `unexpected_message`.
    mutating func skipEarlyData(_ mode: EarlyDataSkipping, upTo limit: Int) {
        earlyDataSkip = (mode, max(0, limit), max(0, limit))
        // Early data records are ciphertext, however the keys stand.
        decoder.maxFragmentLength = RecordLimits.maxCiphertextLength
    }

    private mutating func countSkippedEarlyData(_ ciphertextLength: Int) throws {
        guard var skip = earlyDataSkip else { return }
        // The most plaintext a TLS 1.3 record of this size can hold: less the tag and the type.
        let length = max(0, ciphertextLength - 17)
        guard length <= skip.remaining else {
            throw TLSError.protocolViolation(alert: .unexpectedMessage, reason: .tooMuchEarlyData(limit: skip.limit))
        }
        skip.remaining -= length
        earlyDataSkip = skip
    }

    /// Installs read keys; a handshake message must not straddle the change (checked by the caller).
    mutating func setReadKeys(_ keys: RecordKeys) {
        if case .tls13(let secret) = keys { readSecret = secret } else { readSecret = nil }
        readProtection = keys.makeCipher()
        decoder.maxFragmentLength = RecordLimits.maxCiphertextLength
    }

    // MARK: Sending

    /// Queues a handshake message for the current write epoch.
    mutating func queueHandshake(_ message: [UInt8]) {
        // A flight's first message is kept as it is, not copied: many flights are one message.
        if pendingHandshake.isEmpty {
            pendingHandshake = message
            return
        }
        // The rest of the flight joins it in one buffer, grown once to a flight's usual size (a
        // resumed flight is well under it, a full one's certificate usually too).
        let needed = pendingHandshake.count + message.count
        if pendingHandshake.capacity < needed { pendingHandshake.reserveCapacity(max(needed, Self.flightReservation)) }
        pendingHandshake.append(contentsOf: message)
    }

    /// The room reserved for a flight's handshake bytes and for the records written before
    /// the caller takes them: one allocation instead of one per growth.
    private static let flightReservation = 2048

    /// Writes queued handshake bytes as records under the current keys.
    mutating func flushHandshake() throws {
        guard !pendingHandshake.isEmpty else { return }
        // Taken, not copied: a copy would leave the emptied buffer reallocated at full size for
        // the rest of the connection.
        var bytes: [UInt8] = []
        swap(&bytes, &pendingHandshake)
        try writeRecords(.handshake, bytes)
    }

    /// Drops the write keys: a client that sent early data writes its second ClientHello in
    /// the clear after a HelloRetryRequest (RFC 8446 §4.1.2).
    mutating func dropWriteKeys() throws {
        try flushHandshake()
        writeSecret = nil
        writeProtection = nil
    }

    /// Installs write keys, first flushing what was queued under the old ones.
    mutating func setWriteKeys(_ keys: RecordKeys) throws {
        try flushHandshake()
        if case .tls13(let secret) = keys { writeSecret = secret } else { writeSecret = nil }
        writeProtection = keys.makeCipher()
    }

    /// Writes a ChangeCipherSpec (always unprotected): TLS 1.3's middlebox-compatibility one,
    /// or TLS 1.2's, after which the caller installs the new write keys.
    mutating func writeChangeCipherSpec() throws {
        try flushHandshake()
        output.append(contentsOf: ChangeCipherSpec.record)
    }

    /// Writes an alert, protected if write keys exist.
    mutating func writeAlert(_ alert: Alert) throws {
        try flushHandshake()
        try writeRecords(.alert, alert.bytes)
    }

    /// Writes application data in records of at most `maxSendFragment` bytes.
    mutating func writeApplicationData<C: RandomAccessCollection>(_ data: C) throws where C.Element == UInt8, C.Index == Int {
        try flushHandshake()
        try writeRecords(.applicationData, data)
    }

    /// Hands the bytes written so far to the caller.
    mutating func takeOutput() -> [UInt8] {
        defer { output.removeAll(keepingCapacity: false) }
        return output
    }

    private mutating func writeRecords<C: RandomAccessCollection>(_ type: ContentType, _ payload: C) throws where C.Element == UInt8, C.Index == Int {
        // Each record adds its header and at most 256 bytes of expansion (RFC 8446 §5.2).
        let records = payload.count / max(1, maxSendFragment) + 1
        let needed = output.count + payload.count + records * (RecordLimits.headerLength + 256)
        if output.capacity < needed {
            output.reserveCapacity(max(needed, 2 * output.capacity, Self.flightReservation))
        }
        guard var protection = writeProtection else {
            RecordEncoder.appendPlaintextRecords(
                contentType: type, payload: payload, legacyVersion: plaintextRecordVersion,
                maxFragmentLength: maxSendFragment, into: &output)
            return
        }
        let base = payload.startIndex
        for range in RecordEncoder.fragmentRanges(payloadLength: payload.count, maxFragmentLength: maxSendFragment) {
            let start = output.count
            output.append(contentsOf: repeatElement(0, count: protection.recordPrefixLength))
            output.append(contentsOf: payload[(base + range.lowerBound)..<(base + range.upperBound)])
            try protection.seal(&output, recordStart: start, contentType: type)
        }
        writeProtection = protection
    }
}
