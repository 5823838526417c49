import Crypto
import Testing
@testable import ResumableTLS

@Suite("Crypto: record protection (RFC 8446 §5.2, RFC 8448 records)")
struct CryptoRecordProtectionTests {
    /// The §3 traffic keys.
    struct Keys {
        let clientHandshake, serverHandshake, clientApplication, serverApplication: TrafficKeys
        init() throws {
            let m = try Section3()
            let t = m.transcriptHashes()
            let suite = try #require(Section3.suite)
            let handshake = KeySchedule.Early(hash: .sha256).handshake(sharedSecret: SymmetricKey(bytes: try V.s3("server", "extract secret \"handshake\"", "IKM")))
            let master = handshake.master()
            clientHandshake = TrafficKeys(suite: suite, trafficSecret: handshake.clientHandshakeTrafficSecret(transcriptHash: t.helloHash))
            serverHandshake = TrafficKeys(suite: suite, trafficSecret: handshake.serverHandshakeTrafficSecret(transcriptHash: t.helloHash))
            clientApplication = TrafficKeys(suite: suite, trafficSecret: master.clientApplicationTrafficSecret(transcriptHash: t.serverFinishedHash))
            serverApplication = TrafficKeys(suite: suite, trafficSecret: master.serverApplicationTrafficSecret(transcriptHash: t.serverFinishedHash))
        }
    }

    /// Seals `payload` and compares with `expected`, then opens `expected` back.
    func checkRecord(keys: TrafficKeys, sequenceNumber: UInt64, type: ContentType, payload: [UInt8], expected: [UInt8]) throws {
        var sealer = RecordProtection(keys: keys, sequenceNumber: sequenceNumber)
        var record = [UInt8](repeating: 0, count: 5) + payload
        try sealer.seal(record: &record, contentType: type)
        #expect(record == expected)
        #expect(sealer.sequenceNumber == sequenceNumber + 1)
        #expect(sealer.sealedRecordLength(contentLength: payload.count) == expected.count)

        var opener = RecordProtection(keys: keys, sequenceNumber: sequenceNumber)
        var received = expected
        let opened = try opener.open(record: &received)
        #expect(opened.contentType == type)
        #expect(Array(received[opened.content]) == payload)
        #expect(opener.sequenceNumber == sequenceNumber + 1)
    }

    @Test func simpleHandshakeRecords() throws {
        let k = try Keys()
        // Server's encrypted handshake flight (EE..Finished), server handshake key, seq 0.
        try checkRecord(keys: k.serverHandshake, sequenceNumber: 0, type: .handshake,
                        payload: try V.s3("server", "send handshake record", "payload", occurrence: 1),
                        expected: try V.s3("server", "send handshake record", "complete record", occurrence: 1))
        // Client Finished, client handshake key, seq 0.
        try checkRecord(keys: k.clientHandshake, sequenceNumber: 0, type: .handshake,
                        payload: try V.s3("client", "send handshake record", "payload", occurrence: 1),
                        expected: try V.s3("client", "send handshake record", "complete record", occurrence: 1))
        // NewSessionTicket, server application key, seq 0.
        try checkRecord(keys: k.serverApplication, sequenceNumber: 0, type: .handshake,
                        payload: try V.s3("server", "send handshake record", "payload", occurrence: 2),
                        expected: try V.s3("server", "send handshake record", "complete record", occurrence: 2))
        // Application data: client seq 0, server seq 1.
        try checkRecord(keys: k.clientApplication, sequenceNumber: 0, type: .applicationData,
                        payload: try V.s3("client", "send application_data record", "payload"),
                        expected: try V.s3("client", "send application_data record", "complete record"))
        try checkRecord(keys: k.serverApplication, sequenceNumber: 1, type: .applicationData,
                        payload: try V.s3("server", "send application_data record", "payload"),
                        expected: try V.s3("server", "send application_data record", "complete record"))
        // close_notify alerts: client seq 1, server seq 2.
        try checkRecord(keys: k.clientApplication, sequenceNumber: 1, type: .alert,
                        payload: try V.s3("client", "send alert record", "payload"),
                        expected: try V.s3("client", "send alert record", "complete record"))
        try checkRecord(keys: k.serverApplication, sequenceNumber: 2, type: .alert,
                        payload: try V.s3("server", "send alert record", "payload"),
                        expected: try V.s3("server", "send alert record", "complete record"))
    }

