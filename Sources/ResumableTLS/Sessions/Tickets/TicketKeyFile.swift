import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A ticket key file that a fleet of servers shares (S25), and its reader and writer.
///
/// **Format (version 1).** ASCII text, one key per line:
///
///     # swift-resumable-tls ticket keys v1
///     <name: 32 hex digits> <key: 64 hex digits> <not-before: unix seconds>
///
/// - `name` is the 16-byte key name sent in the clear in each ticket; `key` is the 32-byte
///   AES-256-GCM key; `not-before` (decimal, 0…253402300799) is when the key may start
///   encrypting. Hex is case-insensitive.
/// - Fields are separated by spaces or tabs; blank lines and lines starting with `#` are
///   ignored; lines end with LF or CRLF. Anything else (a non-ASCII byte, a wrong field count
///   or length, a bad digit, a duplicate name) is a `TicketKeyError`, never a trap.
/// - At most `TicketKeyRing.maximumKeyCount` keys, at most `maximumFileSize` bytes.
///
/// **Rotation in a fleet.** Every server loads the same file. The key with the latest
/// `not-before` that has passed encrypts; every listed key decrypts until
/// `maximumTicketLifetime` after its successor's `not-before` (see `TicketKeyRing`). To rotate,
/// append a key whose `not-before` is a little in the future (so every server has reloaded the
/// file before it is used) and drop keys whose window has ended: `rotated(_:now:...)` does
/// both; `rtls` can use it with `write(_:to:)`.
///
/// This replaces nginx's binary `ssl_session_ticket_key` (which carries no time) and OpenSSL's
/// `SSL_CTX_set_tlsext_ticket_keys` buffer.
public struct TicketKeyFile: TicketKeySource, Sendable {
    /// The largest key file read: 1 MiB.
    public static let maximumFileSize = 1 << 20
    /// The first line `render(_:)` writes.
    public static let header = "# swift-resumable-tls ticket keys v1"
    /// The latest `not-before` accepted: 9999-12-31T23:59:59Z.
    public static let maximumNotBefore: UInt64 = 253_402_300_799

    /// The file's path.
    public let path: String

    /// The key file at `path`.
    public init(path: String) {
        self.path = path
    }

