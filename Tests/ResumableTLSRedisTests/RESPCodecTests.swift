import NIOCore
import ResumableTLSRedis
import Testing

/// The RESP2 codec: the command encoder byte for byte, the incremental parser on whole, partial,
/// pipelined, oversized and malformed input, and a seeded mutation loop that must never trap.
@Suite struct RESPCodecTests {
    // MARK: - Encoder

    /// Both encoder overloads write a SET whose value holds NUL, 0xFF and CRLF exactly as RESP frames it.
    @Test func encoderWritesASetWithABinaryValueByteForByte() {
        let value: [UInt8] = [0x00, 0xFF, 0x0D, 0x0A, 0x24]  // NUL, non-UTF-8, CRLF and '$' inside
        let expected: [UInt8] = Array("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\n".utf8) + value + Array("\r\n".utf8)

        var fromBytes = ByteBuffer()
        RESPCommandEncoder.encode([Array("SET".utf8), Array("key".utf8), value], into: &fromBytes)
        #expect(Array(fromBytes.readableBytesView) == expected)

        var fromArguments = ByteBuffer()
        RESPCommandEncoder.encode(["SET", "key", .bytes(value)], into: &fromArguments)
        #expect(Array(fromArguments.readableBytesView) == expected)
    }

    /// Text lengths are UTF-8 byte counts; empty arguments and commands are framed; the buffer is appended to.
    @Test func encoderCountsUTF8BytesAndWritesEmptyArguments() {
        var buffer = ByteBuffer(string: "kept")  // appends after what is already there
        RESPCommandEncoder.encode(["ECHO", .string("é€"), ""], into: &buffer)
        #expect(String(buffer: buffer) == "kept*3\r\n$4\r\nECHO\r\n$5\r\né€\r\n$0\r\n\r\n")

        var empty = ByteBuffer()
        RESPCommandEncoder.encode([[UInt8]](), into: &empty)
        #expect(String(buffer: empty) == "*0\r\n")
    }

    /// The parser reads what the encoder writes.
    @Test func anEncodedCommandParsesBackAsAnArrayOfBulkStrings() throws {
        var buffer = ByteBuffer()
        RESPCommandEncoder.encode(["SET", "k", .bytes([0, 13, 10])], into: &buffer)
        var parser = RESPParser()
        #expect(try parser.next(&buffer) == .array([.bulkString(Array("SET".utf8)), .bulkString([0x6B]), .bulkString([0, 13, 10])]))
        #expect(buffer.readableBytes == 0)
    }

    // MARK: - Every type

    /// Each of the five RESP2 types, nulls and nesting included, parses and consumes its bytes.
    @Test(arguments: [
        ("+OK\r\n", RESPValue.simpleString("OK")),
        ("+\r\n", .simpleString("")),
        ("-ERR unknown command 'FOO'\r\n", .error("ERR unknown command 'FOO'")),
        (":0\r\n", .integer(0)),
        (":-42\r\n", .integer(-42)),
        (":9223372036854775807\r\n", .integer(.max)),
        (":-9223372036854775808\r\n", .integer(.min)),
        ("$5\r\nhello\r\n", .bulkString(Array("hello".utf8))),
        ("$0\r\n\r\n", .bulkString([])),
        ("$4\r\na\r\nb\r\n", .bulkString(Array("a\r\nb".utf8))),  // bulk strings are binary-safe
        ("$-1\r\n", .bulkString(nil)),
        ("*0\r\n", .array([])),
        ("*-1\r\n", .array(nil)),
        ("*3\r\n:1\r\n$1\r\na\r\n*2\r\n+x\r\n$-1\r\n", .array([.integer(1), .bulkString([0x61]), .array([.simpleString("x"), .bulkString(nil)])])),
    ])
    func everyTypeParses(input: String, expected: RESPValue) throws {
        var buffer = ByteBuffer(string: input)
        var parser = RESPParser()
        #expect(try parser.next(&buffer) == expected)
        #expect(buffer.readableBytes == 0)
        #expect(try parser.next(&buffer) == nil)
    }

