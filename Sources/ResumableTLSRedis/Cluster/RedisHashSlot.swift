/// The hash slot of a key in a Redis Cluster: CRC16 (XMODEM: polynomial 0x1021, initial value
/// 0, no reflection) of the key modulo 16384, as `CLUSTER KEYSLOT` answers.
///
/// With a hash tag, only the tag is hashed: the bytes between the first `{` and the first `}`
/// after it, when there is at least one byte between them. `{user1000}.following` and
/// `{user1000}.followers` therefore share a slot, which a command that names several keys
/// needs; `{}user` and `user{}{x}` hash whole.
public enum RedisHashSlot {
    /// How many slots a Redis Cluster has: 16384.
    public static let count = 16_384

    /// The slot of `key`, in `0..<count`.
    public static func slot(for key: some Collection<UInt8>) -> Int {
        Int(crc16(hashedPart(of: key)) & UInt16(count - 1))
    }

    /// The slot of a key given as text (its UTF-8 bytes).
    public static func slot(for key: String) -> Int {
        slot(for: Array(key.utf8))
    }

    /// The CRC16 (XMODEM) of `bytes`; `crc16("123456789")` is 0x31C3.
    public static func crc16(_ bytes: some Collection<UInt8>) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc ^= UInt16(byte) << 8
            for _ in 0..<8 {
                crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1
            }
        }
        return crc
    }

    /// The bytes that are hashed: the hash tag if there is a non-empty one, else the whole key.
    static func hashedPart<Bytes: Collection<UInt8>>(of key: Bytes) -> Bytes.SubSequence {
        guard let open = key.firstIndex(of: UInt8(ascii: "{")) else { return key[...] }
        let tagStart = key.index(after: open)
        guard let close = key[tagStart...].firstIndex(of: UInt8(ascii: "}")), close != tagStart else { return key[...] }
        return key[tagStart..<close]
    }
}
