/// A RESP2 reply.
public enum RESPValue: Sendable, Hashable {
    /// A simple string (`+OK\r\n`): one line of text, no CR or LF inside.
    case simpleString(String)
    /// An error reply (`-ERR message\r\n`); the payload is the whole line, error code included.
    case error(String)
    /// A signed 64-bit integer (`:42\r\n`).
    case integer(Int64)
    /// A binary-safe bulk string (`$3\r\nfoo\r\n`); nil is the RESP2 null bulk string (`$-1\r\n`).
    case bulkString([UInt8]?)
    /// An array of replies (`*2\r\n...`); nil is the RESP2 null array (`*-1\r\n`).
    case array([RESPValue]?)
}

extension RESPValue {
    /// The payload of a non-null bulk string; nil for a null bulk string and every other kind of reply.
    public var bytes: [UInt8]? {
        if case .bulkString(let bytes) = self { return bytes }
        return nil
    }

    /// Whether this is a null bulk string or a null array (RESP2's two spellings of "no value").
    public var isNull: Bool {
        switch self {
        case .bulkString(nil), .array(nil): return true
        default: return false
        }
    }

    /// The message of an error reply; nil for every other kind of reply.
    public var errorMessage: String? {
        if case .error(let message) = self { return message }
        return nil
    }
}
