import Testing
@testable import ResumableTLS

@Suite struct ByteReaderTests {
    @Test func readsIntegersBigEndian() throws {
        var reader = ByteReader([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A])
        #expect(try reader.readUInt8() == 0x01)
        #expect(try reader.readUInt16() == 0x0203)
        #expect(try reader.readUInt24() == 0x040506)
        #expect(try reader.readUInt32() == 0x0708090A)
        #expect(reader.isEmpty)
    }

    @Test func truncatedReadThrowsDecodeError() {
        var reader = ByteReader([0x01])
        #expect(throws: TLSError.self) { try reader.readUInt16() }
        do { _ = try reader.readUInt16() } catch { #expect((error as? TLSError)?.alertToSend == .decodeError) }
    }

    @Test func vectorLengthBeyondInputThrows() {
        var reader = ByteReader([0x00, 0x05, 0x01, 0x02])
        #expect(throws: TLSError.self) { try reader.readVector(prefixBytes: 2, "v") }
    }

    @Test func vectorBoundsAreEnforced() {
        var reader = ByteReader([0x00])
        #expect(throws: TLSError.self) { try reader.readVector(prefixBytes: 1, minLength: 1, "v") }
    }

    @Test func writerPatchesVectorLengths() throws {
        var writer = ByteWriter()
        try writer.writeVector(prefixBytes: 2) { w in
            w.writeUInt8(0xAA)
            try w.writeOpaque(prefixBytes: 1, [0x01, 0x02])
        }
        #expect(writer.bytes == [0x00, 0x04, 0xAA, 0x02, 0x01, 0x02])
    }

    @Test func writerRejectsOversizedVector() {
        var writer = ByteWriter()
        #expect(throws: TLSError.self) { try writer.writeOpaque(prefixBytes: 1, [UInt8](repeating: 0, count: 256)) }
    }
}
