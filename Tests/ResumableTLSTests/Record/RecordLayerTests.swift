import Testing
@testable import ResumableTLS

@Suite struct RecordLayerTests {
    private func alert(of body: () throws -> Void) -> AlertDescription? {
        do { try body(); return nil } catch let error as TLSError { return error.alertToSend } catch { return nil }
    }

    @Test func decodesTheRFC8448ClientHelloRecordInEverySplit() throws {
        let record = try RFC8448.value(section: 3, role: "client", step: "send handshake record", label: "complete record")
        let payload = try RFC8448.value(section: 3, role: "client", step: "send handshake record", label: "payload")
        for split in 0...record.count {
            var decoder = RecordDecoder()
            decoder.append(record[..<split])
            if split < record.count {
                #expect(try decoder.nextRecord() == nil)
                decoder.append(record[split...])
            }
            let decoded = try #require(try decoder.nextRecord())
            #expect(decoded.contentType == .handshake)
            #expect(decoded.legacyVersion == .tls10)
            #expect(Array(decoded.fragment) == payload)
            #expect(Array(decoded.header) == Array(record.prefix(5)))
            #expect(decoded.bytes == record)
            #expect(try decoder.nextRecord() == nil)
        }
    }

    @Test func encodesTheRFC8448ClientHelloRecord() throws {
        let record = try RFC8448.value(section: 3, role: "client", step: "send handshake record", label: "complete record")
        let payload = try RFC8448.value(section: 3, role: "client", step: "send handshake record", label: "payload")
        var output: [UInt8] = []
        RecordEncoder.appendPlaintextRecords(contentType: .handshake, payload: payload, legacyVersion: .tls10, into: &output)
        #expect(output == record)
    }

    @Test func decodesSeveralRecordsFromOneRead() throws {
        var bytes: [UInt8] = []
        RecordEncoder.appendPlaintextRecords(contentType: .handshake, payload: [1, 2, 3], into: &bytes)
        bytes += ChangeCipherSpec.record
        RecordEncoder.appendPlaintextRecords(contentType: .alert, payload: Alert.closeNotify.bytes, into: &bytes)
        var decoder = RecordDecoder()
        decoder.append(bytes)
        #expect(try decoder.nextRecord().map { Array($0.fragment) } == [1, 2, 3])
        let ccs = try #require(try decoder.nextRecord())
        #expect(ccs.contentType == .changeCipherSpec)
        try ChangeCipherSpec.validate(ccs.fragment)
        let alertRecord = try #require(try decoder.nextRecord())
        #expect(try Alert(parsing: alertRecord.fragment) == .closeNotify)
        #expect(try decoder.nextRecord() == nil)
        #expect(decoder.bufferedByteCount == 0)
    }

