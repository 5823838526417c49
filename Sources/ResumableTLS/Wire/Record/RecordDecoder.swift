/// Splits a stream of received bytes into TLS records (RFC 8446 §5.1).
///
/// Bytes arrive in whatever pieces the transport delivers; `append(_:)` buffers them and
/// `nextRecord()` returns each complete record, or nil while one is still partial. The header's
/// length is checked against the current limit before any of the fragment is waited for or
/// copied, so a peer cannot make us buffer more than one maximal record.
package struct RecordDecoder: Sendable {
    private var buffer: [UInt8] = []
    private var readIndex = 0
    /// Whether an emptied buffer keeps its capacity for the next bytes: yes while a handshake
    /// runs (several flights in a row); no once established, so an idle connection holds no
    /// buffer (issue 17: memory per idle connection).
    package var keepsCapacityWhenEmpty = true

    /// The largest fragment accepted: 2^14 for plaintext records, 2^14 + 256 once the peer
    /// protects its records. The connection raises it when it installs read keys.
    package var maxFragmentLength: Int

    /// A decoder expecting plaintext records first.
    package init(maxFragmentLength: Int = RecordLimits.maxPlaintextLength) {
        self.maxFragmentLength = maxFragmentLength
    }

    /// Bytes received and not yet returned as records.
    package var bufferedByteCount: Int { buffer.count - readIndex }

    /// Stops keeping capacity (see `keepsCapacityWhenEmpty`) and frees the buffer if it is empty.
    package mutating func releaseCapacity() {
        keepsCapacityWhenEmpty = false
        if readIndex == buffer.count {
            buffer = []
            readIndex = 0
        }
    }

    /// Buffers received bytes.
    package mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        resetIfConsumed()
        if readIndex > 0 && readIndex >= buffer.count / 2 {
            buffer.removeSubrange(0..<readIndex)
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Empties a fully read buffer. Done lazily (here, not when the last record is handed
    /// out), so the record just returned is no longer shared with the buffer and keeping its
    /// capacity costs no copy.
    package mutating func resetIfConsumed() {
        guard readIndex > 0, readIndex == buffer.count else { return }
        if keepsCapacityWhenEmpty {
            buffer.removeAll(keepingCapacity: true)
        } else {
            buffer = []
        }
        readIndex = 0
    }

    /// The next complete record, copied out of the buffer, or nil if more bytes are needed.
    /// Throws on a header that can never become a valid record (see
    /// `RecordHeader.init(parsing:maxFragmentLength:)`).
    package mutating func nextRecord() throws -> TLSRecord? {
        guard let (header, range) = try nextRecordInPlace() else { return nil }
        return TLSRecord(header: header, bytes: Array(buffer[range]))
    }

    /// The next complete record where it lies: its header and the range of `bufferedBytes`
    /// holding it (header included), now counted as read; nil if more bytes are needed. The
    /// record layer opens it there (`withBufferedBytes(_:)`) and reads it as a slice
    /// (`bufferedSlice(_:)`), with no copy.
    package mutating func nextRecordInPlace() throws -> (header: RecordHeader, range: Range<Int>)? {
        resetIfConsumed()
        guard buffer.count - readIndex >= RecordLimits.headerLength else { return nil }
        // Read by index (five bytes are there): no reader keeps a slice of the buffer.
        let header = try RecordHeader(
            type: buffer[readIndex], version: UInt16(buffer[readIndex + 1]) << 8 | UInt16(buffer[readIndex + 2]),
            length: Int(buffer[readIndex + 3]) << 8 | Int(buffer[readIndex + 4]), maxFragmentLength: maxFragmentLength)
        let end = readIndex + RecordLimits.headerLength + header.length
        guard end <= buffer.count else { return nil }
        let range = readIndex ..< end
        readIndex = end
        return (header, range)
    }

    /// A view of buffered bytes (a record's range, or part of it, once opened).
    package func bufferedSlice(_ range: Range<Int>) -> ArraySlice<UInt8> { buffer[range] }

    /// Runs `body` on the buffered bytes in place (to open a record returned by
    /// `nextRecordInPlace()`); `body` must not change their count.
    package mutating func withBufferedBytes<Result>(_ body: (inout [UInt8]) throws -> Result) rethrows -> Result {
        try body(&buffer)
    }
}
