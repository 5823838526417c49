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
    package static func fragmentRanges(payloadLength: Int, maxFragmentLength: Int) -> FragmentRanges {
        FragmentRanges(payloadLength: payloadLength, limit: max(1, min(maxFragmentLength, RecordLimits.maxPlaintextLength)))
    }

    /// The ranges, made as they are iterated (no array per write).
    package struct FragmentRanges: Sequence, IteratorProtocol {
        private let payloadLength: Int
        private let limit: Int
        private var start = 0
        private var done = false

        init(payloadLength: Int, limit: Int) {
            self.payloadLength = payloadLength
            self.limit = limit
        }

        package mutating func next() -> Range<Int>? {
            guard !done else { return nil }
            let range = start ..< Swift.max(start, Swift.min(start + limit, payloadLength))
            start = range.upperBound
            done = start >= payloadLength
            return range
        }
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
