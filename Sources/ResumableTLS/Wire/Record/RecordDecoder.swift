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
        if readIndex > 0 && readIndex >= buffer.count / 2 {
            buffer.removeSubrange(0..<readIndex)
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete record, or nil if more bytes are needed. Throws on a header that can
    /// never become a valid record (see `RecordHeader.init(parsing:maxFragmentLength:)`).
    package mutating func nextRecord() throws -> TLSRecord? {
        guard buffer.count - readIndex >= RecordLimits.headerLength else { return nil }
        var reader = ByteReader(buffer[readIndex...])
        let header = try RecordHeader(parsing: &reader, maxFragmentLength: maxFragmentLength)
        guard reader.remaining >= header.length else { return nil }
        let end = readIndex + RecordLimits.headerLength + header.length
        let record = TLSRecord(header: header, bytes: Array(buffer[readIndex..<end]))
        readIndex = end
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: keepsCapacityWhenEmpty)
            readIndex = 0
        }
        return record
    }
}
