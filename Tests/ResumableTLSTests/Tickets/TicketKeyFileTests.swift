import Foundation
import Testing
@testable import ResumableTLS

@Suite("Tickets: key files shared by a fleet (S25)")
struct TicketKeyFileTests {
    static let nameHex = String(repeating: "0a", count: 16)
    static let keyHex = String(repeating: "1B", count: 32)

    @Test func fleetServersOpenEachOthersTickets() throws {
        let clock = TicketTestClock()
        let path = TicketFixtures.temporaryPath("fleet")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let keys = [
            TicketKey.generate(notBefore: clock.now().addingTimeInterval(-86_400)),
            TicketKey.generate(notBefore: clock.now().addingTimeInterval(-10)),
        ]
        try TicketKeyFile.write(keys, to: path)

        let serverA = try TicketKeyRing(keyFile: path, clock: clock)
        let serverB = try TicketKeyRing(keyFile: path, clock: clock)
        let state = TicketFixtures.fullState()
        let fromA = try serverA.seal(state)
        let fromB = try serverB.seal(state)
        #expect(serverB.open(fromA) == state)
        #expect(serverA.open(fromB) == state)
        #expect(Array(fromA.prefix(16)) == keys[1].name)
        #expect(serverA.origin == .external)
    }

    @Test func writtenFileIsPrivateAndReadsBack() throws {
        let path = TicketFixtures.temporaryPath("perm")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let keys = [TicketKey.generate(notBefore: Date(timeIntervalSince1970: 1_700_000_000))]
        try TicketKeyFile.write(keys, to: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let read = try TicketKeyFile(path: path).readKeys()
        #expect(read.count == 1 && read[0].name == keys[0].name && read[0].notBefore == keys[0].notBefore)
        #expect(read[0].withKeyBytes { Array($0) } == keys[0].withKeyBytes { Array($0) })
        // Overwriting replaces the file.
        try TicketKeyFile.write(keys + [TicketKey.generate(notBefore: Date(timeIntervalSince1970: 1_800_000_000))], to: path)
        #expect(try TicketKeyFile(path: path).readKeys().count == 2)
    }

    @Test func reloadPicksUpANewKey() async throws {
        let clock = TicketTestClock()
        let path = TicketFixtures.temporaryPath("reload")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let old = TicketKey.generate(notBefore: clock.now().addingTimeInterval(-100))
        try TicketKeyFile.write([old], to: path)
        let ring = try TicketKeyRing(keyFile: path, clock: clock)
        let ticket = try ring.seal(TicketFixtures.minimalState())

        let rotated = TicketKeyFile.rotated([old], now: clock.now(), activationDelay: 60)
        #expect(rotated.count == 2)
        try TicketKeyFile.write(rotated, to: path)
        try await ring.reload()
        #expect(ring.sealingKeyName == old.name)  // the new key waits for its not-before
        clock.advance(by: 60)
        #expect(ring.sealingKeyName == rotated[1].name)
        #expect(ring.open(ticket) != nil)

        // A broken file on reload keeps the keys that work.
        try Data("garbage\n".utf8).write(to: URL(fileURLWithPath: path))
        await #expect(throws: TicketKeyError.self) { try await ring.reload() }
        #expect(ring.open(ticket) != nil)
    }

    @Test func rotatedDropsKeysThatCanNoLongerOpenTickets() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        let a = TicketKey.generate(notBefore: now.addingTimeInterval(-20_000))
        let b = TicketKey.generate(notBefore: now.addingTimeInterval(-10_000))
        let c = TicketKey.generate(notBefore: now.addingTimeInterval(-100))
        let result = TicketKeyFile.rotated([c, a, b], now: now, maximumTicketLifetime: 5_000)
        // a's successor b became active 10,000 s ago (> 5,000): dropped. b's successor c 100 s ago: kept.
        #expect(result.map(\.name) .prefix(2) == [b.name, c.name])
        #expect(result.count == 3 && result[2].notBefore > now)
        // A waiting key means no new key is added.
        #expect(TicketKeyFile.rotated(result, now: now, maximumTicketLifetime: 5_000).count == 3)
    }

    @Test func parsesCommentsBlankLinesCRLFAndTabs() throws {
        let text = "# comment\n\n  \(Self.nameHex)\t\(Self.keyHex)   1700000000\r\n# end\n"
        let keys = try TicketKeyFile.parse(text)
        #expect(keys.count == 1)
        #expect(keys[0].name == Array(repeating: 0x0A, count: 16))
        #expect(keys[0].withKeyBytes { Array($0) } == Array(repeating: 0x1B, count: 32))
        #expect(keys[0].notBefore == Date(timeIntervalSince1970: 1_700_000_000))
    }