    @Test func sequenceOfRecordsInOneDirection() throws {
        // The server's application records in order through one sealer: NST (0), data (1), alert (2).
        let k = try Keys()
        var sealer = RecordProtection(keys: k.serverApplication)
        var opener = RecordProtection(keys: k.serverApplication)
        var stream: [UInt8] = []
        var ranges: [Range<Int>] = []
        for (type, step, occurrence) in [(ContentType.handshake, "send handshake record", 2), (.applicationData, "send application_data record", 0), (.alert, "send alert record", 0)] {
            let start = stream.count
            stream += [0, 0, 0, 0, 0] + (try V.s3("server", step, "payload", occurrence: occurrence))
            try sealer.seal(&stream, recordStart: start, contentType: type)
            #expect(Array(stream[start...]) == (try V.s3("server", step, "complete record", occurrence: occurrence)))
            ranges.append(start ..< stream.count)
        }
        for range in ranges {
            let before = Array(stream[..<range.lowerBound])
            let opened = try opener.open(&stream, record: range)
            #expect(Array(stream[..<range.lowerBound]) == before)
            #expect(opened.content.lowerBound == range.lowerBound + 5)
        }
        #expect(opener.sequenceNumber == 3)
    }

    @Test func earlyDataRecord() throws {
        let psk = SymmetricKey(bytes: try V.s4("client", "extract secret \"early\"", "IKM"))
        let early = KeySchedule.Early(hash: .sha256, psk: psk)
        let helloHash = TLSHashAlgorithm.sha256.hash(try V.s4("client", "send handshake record", "payload"))
        let suite = try #require(Section3.suite)
        let keys = TrafficKeys(suite: suite, trafficSecret: early.clientEarlyTrafficSecret(transcriptHash: helloHash))
        try checkRecord(keys: keys, sequenceNumber: 0, type: .applicationData,
                        payload: try V.s4("client", "send application_data record", "payload"),
                        expected: try V.s4("client", "send application_data record", "complete record"))
    }

    // MARK: negative tests

    func expectAlert(_ alert: AlertDescription, _ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            try body()
            Issue.record("expected \(alert), nothing thrown", sourceLocation: sourceLocation)
        } catch let error as TLSError {
            #expect(error.alertToSend == alert, "got \(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func flippedBitIsBadRecordMAC() throws {
        let k = try Keys()
        let good = try V.s3("client", "send application_data record", "complete record")
        for index in [5, 20, good.count - 1] {   // ciphertext start, middle, tag
            var record = good
            record[index] ^= 0x01
            var opener = RecordProtection(keys: k.clientApplication)
            expectAlert(.badRecordMAC) { _ = try opener.open(record: &record) }
            #expect(opener.sequenceNumber == 0)   // a failed open does not consume a sequence number
        }
        // The header is authenticated too (additional data): a changed version fails.
        var record = good
        record[2] = 0x01
        var opener = RecordProtection(keys: k.clientApplication)
        expectAlert(.badRecordMAC) { _ = try opener.open(record: &record) }
    }

    @Test func wrongSequenceNumberIsBadRecordMAC() throws {
        let k = try Keys()
        var record = try V.s3("client", "send application_data record", "complete record")
        var opener = RecordProtection(keys: k.clientApplication, sequenceNumber: 1)
        expectAlert(.badRecordMAC) { _ = try opener.open(record: &record) }
    }

