import NIOCore

/// The bounds ``RESPParser`` holds every reply to. Each length or count read from the wire is
/// checked against them before anything is allocated for it, so a hostile or broken server cannot
/// make the parser reserve memory it has not sent. A negative limit counts as zero.
public struct RESPLimits: Sendable, Hashable {
    /// The longest bulk string accepted, in bytes (default 4 MiB).
    public var maximumBulkLength: Int
    /// The most elements one array may declare (default 1024).
    public var maximumArrayCount: Int
    /// How many arrays may nest, the outermost counting as one (default 4). The parser recurses
    /// once per level, so this also bounds its stack use.
    public var maximumDepth: Int
    /// The longest line accepted (simple string, error, integer, length or count), in bytes,
    /// without the type byte and the CRLF (default 64 KiB).
    public var maximumLineLength: Int

    /// Limits with the given values; the defaults suit ordinary Redis replies.
    public init(
        maximumBulkLength: Int = 4 * 1024 * 1024,
        maximumArrayCount: Int = 1024,
        maximumDepth: Int = 4,
        maximumLineLength: Int = 64 * 1024
    ) {
        self.maximumBulkLength = maximumBulkLength
        self.maximumArrayCount = maximumArrayCount
        self.maximumDepth = maximumDepth
        self.maximumLineLength = maximumLineLength
    }
}

/// An incremental RESP2 reply parser. Call ``next(_:)`` in a loop as bytes arrive: it returns
/// each whole reply in turn (pipelined replies included) and nil once the buffer holds only part
/// of one. An incomplete reply is parsed again from its start when more bytes arrive, so the
/// parser keeps no state between calls beyond its limits.
public struct RESPParser: Sendable {
    /// The bounds every reply is held to.
    public var limits: RESPLimits

    /// A parser that holds replies to `limits`.
    public init(limits: RESPLimits = .init()) {
        self.limits = limits
    }

    /// Parses the reply at the start of `buffer`'s readable bytes.
    ///
    /// - Returns: the reply, with exactly its bytes consumed; or nil when `buffer` does not hold
    ///   a whole reply yet, with nothing consumed (the reader index is where it was).
    /// - Throws: ``RESPParseError`` when the bytes cannot be the start of a valid reply or break
    ///   a limit; `buffer` is then left unchanged too.
    public mutating func next(_ buffer: inout ByteBuffer) throws(RESPParseError) -> RESPValue? {
        // Parse on a copy (it shares the storage: moving a reader index copies no bytes) so that
        // an incomplete or malformed reply leaves the caller's reader index untouched.
        var scratch = buffer
        guard let value = try parseValue(&scratch, depth: 0) else { return nil }
        buffer = scratch
        return value
    }

    /// Reads one value; `depth` is the number of arrays around it. Returns nil when the bytes
    /// run out before the value ends (`buffer` is then partly consumed: the caller drops it).
    private func parseValue(_ buffer: inout ByteBuffer, depth: Int) throws(RESPParseError) -> RESPValue? {
        guard let type = buffer.readInteger(as: UInt8.self) else { return nil }
        switch type {
        case UInt8(ascii: "+"):
            guard let line = try readLine(&buffer) else { return nil }
            return .simpleString(String(buffer: line))
        case UInt8(ascii: "-"):
            guard let line = try readLine(&buffer) else { return nil }
            return .error(String(buffer: line))
        case UInt8(ascii: ":"):
            guard let line = try readLine(&buffer) else { return nil }
            guard let value = Self.parseInteger(line) else { throw .badInteger }
            return .integer(value)
        case UInt8(ascii: "$"):
            return try parseBulkString(&buffer)
        case UInt8(ascii: "*"):
            return try parseArray(&buffer, depth: depth)
        default:
            throw .unknownType(type)
        }
    }