    /// `bytes`, `isNull` and `errorMessage` on every kind of reply.
    @Test func conveniencesAndNulls() throws {
        var parser = RESPParser()
        var buffer = ByteBuffer(string: "$-1\r\n*-1\r\n$2\r\nhi\r\n-WRONGTYPE bad\r\n:1\r\n")
        let nullBulk = try parser.next(&buffer)
        let nullArray = try parser.next(&buffer)
        let bulk = try parser.next(&buffer)
        let error = try parser.next(&buffer)
        let integer = try parser.next(&buffer)

        #expect(nullBulk == .bulkString(nil) && nullBulk?.isNull == true && nullBulk?.bytes == nil)
        #expect(nullArray == .array(nil) && nullArray?.isNull == true)
        #expect(bulk?.bytes == Array("hi".utf8) && bulk?.isNull == false && bulk?.errorMessage == nil)
        #expect(error?.errorMessage == "WRONGTYPE bad" && error?.bytes == nil && error?.isNull == false)
        #expect(integer?.isNull == false && integer?.bytes == nil)
        #expect(RESPValue.array([]).isNull == false && RESPValue.bulkString([]).isNull == false)
    }

    // MARK: - Pipelining and partial input

    /// Three replies of different kinds back to back, as a pipelined batch returns them.
    static let pipelined: [(bytes: String, value: RESPValue)] = [
        ("+OK\r\n", .simpleString("OK")),
        ("$3\r\nbar\r\n", .bulkString(Array("bar".utf8))),
        (":7\r\n", .integer(7)),
        ("*2\r\n$1\r\na\r\n*1\r\n:-1\r\n", .array([.bulkString([0x61]), .array([.integer(-1)])])),
        ("-ERR no\r\n", .error("ERR no")),
        ("$-1\r\n", .bulkString(nil)),
    ]

    /// Replies back to back in one buffer come out one per call, each consuming exactly its bytes.
    @Test func pipelinedRepliesParseOneByOne() throws {
        var buffer = ByteBuffer(string: Self.pipelined.map(\.bytes).joined() + "*2\r\n:1\r\n")  // and half a reply
        var parser = RESPParser()
        for reply in Self.pipelined {
            let before = buffer.readableBytes
            #expect(try parser.next(&buffer) == reply.value)
            #expect(before - buffer.readableBytes == reply.bytes.utf8.count)  // exactly its bytes
        }
        #expect(try parser.next(&buffer) == nil)
        #expect(String(buffer: buffer) == "*2\r\n:1\r\n")  // the partial reply stays for later
        buffer.writeString(":2\r\n")
        #expect(try parser.next(&buffer) == .array([.integer(1), .integer(2)]))
        #expect(buffer.readableBytes == 0)
    }

    /// No proper prefix of a reply is mistaken for a reply or consumed; the whole one then parses.
    @Test func everyPrefixOfANestedReplyReturnsNilAndConsumesNothing() throws {
        let whole = Array("*6\r\n+OK\r\n-ERR x\r\n:-12\r\n$4\r\n\r\n\r\n\r\n*3\r\n$-1\r\n*-1\r\n*1\r\n*0\r\n$0\r\n\r\n".utf8)
        let expected = RESPValue.array([
            .simpleString("OK"), .error("ERR x"), .integer(-12), .bulkString(Array("\r\n\r\n".utf8)),
            .array([.bulkString(nil), .array(nil), .array([.array([])])]), .bulkString([]),
        ])
        var parser = RESPParser()
        for length in 0..<whole.count {
            // Bytes already read in front, so "restored" means a non-zero reader index.
            var buffer = ByteBuffer(bytes: Array("junk".utf8) + whole[..<length])
            buffer.moveReaderIndex(forwardBy: 4)
            #expect(try parser.next(&buffer) == nil, "prefix of \(length) bytes")
            #expect(buffer.readerIndex == 4 && buffer.readableBytes == length)
        }
        var buffer = ByteBuffer(bytes: whole)
        #expect(try parser.next(&buffer) == expected)
        #expect(buffer.readableBytes == 0)
    }

