/// One key share: a group and its package value (RFC 8446 §4.2.8).
///
///     struct { NamedGroup group; opaque key_exchange<1..2^16-1>; } KeyShareEntry;
package struct KeyShareEntry: Sendable, Hashable {
    /// The group the key belongs to.
    package var group: NamedGroup
    /// The package value, encoded per group (RFC 8446 §4.2.8.1–2); never empty.
    package var keyExchange: [UInt8]

    /// A key share for `group` with package value `keyExchange`.
    package init(group: NamedGroup, keyExchange: [UInt8]) {
        self.group = group
        self.keyExchange = keyExchange
    }

    /// Reads one entry.
    init(parsing reader: inout ByteReader) throws {
        group = NamedGroup(rawValue: try reader.readUInt16("key share group"))
        keyExchange = try reader.readOpaque(prefixBytes: 2, minLength: 1, "key_exchange")
    }

    /// Writes one entry.
    func encode(into writer: inout ByteWriter) throws {
        writer.writeUInt16(group.rawValue)
        try writer.writeOpaque(prefixBytes: 2, keyExchange)
    }
}
