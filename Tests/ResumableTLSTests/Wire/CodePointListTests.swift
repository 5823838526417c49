import Testing
@testable import ResumableTLS

/// A parsed code-point list is a view of the received bytes; it must read, compare, hash and
/// encode exactly as the list of values it stands for.
@Suite struct CodePointListTests {
    static let groups: [NamedGroup] = [.x25519, .secp256r1, NamedGroup(rawValue: 0xABCD), .secp384r1]

    private func parsed(_ bytes: [UInt8], maxCount: Int = .max) throws -> CodePointList<NamedGroup> {
        var reader = ByteReader(bytes)
        let list: CodePointList<NamedGroup> = try reader.readCodePointList(minLength: 2, maxCount: maxCount, "test list")
        try reader.expectEnd("test list")
        return list
    }

    @Test func aParsedListReadsAsItsValues() throws {
        var writer = ByteWriter()
        try writer.writeCodePoints(CodePointList(Self.groups))
        #expect(writer.bytes == [0x00, 0x08, 0x00, 0x1D, 0x00, 0x17, 0xAB, 0xCD, 0x00, 0x18])
        let list = try parsed(writer.bytes)
        #expect(list.count == 4)
        #expect(Array(list) == Self.groups)
        #expect(list.values == Self.groups)
        #expect(list == CodePointList(Self.groups))
        #expect(list.hashValue == CodePointList(Self.groups).hashValue)
        #expect(list.contains(NamedGroup(rawValue: 0xABCD)) && !list.contains(.x448))
        #expect(list != CodePointList(Array(Self.groups.reversed())))
        var again = ByteWriter()
        try again.writeCodePoints(list)
        #expect(again.bytes == writer.bytes)
    }

    @Test func aViewOfAMessageKeepsItsOwnIndices() throws {
        // The list sits in the middle of a larger buffer, as in a ClientHello.
        let bytes: [UInt8] = [0xFF, 0xFF, 0x00, 0x04, 0x00, 0x1D, 0x00, 0x17, 0xEE]
        var reader = ByteReader(bytes)
        _ = try reader.readUInt16()
        let list: CodePointList<NamedGroup> = try reader.readCodePointList(minLength: 2, "test list")
        #expect(Array(list) == [.x25519, .secp256r1])
        #expect(try reader.readUInt8() == 0xEE)
    }

    @Test func malformedListsAreRefused() throws {
        expectWireAlert(.decodeError, "odd length") { _ = try parsed([0x00, 0x03, 0x00, 0x1D, 0x00]) }
        expectWireAlert(.decodeError, "shorter than declared") { _ = try parsed([0x00, 0x04, 0x00, 0x1D]) }
        expectWireAlert(.decodeError, "below the minimum") { _ = try parsed([0x00, 0x00]) }
        expectWireAlert(.illegalParameter, "over the cap") { _ = try parsed([0x00, 0x06, 0, 1, 0, 2, 0, 3], maxCount: 2) }
    }
}

/// RFC 8446 §4.2.8 on the server: every key share's group is offered in supported_groups, and
/// no group has two shares; checked on sorted stack copies of the two lists.
@Suite struct KeyShareGroupCheckTests {
    private func shares(_ groups: [NamedGroup]) -> [KeyShareEntry] {
        groups.map { KeyShareEntry(group: $0, keyExchange: [1]) }
    }

    @Test func sharesForOfferedGroupsPass() throws {
        let offered: CodePointList<NamedGroup> = [.secp384r1, .x25519, NamedGroup(rawValue: 0x0A0A), .secp256r1]
        try ServerHandshake13.checkKeyShareGroups(shares([.x25519, .secp256r1]), offered: offered)
        try ServerHandshake13.checkKeyShareGroups([], offered: offered)
        try ServerHandshake13.checkKeyShareGroups(shares([.secp256r1, .secp384r1, .x25519, NamedGroup(rawValue: 0x0A0A)]), offered: offered)
    }

    @Test func aShareOutsideSupportedGroupsOrRepeatedIsRefused() {
        let offered: CodePointList<NamedGroup> = [.x25519, .secp256r1]
        expectWireAlert(.illegalParameter, "not offered") { try ServerHandshake13.checkKeyShareGroups(self.shares([.secp384r1]), offered: offered) }
        expectWireAlert(.illegalParameter, "repeated") { try ServerHandshake13.checkKeyShareGroups(self.shares([.x25519, .secp256r1, .x25519]), offered: offered) }
        expectWireAlert(.illegalParameter, "nothing offered") { try ServerHandshake13.checkKeyShareGroups(self.shares([.x25519]), offered: []) }
    }
}