    /// Pipelined replies split at every byte: the whole ones parse, the split one waits for the rest.
    @Test func pipelinedRepliesCutAnywhereParseTheWholeOnesAndKeepTheRest() throws {
        let whole = Array(Self.pipelined.map(\.bytes).joined().utf8)
        var parser = RESPParser()
        for cut in 0...whole.count {
            var buffer = ByteBuffer(bytes: whole[..<cut])
            var values: [RESPValue] = []
            while let value = try parser.next(&buffer) { values.append(value) }
            // The replies that end at or before the cut, and nothing of the one it splits.
            var ends = 0
            let complete = Self.pipelined.prefix { reply in
                ends += reply.bytes.utf8.count
                return ends <= cut
            }
            #expect(values == complete.map(\.value), "cut at \(cut)")
            #expect(buffer.readableBytes == cut - complete.reduce(0) { $0 + $1.bytes.utf8.count })
            buffer.writeBytes(whole[cut...])
            while let value = try parser.next(&buffer) { values.append(value) }
            #expect(values == Self.pipelined.map(\.value))
            #expect(buffer.readableBytes == 0)
        }
    }

    // MARK: - Limits

    /// `maximumBulkLength`: the header alone is enough to reject an oversized bulk string.
    @Test func aBulkLengthOverTheLimitThrowsBeforeItsBytesArrive() throws {
        var parser = RESPParser()
        var buffer = ByteBuffer(string: "$4194305\r\n")  // 4 MiB + 1, and none of the payload
        #expect(throws: RESPParseError.bulkTooLong(4_194_305)) { try parser.next(&buffer) }
        #expect(buffer.readableBytes == 10)  // nothing consumed on a throw either

        var huge = ByteBuffer(string: "$9223372036854775807\r\n")
        #expect(throws: RESPParseError.bulkTooLong(.max)) { try parser.next(&huge) }

        var small = RESPParser(limits: RESPLimits(maximumBulkLength: 3))
        var fits = ByteBuffer(string: "$3\r\nabc\r\n")
        #expect(try small.next(&fits) == .bulkString(Array("abc".utf8)))
        var over = ByteBuffer(string: "$4\r\n")
        #expect(throws: RESPParseError.bulkTooLong(4)) { try small.next(&over) }
    }

    /// `maximumArrayCount`, for outer and inner arrays.
    @Test func anArrayCountOverTheLimitThrows() throws {
        var parser = RESPParser()
        var buffer = ByteBuffer(string: "*1025\r\n")
        #expect(throws: RESPParseError.arrayTooLong(1025)) { try parser.next(&buffer) }

        var small = RESPParser(limits: RESPLimits(maximumArrayCount: 2))
        var fits = ByteBuffer(string: "*2\r\n:1\r\n:2\r\n")
        #expect(try small.next(&fits) == .array([.integer(1), .integer(2)]))
        var over = ByteBuffer(string: "*3\r\n")
        #expect(throws: RESPParseError.arrayTooLong(3)) { try small.next(&over) }
        var nested = ByteBuffer(string: "*1\r\n*3\r\n")  // the limit holds for inner arrays too
        #expect(throws: RESPParseError.arrayTooLong(3)) { try small.next(&nested) }
    }

    /// `maximumDepth`: the outermost array counts as one level; the check precedes the content.
    @Test func arraysNestedDeeperThanTheLimitThrow() throws {
        var parser = RESPParser()
        var four = ByteBuffer(string: String(repeating: "*1\r\n", count: 4) + ":1\r\n")
        #expect(try parser.next(&four) == .array([.array([.array([.array([.integer(1)])])])]))

        var five = ByteBuffer(string: String(repeating: "*1\r\n", count: 5))  // thrown before the content arrives
        #expect(throws: RESPParseError.tooDeep) { try parser.next(&five) }

        var flat = RESPParser(limits: RESPLimits(maximumDepth: 1))
        var one = ByteBuffer(string: "*2\r\n:1\r\n$-1\r\n")
        #expect(try flat.next(&one) == .array([.integer(1), .bulkString(nil)]))
        var two = ByteBuffer(string: "*1\r\n*-1\r\n")
        #expect(throws: RESPParseError.tooDeep) { try flat.next(&two) }

        var none = RESPParser(limits: RESPLimits(maximumDepth: 0))
        var array = ByteBuffer(string: "*0\r\n")
        #expect(throws: RESPParseError.tooDeep) { try none.next(&array) }
        var scalar = ByteBuffer(string: ":5\r\n")
        #expect(try none.next(&scalar) == .integer(5))
    }

    /// `maximumLineLength`: a line at the limit may still end, one byte more without CRLF throws.
    @Test(arguments: ["+", "-", ":", "$", "*"])
    func aLineLongerThanTheLimitWithoutCRLFThrows(type: String) throws {
        var parser = RESPParser(limits: RESPLimits(maximumLineLength: 8))
        var atLimit = ByteBuffer(string: type + "12345678")  // may still end: wait for more
        #expect(try parser.next(&atLimit) == nil)
        var overLimit = ByteBuffer(string: type + "123456789")
        #expect(throws: RESPParseError.lineTooLong) { try parser.next(&overLimit) }
        #expect(overLimit.readableBytes == 10)
    }