    /// Reads the rest of a bulk string after its `$`.
    private func parseBulkString(_ buffer: inout ByteBuffer) throws(RESPParseError) -> RESPValue? {
        guard let line = try readLine(&buffer) else { return nil }
        let length = try Self.parseLength(line)
        if length == -1 { return .bulkString(nil) }
        // Checked as soon as the header is in: a huge length fails before its bytes arrive.
        guard length <= Int64(max(0, limits.maximumBulkLength)) else { throw .bulkTooLong(Int(clamping: length)) }
        let count = Int(truncatingIfNeeded: length)  // 0...maximumBulkLength, so exact
        guard buffer.readableBytes >= 2, buffer.readableBytes - 2 >= count else { return nil }
        guard let bytes = buffer.readBytes(length: count),
            let terminator = buffer.readInteger(as: UInt16.self)
        else { return nil }
        guard terminator == 0x0D0A else { throw .missingCRLF }
        return .bulkString(bytes)
    }

    /// Reads the rest of an array after its `*`; `depth` is the number of arrays around it.
    private func parseArray(_ buffer: inout ByteBuffer, depth: Int) throws(RESPParseError) -> RESPValue? {
        // Checked before the count so that nesting alone can never recurse past the limit.
        guard depth < limits.maximumDepth else { throw .tooDeep }
        guard let line = try readLine(&buffer) else { return nil }
        let declared = try Self.parseLength(line)
        if declared == -1 { return .array(nil) }
        guard declared <= Int64(max(0, limits.maximumArrayCount)) else { throw .arrayTooLong(Int(clamping: declared)) }
        let count = Int(truncatingIfNeeded: declared)  // 0...maximumArrayCount, so exact
        var elements: [RESPValue] = []
        // Every element takes at least 3 bytes ("+\r\n"): reserve no more than the bytes at hand
        // can fill, so a count alone does not allocate.
        elements.reserveCapacity(min(count, buffer.readableBytes / 3))
        for _ in 0..<count {
            guard let element = try parseValue(&buffer, depth: depth + 1) else { return nil }
            elements.append(element)
        }
        return .array(elements)
    }

    /// Reads one line and its CRLF, returning the line without them; nil when the CRLF has not
    /// arrived yet. Throws once the line is longer than the limit, so that a peer that never
    /// sends CRLF cannot make the caller buffer forever.
    private func readLine(_ buffer: inout ByteBuffer) throws(RESPParseError) -> ByteBuffer? {
        let limit = max(0, limits.maximumLineLength)
        let readable = buffer.readableBytes
        // One byte past the limit is enough to tell a line that is too long.
        let scanLength = readable > limit ? limit + 1 : readable
        let view = buffer.readableBytesView.prefix(scanLength)
        // RESP2 lines hold neither CR nor LF, so the first of either must start the CRLF.
        guard let end = view.firstIndex(where: { $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") }) else {
            if readable > limit { throw .lineTooLong }
            return nil
        }
        let length = view.distance(from: view.startIndex, to: end)
        guard view[end] == UInt8(ascii: "\r") else { throw .missingCRLF }
        guard let next = buffer.getInteger(at: end + 1, as: UInt8.self) else { return nil }
        guard next == UInt8(ascii: "\n") else { throw .missingCRLF }
        guard let line = buffer.readSlice(length: length) else { return nil }
        buffer.moveReaderIndex(forwardBy: 2)
        return line
    }

    /// The length of a bulk string or count of an array: -1 (null) or more.
    private static func parseLength(_ line: ByteBuffer) throws(RESPParseError) -> Int64 {
        guard let value = parseInteger(line), value >= -1 else { throw .badLength }
        return value
    }

    /// An optional '-' then one or more decimal digits, as an `Int64`; nil for anything else
    /// or on overflow.
    static func parseInteger(_ line: ByteBuffer) -> Int64? {
        var digits = line.readableBytesView
        let negative = digits.first == UInt8(ascii: "-")
        if negative { digits = digits.dropFirst() }
        guard !digits.isEmpty else { return nil }
        var value: Int64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let digit = Int64(byte &- UInt8(ascii: "0"))
            // Accumulated with the sign applied so that Int64.min parses too.
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) =
                negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            if overflow1 || overflow2 { return nil }
            value = next
        }
        return value
    }
}