    @Test func renderParsesBack() throws {
        let keys = (0..<5).map { TicketKey.generate(notBefore: Date(timeIntervalSince1970: TimeInterval(1_000 * $0))) }
        let text = TicketKeyFile.render(keys)
        #expect(text.hasPrefix(TicketKeyFile.header))
        let parsed = try TicketKeyFile.parse(text)
        #expect(parsed.map(\.name) == keys.map(\.name))
    }

    @Test(arguments: [
        ("", TicketKeyError.noKeys),
        ("# only a comment\n", TicketKeyError.noKeys),
        ("\(nameHex) \(keyHex)", TicketKeyError.malformedLine(line: 1, reason: "expected 3 fields (name key not-before), found 2")),
        ("\(nameHex) \(keyHex) 1 extra", TicketKeyError.malformedLine(line: 1, reason: "expected 3 fields (name key not-before), found 4")),
        ("\n\(nameHex.dropLast()) \(keyHex) 1", TicketKeyError.malformedLine(line: 2, reason: "name is not 32 hex digits")),
        ("\(nameHex.dropLast())g \(keyHex) 1", TicketKeyError.malformedLine(line: 1, reason: "name is not 32 hex digits")),
        ("\(nameHex) \(keyHex)00 1", TicketKeyError.malformedLine(line: 1, reason: "key is not 64 hex digits")),
        ("\(nameHex) \(keyHex) -1", TicketKeyError.malformedLine(line: 1, reason: "not-before is not unix seconds in 0...253402300799")),
        ("\(nameHex) \(keyHex) 999999999999", TicketKeyError.malformedLine(line: 1, reason: "not-before is not unix seconds in 0...253402300799")),
        ("\(nameHex) \(keyHex) 99999999999999999999999", TicketKeyError.malformedLine(line: 1, reason: "not-before is not unix seconds in 0...253402300799")),
        ("\(nameHex) \(keyHex) 1\n\(nameHex) \(keyHex) 2", TicketKeyError.duplicateKeyName(String(repeating: "0a", count: 16))),
        ("\(nameHex) \(keyHex) 1é", TicketKeyError.malformedLine(line: 1, reason: "not printable ASCII")),
    ])
    func badKeyFilesGiveTypedErrors(text: String, expected: TicketKeyError) {
        #expect(throws: expected) { try TicketKeyFile.parse(text) }
    }

    @Test func badFilesOnDisk() throws {
        let missing = TicketFixtures.temporaryPath("missing")
        #expect(throws: TicketKeyError.self) { try TicketKeyRing(keyFile: missing) }
        let big = TicketFixtures.temporaryPath("big")
        defer { try? FileManager.default.removeItem(atPath: big) }
        try Data(repeating: UInt8(ascii: "#"), count: TicketKeyFile.maximumFileSize + 1).write(to: URL(fileURLWithPath: big))
        #expect(throws: TicketKeyError.fileTooLarge(path: big, limit: TicketKeyFile.maximumFileSize)) {
            try TicketKeyRing(keyFile: big)
        }
        let binary = TicketFixtures.temporaryPath("binary")
        defer { try? FileManager.default.removeItem(atPath: binary) }
        try Data((0..<80).map { UInt8($0) }).write(to: URL(fileURLWithPath: binary))  // an nginx-style key file
        #expect(throws: TicketKeyError.self) { try TicketKeyRing(keyFile: binary) }
    }

    @Test func tooManyKeys() {
        let lines = (0...TicketKeyRing.maximumKeyCount).map { index in
            String(format: "%032x", index) + " " + Self.keyHex + " 1"
        }
        #expect(throws: TicketKeyError.tooManyKeys(count: TicketKeyRing.maximumKeyCount + 1, limit: TicketKeyRing.maximumKeyCount)) {
            try TicketKeyFile.parse(lines.joined(separator: "\n"))
        }
    }

    @Test func randomFilesNeverTrap() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("0123456789abcdefABCDEFxyz #\t\r\n-".utf8)
        for _ in 0..<1_000 {
            let length = Int.random(in: 0..<300, using: &generator)
            let bytes = (0..<length).map { _ in alphabet.randomElement(using: &generator) ?? 0 }
            _ = try? TicketKeyFile.parse(bytes)
            _ = try? TicketKeyFile.parse((0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) })
        }
    }
}