    /// A record whose inner plaintext is `inner` exactly, sealed with the backend directly.
    func rawRecord(keys: TrafficKeys, sequenceNumber: UInt64 = 0, inner: [UInt8]) throws -> [UInt8] {
        let length = inner.count + 16
        var record: [UInt8] = [23, 3, 3, UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length)] + inner + [UInt8](repeating: 0, count: 16)
        let backend = SwiftCryptoAEADBackend(algorithm: keys.aead, key: keys.key)
        try backend.sealInPlace(&record, plaintext: 5 ..< 5 + inner.count, nonce: keys.recordNonce(sequenceNumber: sequenceNumber), additionalData: 0 ..< 5)
        return record
    }

    @Test func innerPlaintextFaults() throws {
        let k = try Keys()
        // All zeros: no content type.
        var zeros = try rawRecord(keys: k.clientApplication, inner: [UInt8](repeating: 0, count: 40))
        var opener = RecordProtection(keys: k.clientApplication)
        expectAlert(.unexpectedMessage) { _ = try opener.open(record: &zeros) }
        // Empty inner plaintext.
        var empty = try rawRecord(keys: k.clientApplication, inner: [])
        opener = RecordProtection(keys: k.clientApplication)
        expectAlert(.unexpectedMessage) { _ = try opener.open(record: &empty) }
        // Unknown inner type, protected change_cipher_spec, empty handshake.
        for inner: [UInt8] in [[1, 2, 99, 0, 0], [1, 20], [22, 0, 0], [21]] {
            var record = try rawRecord(keys: k.clientApplication, inner: inner)
            opener = RecordProtection(keys: k.clientApplication)
            expectAlert(.unexpectedMessage) { _ = try opener.open(record: &record) }
        }
        // Empty application data is allowed (§5.1), and padding is stripped.
        var emptyData = try rawRecord(keys: k.clientApplication, inner: [23, 0, 0, 0])
        opener = RecordProtection(keys: k.clientApplication)
        let opened = try opener.open(record: &emptyData)
        #expect(opened.contentType == .applicationData && opened.content.isEmpty)
        // Inner plaintext of 2^14 + 2 bytes authenticates but overflows.
        var big = try rawRecord(keys: k.clientApplication, inner: [UInt8](repeating: 0x41, count: (1 << 14) + 1) + [23])
        opener = RecordProtection(keys: k.clientApplication)
        expectAlert(.recordOverflow) { _ = try opener.open(record: &big) }
        // 2^14 + 1 bytes (full content + type) is fine.
        var full = try rawRecord(keys: k.clientApplication, inner: [UInt8](repeating: 0x41, count: 1 << 14) + [23])
        opener = RecordProtection(keys: k.clientApplication)
        #expect(try opener.open(record: &full).content.count == 1 << 14)
    }

    @Test func malformedCiphertexts() throws {
        let k = try Keys()
        var opener = RecordProtection(keys: k.clientApplication)
        // Ciphertext over 2^14 + 256.
        let overLength = (1 << 14) + 257
        var oversized: [UInt8] = [23, 3, 3, UInt8(overLength >> 8), UInt8(overLength & 0xFF)] + [UInt8](repeating: 0, count: overLength)
        expectAlert(.recordOverflow) { _ = try opener.open(record: &oversized) }
        // Shorter than the tag.
        var short: [UInt8] = [23, 3, 3, 0, 15] + [UInt8](repeating: 0, count: 15)
        expectAlert(.badRecordMAC) { _ = try opener.open(record: &short) }
        // Header length disagreeing with the bytes, and a truncated header.
        var mismatched: [UInt8] = [23, 3, 3, 0, 40] + [UInt8](repeating: 0, count: 20)
        expectAlert(.decodeError) { _ = try opener.open(record: &mismatched) }
        var truncated: [UInt8] = [23, 3]
        expectAlert(.decodeError) { _ = try opener.open(record: &truncated) }
        // Outer type other than application_data.
        var handshake = try V.s3("client", "send application_data record", "complete record")
        handshake[0] = 22
        expectAlert(.unexpectedMessage) { _ = try opener.open(record: &handshake) }
        // A range outside the buffer is refused, not trapped.
        var buffer: [UInt8] = [1, 2, 3]
        expectAlert(.internalError) { _ = try opener.open(&buffer, record: 2 ..< 10) }
        #expect(opener.sequenceNumber == 0)
    }

    @Test func sealRefusesMisuse() throws {
        let k = try Keys()
        var sealer = RecordProtection(keys: k.clientApplication)
        var tooShort: [UInt8] = [0, 0]
        expectAlert(.internalError) { try sealer.seal(record: &tooShort, contentType: .applicationData) }
        var tooBig = [UInt8](repeating: 0, count: 5 + (1 << 14) + 1)
        expectAlert(.internalError) { try sealer.seal(record: &tooBig, contentType: .applicationData) }
        var padded = [UInt8](repeating: 0, count: 5 + 100)
        expectAlert(.internalError) { try sealer.seal(record: &padded, contentType: .applicationData, paddingLength: (1 << 14) - 100 + 1) }
        expectAlert(.internalError) { try sealer.seal(record: &padded, contentType: .applicationData, paddingLength: -1) }
        var ccs: [UInt8] = [0, 0, 0, 0, 0, 1]
        expectAlert(.internalError) { try sealer.seal(record: &ccs, contentType: .changeCipherSpec) }
        var emptyAlert: [UInt8] = [0, 0, 0, 0, 0]
        expectAlert(.internalError) { try sealer.seal(record: &emptyAlert, contentType: .alert) }
        #expect(sealer.sequenceNumber == 0)

        // Maximal padding fills the inner plaintext to 2^14 + 1 exactly.
        var maxPadded = [UInt8](repeating: 7, count: 5 + 100)
        try sealer.seal(record: &maxPadded, contentType: .applicationData, paddingLength: (1 << 14) - 100)
        #expect(maxPadded.count == 5 + (1 << 14) + 1 + 16)
    }

    @Test func sequenceNumberExhaustionThrows() throws {
        let k = try Keys()
        var sealer = RecordProtection(keys: k.clientApplication, sequenceNumber: UInt64.max - 1)
        var record: [UInt8] = [0, 0, 0, 0, 0, 1, 2, 3]
        try sealer.seal(record: &record, contentType: .applicationData)
        #expect(sealer.sequenceNumber == UInt64.max)
        var next: [UInt8] = [0, 0, 0, 0, 0, 1, 2, 3]
        expectAlert(.internalError) { try sealer.seal(record: &next, contentType: .applicationData) }

        var opener = RecordProtection(keys: k.clientApplication, sequenceNumber: UInt64.max - 1)
        _ = try opener.open(record: &record)
        var again = record
        expectAlert(.internalError) { _ = try opener.open(record: &again) }
    }

    @Test(arguments: CipherSuite.tls13Suites)
    func roundTripsWithPadding(suite: CipherSuite) throws {
        let parameters = try #require(suite.tls13Parameters)
        let secret = SymmetricKey(size: SymmetricKeySize(bitCount: parameters.hash.digestLength * 8))
        var sealer = RecordProtection(suite: parameters, trafficSecret: secret)
        var opener = RecordProtection(suite: parameters, trafficSecret: secret)
        for (length, padding, type) in [(0, 0, ContentType.applicationData), (1, 0, .handshake), (100, 7, .alert), (1000, 255, .applicationData), (1 << 14, 0, .applicationData), (1 << 14, 1 - 1, .handshake), (10, (1 << 14) - 10, .applicationData)] {
            let content = (0 ..< length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 1) }
            var record = [UInt8](repeating: 0xEE, count: 5) + content
            try sealer.seal(record: &record, contentType: type, paddingLength: padding)
            #expect(record.count == 5 + length + 1 + padding + 16)
            #expect(record[0] == 23 && record[1] == 3 && record[2] == 3)
            #expect(Int(record[3]) << 8 | Int(record[4]) == record.count - 5)
            if length > 16 { #expect(Array(record[5 ..< 5 + length]) != content) }
            let opened = try opener.open(record: &record)
            #expect(opened.contentType == type)
            #expect(Array(record[opened.content]) == content)
        }
        #expect(sealer.sequenceNumber == 7 && opener.sequenceNumber == 7)
    }
}