    /// The default line limit lets 64 KiB through and rejects a longer line without CRLF.
    @Test func theDefaultLineLimitIs64KiB() throws {
        var parser = RESPParser()
        var fits = ByteBuffer(string: "+" + String(repeating: "a", count: 65536) + "\r\n")
        #expect(try parser.next(&fits) == .simpleString(String(repeating: "a", count: 65536)))
        var endless = ByteBuffer(string: "+" + String(repeating: "a", count: 65537))
        #expect(throws: RESPParseError.lineTooLong) { try parser.next(&endless) }
        var endlessDigits = ByteBuffer(string: ":" + String(repeating: "1", count: 70000))
        #expect(throws: RESPParseError.lineTooLong) { try parser.next(&endlessDigits) }
    }

    /// A negative limit behaves like zero instead of trapping.
    @Test func negativeLimitsCountAsZero() throws {
        var noLines = RESPParser(limits: RESPLimits(maximumLineLength: -1))
        var empty = ByteBuffer(string: "+\r\n")
        #expect(try noLines.next(&empty) == .simpleString(""))
        var line = ByteBuffer(string: "+a")
        #expect(throws: RESPParseError.lineTooLong) { try noLines.next(&line) }

        var parser = RESPParser(limits: RESPLimits(maximumBulkLength: -1, maximumArrayCount: -1, maximumDepth: -1))
        var emptyBulk = ByteBuffer(string: "$0\r\n\r\n")
        #expect(try parser.next(&emptyBulk) == .bulkString([]))
        var bulk = ByteBuffer(string: "$1\r\n")
        #expect(throws: RESPParseError.bulkTooLong(1)) { try parser.next(&bulk) }
        var emptyArray = ByteBuffer(string: "*0\r\n")  // the depth check comes first
        #expect(throws: RESPParseError.tooDeep) { try parser.next(&emptyArray) }
        var counted = RESPParser(limits: RESPLimits(maximumArrayCount: -1))
        var oneElement = ByteBuffer(string: "*1\r\n")
        #expect(throws: RESPParseError.arrayTooLong(1)) { try counted.next(&oneElement) }
    }

    // MARK: - Malformed input

    /// Malformed lengths, integers, terminators and type bytes throw the matching typed error.
    @Test(arguments: [
        ("$abc\r\n", RESPParseError.badLength),
        ("$\r\n", .badLength),
        ("$-2\r\n", .badLength),
        ("$+3\r\nabc\r\n", .badLength),
        ("$99999999999999999999\r\n", .badLength),
        ("*x\r\n", .badLength),
        ("*-5\r\n", .badLength),
        (":12x\r\n", .badInteger),
        (":\r\n", .badInteger),
        (":-\r\n", .badInteger),
        (":+1\r\n", .badInteger),
        (": 1\r\n", .badInteger),
        (":9223372036854775808\r\n", .badInteger),
        (":-9223372036854775809\r\n", .badInteger),
        (":99999999999999999999999999999999\r\n", .badInteger),
        ("$3\r\nabcXY", .missingCRLF),
        ("$3\r\nabc\n\r", .missingCRLF),
        ("$0\r\nab", .missingCRLF),
        ("+OK\rX", .missingCRLF),
        ("+OK\n", .missingCRLF),
        (":1\n\r\n", .missingCRLF),
        ("*2\r\n:1\r\n+a\nb\r\n", .missingCRLF),
        ("!oops\r\n", .unknownType(UInt8(ascii: "!"))),
        ("%1\r\n", .unknownType(UInt8(ascii: "%"))),  // RESP3 map
        ("\r\n", .unknownType(0x0D)),
        ("*2\r\n:1\r\nx", .unknownType(UInt8(ascii: "x"))),
    ])
    func malformedInputThrowsATypedError(input: String, expected: RESPParseError) throws {
        var buffer = ByteBuffer(string: input)
        var parser = RESPParser()
        let error = #expect(throws: RESPParseError.self) { try parser.next(&buffer) }
        #expect(error == expected)
        #expect(buffer.readableBytes == input.utf8.count)  // left unchanged
    }

