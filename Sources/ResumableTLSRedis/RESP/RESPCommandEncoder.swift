import NIOCore

/// One argument of a Redis command: text (its UTF-8 bytes are sent) or raw bytes.
public enum RESPArgument: Sendable, Hashable, ExpressibleByStringLiteral {
    /// Text, sent as its UTF-8 encoding.
    case string(String)
    /// Raw bytes, sent unchanged (binary-safe).
    case bytes([UInt8])

    /// A literal argument is text: `["SET", "key", .bytes(value)]`.
    public init(stringLiteral value: String) {
        self = .string(value)
    }
}

/// Writes Redis commands in the form servers accept: a RESP array of bulk strings,
/// `*N\r\n` then `$len\r\n<arg>\r\n` for each argument.
public enum RESPCommandEncoder {
    /// Appends the command made of `arguments` (the command name first) to `buffer`.
    public static func encode(_ arguments: [[UInt8]], into buffer: inout ByteBuffer) {
        writeHeader(UInt8(ascii: "*"), arguments.count, into: &buffer)
        for argument in arguments {
            writeHeader(UInt8(ascii: "$"), argument.count, into: &buffer)
            buffer.writeBytes(argument)
            buffer.writeStaticString("\r\n")
        }
    }

    /// Appends the command made of `arguments` (the command name first) to `buffer`;
    /// text arguments are written as UTF-8 without an intermediate copy.
    public static func encode(_ arguments: [RESPArgument], into buffer: inout ByteBuffer) {
        writeHeader(UInt8(ascii: "*"), arguments.count, into: &buffer)
        for argument in arguments {
            switch argument {
            case .string(let string):
                writeHeader(UInt8(ascii: "$"), string.utf8.count, into: &buffer)
                buffer.writeString(string)
            case .bytes(let bytes):
                writeHeader(UInt8(ascii: "$"), bytes.count, into: &buffer)
                buffer.writeBytes(bytes)
            }
            buffer.writeStaticString("\r\n")
        }
    }

    /// Writes `<type><count>\r\n`, the header of an array or a bulk string.
    private static func writeHeader(_ type: UInt8, _ count: Int, into buffer: inout ByteBuffer) {
        buffer.writeInteger(type)
        buffer.writeString(String(count))
        buffer.writeStaticString("\r\n")
    }
}
