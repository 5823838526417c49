/// Why ``RESPParser`` rejected its input. Every case means the byte stream is unusable from this
/// point on: the connection that delivered it should be closed.
public enum RESPParseError: Error, Sendable, Hashable {
    /// The first byte of a value is not one of RESP2's five type bytes (`+ - : $ *`).
    case unknownType(UInt8)
    /// A bulk-string length or array count is not an integer, overflows, or is negative other than -1.
    case badLength
    /// A bulk string declares this many bytes, more than ``RESPLimits/maximumBulkLength``.
    case bulkTooLong(Int)
    /// An array declares this many elements, more than ``RESPLimits/maximumArrayCount``.
    case arrayTooLong(Int)
    /// Arrays nest deeper than ``RESPLimits/maximumDepth``.
    case tooDeep
    /// A line runs past ``RESPLimits/maximumLineLength`` bytes without its CRLF.
    case lineTooLong
    /// A CR without its LF, an LF without its CR, or a bulk string not followed by CRLF.
    case missingCRLF
    /// An integer reply is not an optional '-' followed by decimal digits, or overflows `Int64`.
    case badInteger
}