    // MARK: - Mutation loop

    /// SplitMix64: small, deterministic, good enough to pick mutations.
    struct SplitMix64 {
        /// Advances by a fixed odd step on every draw.
        var state: UInt64
        /// The next pseudo-random 64 bits.
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        /// A pseudo-random integer in `0..<bound`.
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    }

    /// 20,000 seeded mutations of valid replies (default and tight limits): no trap, nothing consumed
    /// on nil or a throw, and every parsed value survives an encode-and-parse round trip.
    @Test func randomMutationsOfValidEncodingsNeverTrap() throws {
        var seeds: [[UInt8]] = Self.pipelined.map { Array($0.bytes.utf8) }
        seeds.append(Array(Self.pipelined.map(\.bytes).joined().utf8))
        seeds.append(Array("*4\r\n*1\r\n*1\r\n*1\r\n:9\r\n$-1\r\n*-1\r\n-E\r\n:-9223372036854775808\r\n".utf8))
        var command = ByteBuffer()
        RESPCommandEncoder.encode(["SET", "key", .bytes([0, 0x0D, 0x0A, 0xFF])], into: &command)
        seeds.append(Array(command.readableBytesView))
        // Bytes that steer the parser into its interesting branches.
        let interesting = Array("+-:$*\r\n0123456789".utf8) + [0x00, 0xFF]
        let tight = RESPLimits(maximumBulkLength: 4, maximumArrayCount: 3, maximumDepth: 2, maximumLineLength: 6)

        var random = SplitMix64(state: 0x5245_5350)  // "RESP"
        var outcomes = (values: 0, errors: 0, incomplete: 0)
        for iteration in 0..<20_000 {
            var bytes = seeds[random.below(seeds.count)]
            for _ in 0...random.below(4) {
                let position = bytes.isEmpty ? 0 : random.below(bytes.count)
                switch random.below(6) {
                case 0 where !bytes.isEmpty: bytes[position] = UInt8(truncatingIfNeeded: random.next())
                case 1 where !bytes.isEmpty: bytes[position] = interesting[random.below(interesting.count)]
                case 2: bytes.insert(interesting[random.below(interesting.count)], at: position)
                case 3 where !bytes.isEmpty: bytes.remove(at: position)
                case 4: bytes.removeLast(random.below(bytes.count + 1))
                case 5 where !bytes.isEmpty: bytes.insert(contentsOf: bytes[position...].prefix(8), at: position)
                default: break
                }
            }
            var parser = RESPParser(limits: iteration.isMultiple(of: 2) ? RESPLimits() : tight)
            var buffer = ByteBuffer(bytes: bytes)
            parsing: while true {
                let before = buffer.readableBytes
                do {
                    guard let value = try parser.next(&buffer) else {
                        outcomes.incomplete += 1
                        #expect(buffer.readableBytes == before)
                        break parsing
                    }
                    outcomes.values += 1
                    #expect(buffer.readableBytes < before)
                    // Whatever parses encodes back to bytes that parse to the same value.
                    var again = ByteBuffer(bytes: encoded(value))
                    var fresh = RESPParser()
                    #expect(try fresh.next(&again) == value)
                } catch {
                    outcomes.errors += 1
                    #expect(buffer.readableBytes == before)
                    break parsing
                }
            }
        }
        // The loop reached every outcome, so the mutations are neither all fatal nor all harmless.
        #expect(outcomes.values > 1000 && outcomes.errors > 1000 && outcomes.incomplete > 1000)
    }
}

/// The RESP2 bytes of `value` (the parser's inverse; the library only encodes commands).
private func encoded(_ value: RESPValue) -> [UInt8] {
    switch value {
    case .simpleString(let string): return Array("+\(string)\r\n".utf8)
    case .error(let message): return Array("-\(message)\r\n".utf8)
    case .integer(let integer): return Array(":\(integer)\r\n".utf8)
    case .bulkString(nil): return Array("$-1\r\n".utf8)
    case .bulkString(let bytes?): return Array("$\(bytes.count)\r\n".utf8) + bytes + Array("\r\n".utf8)
    case .array(nil): return Array("*-1\r\n".utf8)
    case .array(let elements?): return Array("*\(elements.count)\r\n".utf8) + elements.flatMap(encoded)
    }
}