    /// Records read in place are ranges of the decoder's buffer; a slice of one that is kept
    /// while more bytes arrive (and the buffer is compacted) keeps its bytes.
    @Test func recordsReadInPlaceSurviveLaterAppends() throws {
        var bytes: [UInt8] = []
        RecordEncoder.appendPlaintextRecords(contentType: .handshake, payload: [1, 2, 3], into: &bytes)
        RecordEncoder.appendPlaintextRecords(contentType: .handshake, payload: [4, 5], into: &bytes)
        var decoder = RecordDecoder()
        decoder.append(bytes)
        let (firstHeader, firstRange) = try #require(try decoder.nextRecordInPlace())
        #expect(firstHeader.contentType == .handshake && firstHeader.length == 3)
        let kept = decoder.bufferedSlice(firstRange.lowerBound + 5 ..< firstRange.upperBound)
        decoder.withBufferedBytes { $0[firstRange.lowerBound + 5] = 9 }   // as opening in place would
        #expect(Array(decoder.bufferedSlice(firstRange.lowerBound + 5 ..< firstRange.upperBound)) == [9, 2, 3])
        #expect(Array(kept) == [1, 2, 3])   // a copy on write, not the buffer changed under it
        let (_, secondRange) = try #require(try decoder.nextRecordInPlace())
        let second = decoder.bufferedSlice(secondRange.lowerBound + 5 ..< secondRange.upperBound)
        #expect(try decoder.nextRecordInPlace() == nil)
        var more: [UInt8] = []
        RecordEncoder.appendPlaintextRecords(contentType: .alert, payload: Alert.closeNotify.bytes, into: &more)
        decoder.append(more)
        #expect(Array(second) == [4, 5])
        let third = try #require(try decoder.nextRecord())
        #expect(third.contentType == .alert && Array(third.fragment) == Alert.closeNotify.bytes)
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test func splitsPayloadsAtTheFragmentLimit() throws {
        let payload = (0..<40_000).map { UInt8(truncatingIfNeeded: $0) }
        var bytes: [UInt8] = []
        RecordEncoder.appendPlaintextRecords(contentType: .applicationData, payload: payload, into: &bytes)
        var decoder = RecordDecoder()
        decoder.append(bytes)
        var lengths: [Int] = []
        var joined: [UInt8] = []
        while let record = try decoder.nextRecord() {
            lengths.append(record.fragment.count)
            joined += record.fragment
        }
        #expect(lengths == [16_384, 16_384, 7_232])
        #expect(joined == payload)
        var small: [UInt8] = []
        RecordEncoder.appendPlaintextRecords(contentType: .handshake, payload: payload[0..<100], maxFragmentLength: 64, into: &small)
        #expect(small.count == 100 + 2 * 5)
    }

    @Test func rejectsOversizedRecordsFromTheHeaderAlone() throws {
        // Plaintext limit 2^14: a header announcing 2^14 + 1 is record_overflow before any body arrives.
        var decoder = RecordDecoder()
        decoder.append([0x16, 0x03, 0x03, 0x40, 0x01])
        #expect(alert { _ = try decoder.nextRecord() } == .recordOverflow)
        // Protected limit 2^14 + 256.
        var protected = RecordDecoder(maxFragmentLength: RecordLimits.maxCiphertextLength)
        protected.append([0x17, 0x03, 0x03, 0x41, 0x00])
        #expect(try protected.nextRecord() == nil)
        var tooBig = RecordDecoder(maxFragmentLength: RecordLimits.maxCiphertextLength)
        tooBig.append([0x17, 0x03, 0x03, 0x41, 0x01])
        #expect(alert { _ = try tooBig.nextRecord() } == .recordOverflow)
    }

    @Test func rejectsUnknownContentTypeAndNonTLSBytes() throws {
        var decoder = RecordDecoder()
        decoder.append([0x18, 0x03, 0x03, 0x00, 0x01, 0x00])
        #expect(alert { _ = try decoder.nextRecord() } == .unexpectedMessage)
        var http = RecordDecoder()
        http.append(Array("GET / HTTP/1.1\r\n".utf8))
        #expect(alert { _ = try http.nextRecord() } != nil)
    }

    @Test func reassemblesMessagesSplitAcrossAndCoalescedWithinRecords() throws {
        let hello = try RFC8448.value(section: 3, role: "server", step: "construct a ServerHello", label: "ServerHello")
        let extensions = try RFC8448.value(section: 3, role: "server", step: "construct an EncryptedExtensions", label: "EncryptedExtensions")
        let stream = hello + extensions
        for split in stride(from: 1, to: stream.count, by: 7) {
            var reassembler = HandshakeReassembler()
            reassembler.append(stream[..<split])
            var messages: [RawHandshakeMessage] = []
            while let m = try reassembler.nextMessage() { messages.append(m) }
            reassembler.append(stream[split...])
            while let m = try reassembler.nextMessage() { messages.append(m) }
            #expect(messages.map(\.type) == [.serverHello, .encryptedExtensions])
            #expect(messages.map { Array($0.bytes) } == [hello, extensions])
            #expect(Array(messages[0].body) == Array(hello.dropFirst(4)))
            #expect(!reassembler.hasPartialMessage)
        }
    }

    /// Records of one byte each: every message spans records, so the reassembler's own buffer
    /// (compacted as it is read) carries them; messages already returned stay intact while it
    /// keeps changing.
    @Test func reassemblesMessagesFromOneByteRecords() throws {
        let hello = try RFC8448.value(section: 3, role: "server", step: "construct a ServerHello", label: "ServerHello")
        let extensions = try RFC8448.value(section: 3, role: "server", step: "construct an EncryptedExtensions", label: "EncryptedExtensions")
        let stream = hello + extensions + hello
        var reassembler = HandshakeReassembler()
        var messages: [RawHandshakeMessage] = []
        let messageEnds: Set = [hello.count, hello.count + extensions.count, stream.count]
        for index in stream.indices {
            let record = [stream[index]]
            reassembler.append(record[...])
            while let m = try reassembler.nextMessage() { messages.append(m) }
            #expect(reassembler.hasPartialMessage == !messageEnds.contains(index + 1))
        }
        #expect(messages.map { Array($0.bytes) } == [hello, extensions, hello])
        #expect(!reassembler.hasPartialMessage)
    }

    /// A record holding one whole message and the start of the next: the first is a view of
    /// the record, the rest waits for the next record.
    @Test func aRecordEndingMidMessageKeepsTheRest() throws {
        let hello = try RFC8448.value(section: 3, role: "server", step: "construct a ServerHello", label: "ServerHello")
        let extensions = try RFC8448.value(section: 3, role: "server", step: "construct an EncryptedExtensions", label: "EncryptedExtensions")
        let first = hello + extensions.prefix(3)
        var reassembler = HandshakeReassembler()
        reassembler.append(first[...])
        #expect(try reassembler.nextMessage().map { Array($0.bytes) } == hello)
        #expect(try reassembler.nextMessage() == nil)
        #expect(reassembler.hasPartialMessage)
        reassembler.append(extensions.dropFirst(3))
        #expect(try reassembler.nextMessage().map { Array($0.bytes) } == extensions)
        #expect(!reassembler.hasPartialMessage)
    }

    @Test func reportsPartialMessagesAndRejectsHugeOnes() throws {
        var reassembler = HandshakeReassembler()
        reassembler.append([0x02, 0x00, 0x00, 0x10, 0xAA])
        #expect(try reassembler.nextMessage() == nil)
        #expect(reassembler.hasPartialMessage)
        var huge = HandshakeReassembler(maxMessageLength: 1024)
        huge.append([0x0B, 0x00, 0x04, 0x01])
        #expect(alert { _ = try huge.nextMessage() } == .illegalParameter)
    }

    @Test func alertParsing() {
        #expect(alert { _ = try Alert(parsing: [0x02]) } == .decodeError)
        #expect(alert { _ = try Alert(parsing: [0x02, 0x28, 0x00]) } == .decodeError)
        #expect(alert { _ = try Alert(parsing: [0x03, 0x28]) } == .illegalParameter)
        #expect((try? Alert(parsing: [0x02, 0x28])) == .fatal(.handshakeFailure))
    }

    @Test func changeCipherSpecPayloadMustBeOne() {
        #expect(alert { try ChangeCipherSpec.validate([0x02]) } == .unexpectedMessage)
        #expect(alert { try ChangeCipherSpec.validate([0x01, 0x01]) } == .unexpectedMessage)
        #expect(alert { try ChangeCipherSpec.validate([0x01]) } == nil)
    }
}
