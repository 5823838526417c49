import Testing
@testable import ResumableTLS

/// How a payload is cut into records (RFC 8446 §5.1, RFC 8449): ranges made as they are
/// iterated, covering the payload exactly, none longer than the limit.
@Suite struct FragmentRangesTests {
    @Test("An empty payload is one empty record")
    func empty() {
        #expect(Array(RecordEncoder.fragmentRanges(payloadLength: 0, maxFragmentLength: 16_384)) == [0 ..< 0])
    }

    @Test("Payloads are cut at the limit, the last range takes the rest", arguments: [
        (10, 4, [0 ..< 4, 4 ..< 8, 8 ..< 10]),
        (8, 4, [0 ..< 4, 4 ..< 8]),
        (3, 4, [0 ..< 3]),
        (16_384, 16_384, [0 ..< 16_384]),
        (16_385, 16_384, [0 ..< 16_384, 16_384 ..< 16_385]),
        // A limit above the protocol's is the protocol's; a limit below 1 is 1.
        (20_000, 100_000, [0 ..< 16_384, 16_384 ..< 20_000]),
        (2, 0, [0 ..< 1, 1 ..< 2]),
    ])
    func cuts(payload: Int, limit: Int, expected: [Range<Int>]) {
        #expect(Array(RecordEncoder.fragmentRanges(payloadLength: payload, maxFragmentLength: limit)) == expected)
    }
}
