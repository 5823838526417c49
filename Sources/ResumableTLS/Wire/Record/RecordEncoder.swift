/// Writes unprotected TLS records (RFC 8446 §5.1): splits a payload into fragments of at most
/// `maxFragmentLength` bytes, each behind its own header.
///
/// Several handshake messages of one flight are coalesced by passing their concatenation as one
/// payload; a message larger than a record is split across records. Protected records are
/// written by record protection, which reuses `fragmentRanges(payloadLength:maxFragmentLength:)`.
package enum RecordEncoder {
    /// The ranges of a payload that become successive records. An empty payload gives one empty
    /// range (an empty application_data record is legal; callers never send empty handshake or
    /// alert payloads).
    package static func fragmentRanges(payloadLength: Int, maxFragmentLength: Int) -> [Range<Int>] {
        let limit = max(1, min(maxFragmentLength, RecordLimits.maxPlaintextLength))
        guard payloadLength > 0 else { return [0..<0] }
        return stride(from: 0, to: payloadLength, by: limit).map { $0..<min($0 + limit, payloadLength) }
    }

    /// Appends `payload` to `output` as plaintext records of type `contentType`.
    package static func appendPlaintextRecords<C: RandomAccessCollection>(
        contentType: ContentType,
        payload: C,
        legacyVersion: ProtocolVersion = .tls12,
        maxFragmentLength: Int = RecordLimits.maxPlaintextLength,
        into output: inout [UInt8]
    ) where C.Element == UInt8, C.Index == Int {
        var writer = ByteWriter()
        swap(&writer.bytes, &output)
        let base = payload.startIndex
        for range in fragmentRanges(payloadLength: payload.count, maxFragmentLength: maxFragmentLength) {
            RecordHeader(contentType: contentType, legacyVersion: legacyVersion, length: range.count).encode(into: &writer)
            writer.writeBytes(payload[(base + range.lowerBound)..<(base + range.upperBound)])
        }
        swap(&writer.bytes, &output)
    }
}