    /// Reads and parses the file. Throws `TicketKeyError`.
    public func readKeys() throws -> [TicketKey] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw TicketKeyError.unreadableFile(path: path, reason: "cannot open")
        }
        defer { try? handle.close() }
        let data: Data?
        do {
            data = try handle.read(upToCount: Self.maximumFileSize + 1)
        } catch {
            throw TicketKeyError.unreadableFile(path: path, reason: "\(error)")
        }
        let bytes = data.map { [UInt8]($0) } ?? []
        guard bytes.count <= Self.maximumFileSize else {
            throw TicketKeyError.fileTooLarge(path: path, limit: Self.maximumFileSize)
        }
        return try Self.parse(bytes)
    }

    /// `readKeys()`, as a `TicketKeySource`.
    public func loadTicketKeys() async throws -> [TicketKey] {
        try readKeys()
    }

    /// Parses key-file text. Throws `TicketKeyError`.
    public static func parse(_ text: String) throws -> [TicketKey] {
        try parse(Array(text.utf8))
    }

    /// Parses key-file bytes (format above). Throws `TicketKeyError`; never traps.
    public static func parse(_ bytes: [UInt8]) throws -> [TicketKey] {
        guard bytes.count <= maximumFileSize else {
            throw TicketKeyError.fileTooLarge(path: "<bytes>", limit: maximumFileSize)
        }
        var keys: [TicketKey] = []
        var names = Set<[UInt8]>()
        for (index, rawLine) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            var line = rawLine
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            guard line.allSatisfy({ $0 == UInt8(ascii: "\t") || (0x20...0x7E).contains($0) }) else {
                throw TicketKeyError.malformedLine(line: lineNumber, reason: "not printable ASCII")
            }
            let fields = line.split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") })
            guard let first = fields.first else { continue }
            if first.first == UInt8(ascii: "#") { continue }
            guard fields.count == 3 else {
                throw TicketKeyError.malformedLine(line: lineNumber, reason: "expected 3 fields (name key not-before), found \(fields.count)")
            }
            guard let name = decodeHex(fields[0], byteCount: TicketKey.nameLength) else {
                throw TicketKeyError.malformedLine(line: lineNumber, reason: "name is not \(TicketKey.nameLength * 2) hex digits")
            }
            guard let keyBytes = decodeHex(fields[1], byteCount: TicketKey.keyLength) else {
                throw TicketKeyError.malformedLine(line: lineNumber, reason: "key is not \(TicketKey.keyLength * 2) hex digits")
            }
            guard let notBefore = decodeSeconds(fields[2]) else {
                throw TicketKeyError.malformedLine(line: lineNumber, reason: "not-before is not unix seconds in 0...\(maximumNotBefore)")
            }
            guard names.insert(name).inserted else {
                throw TicketKeyError.duplicateKeyName(name.map { TicketKey.hexDigits($0) }.joined())
            }
            guard keys.count < TicketKeyRing.maximumKeyCount else {
                throw TicketKeyError.tooManyKeys(count: keys.count + 1, limit: TicketKeyRing.maximumKeyCount)
            }
            keys.append(try TicketKey(name: name, keyBytes: keyBytes, notBefore: Date(timeIntervalSince1970: TimeInterval(notBefore))))
        }
        guard !keys.isEmpty else { throw TicketKeyError.noKeys }
        return keys
    }

    /// The file text for `keys`: the header, then one line per key in `notBefore` order
    /// (`not-before` truncated to whole seconds, clamped to 0…`maximumNotBefore`).
    public static func render(_ keys: [TicketKey]) -> String {
        var lines = [header, "# <name: 32 hex> <AES-256-GCM key: 64 hex> <not-before: unix seconds>"]
        for key in keys.sorted(by: { $0.notBefore < $1.notBefore }) {
            let keyHex = key.withKeyBytes { $0.map { TicketKey.hexDigits($0) }.joined() }
            let seconds = key.notBefore.timeIntervalSince1970.rounded(.down)
            let notBefore: UInt64 = seconds.isFinite && seconds > 0
                ? (seconds < Double(maximumNotBefore) ? UInt64(seconds) : maximumNotBefore) : 0
            lines.append("\(key.nameHex) \(keyHex) \(notBefore)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes `keys` to `path` atomically (a temporary file with mode 0600 in the same
    /// directory, then `rename`), so a server reloading at the same moment sees the old file
    /// or the new one, never half of one. Throws `TicketKeyError.unwritableFile`.
    public static func write(_ keys: [TicketKey], to path: String) throws {
        do {
            try PrivateFile.write(Array(render(keys).utf8), to: path)
        } catch {
            throw TicketKeyError.unwritableFile(path: path, reason: error.reason)
        }
    }

    /// `keys` after one rotation step at `now`, for a tool that maintains a fleet's key file:
    /// adds a fresh key with `notBefore = now + activationDelay` unless a key with a
    /// `notBefore` after `now` is already waiting, and drops every key that can no longer open
    /// a live ticket (its successor became active more than `maximumTicketLifetime` ago).
    public static func rotated(
        _ keys: [TicketKey], now: Date, activationDelay: TimeInterval = 300,
        maximumTicketLifetime: TimeInterval = TLSSession.maximumTLS13Lifetime
    ) -> [TicketKey] {
        var result = keys.sorted { $0.notBefore < $1.notBefore }
        if !result.contains(where: { $0.notBefore > now }) {
            result.append(TicketKey.generate(notBefore: now.addingTimeInterval(activationDelay)))
        }
        // Key i stops encrypting at key i+1's notBefore and decrypts for a ticket lifetime more.
        var kept: [TicketKey] = []
        for (index, key) in result.enumerated() {
            let successor = result.dropFirst(index + 1).first
            if let successor, successor.notBefore.addingTimeInterval(maximumTicketLifetime) <= now { continue }
            kept.append(key)
        }
        return kept
    }

    // MARK: Parsing helpers

    private static func decodeHex(_ field: ArraySlice<UInt8>, byteCount: Int) -> [UInt8]? {
        guard field.count == byteCount * 2 else { return nil }
        var result: [UInt8] = []
        result.reserveCapacity(byteCount)
        var high: UInt8? = nil
        for character in field {
            guard let nibble = hexValue(character) else { return nil }
            if let pending = high {
                result.append(pending << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return result
    }

    private static func hexValue(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return character - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    private static func decodeSeconds(_ field: ArraySlice<UInt8>) -> UInt64? {
        guard !field.isEmpty, field.count <= 12 else { return nil }
        var value: UInt64 = 0
        for character in field {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(character) else { return nil }
            value = value * 10 + UInt64(character - UInt8(ascii: "0"))
        }
        return value <= maximumNotBefore ? value : nil
    }
}
