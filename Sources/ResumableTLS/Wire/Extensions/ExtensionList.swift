/// An extension block: `Extension extensions<min..2^16-1>` (RFC 8446 §4.2), in wire order.
///
/// Parsing rejects a type that appears twice (`illegal_parameter`, RFC 8446 §4.2), a
/// pre_shared_key that is not last in a ClientHello (`illegal_parameter`, RFC 8446 §4.2.11) and
/// any body not consumed exactly (`decode_error`). Order is kept so re-encoding reproduces the
/// peer's bytes (transcripts and PSK binders hash them).
package struct ExtensionList: Sendable, Hashable, RandomAccessCollection, ExpressibleByArrayLiteral {
    /// The extensions in wire order.
    package var extensions: [Extension]

    /// A block holding `extensions` in this order.
    package init(_ extensions: [Extension] = []) { self.extensions = extensions }

    /// A block holding the listed extensions in this order.
    package init(arrayLiteral elements: Extension...) { self.extensions = elements }

    /// The position of the first extension (Collection conformance).
    package var startIndex: Int { extensions.startIndex }
    /// The position past the last extension (Collection conformance).
    package var endIndex: Int { extensions.endIndex }
    /// The extension at `position`, a valid index of this list (Collection conformance).
    package subscript(position: Int) -> Extension { extensions[position] }

    /// The extension of `type`, if present (a parsed block holds at most one per type).
    package subscript(type: ExtensionType) -> Extension? {
        extensions.first { $0.type == type }
    }

    /// Whether an extension of `type` is present.
    package func contains(_ type: ExtensionType) -> Bool { self[type] != nil }

    /// Reads a block with a 2-byte length prefix of at least `minLength` bytes.
    package init(parsing reader: inout ByteReader, context: ExtensionContext, minLength: Int = 0) throws {
        var block = try reader.readVector(prefixBytes: 2, minLength: minLength, "extensions")
        var parsed: [Extension] = []
        parsed.reserveCapacity(16)
        // The types seen so far, on the stack (no set per message): at most the limit of them,
        // sorted once at the end to find a duplicate (n log n, no list scanned per element).
        try withUnsafeTemporaryAllocation(of: UInt16.self, capacity: PeerListLimits.extensions) { types in
            var count = 0
            while !block.isEmpty {
                let type = ExtensionType(rawValue: try block.readUInt16("extension type"))
                let body = try block.readSlice(Int(try block.readUInt16("extension length")), "extension body")
                try PeerListLimits.check(count + 1, PeerListLimits.extensions, "extensions")
                types[count] = type.rawValue
                count += 1
                if context == .clientHello, parsed.last?.type == .preSharedKey {
                    throw TLSError.illegalParameter("pre_shared_key is not the last ClientHello extension")
                }
                parsed.append(try Extension(type: type, body: body, context: context))
            }
            if let duplicate = Self.firstDuplicate(sorting: UnsafeMutableBufferPointer(rebasing: types[0 ..< count])) {
                throw TLSError.illegalParameter("duplicate \(ExtensionType(rawValue: duplicate)) extension")
            }
        }
        self.extensions = parsed
    }

    /// Writes the block with its 2-byte length prefix.
    ///
    /// Refuses (`internal_error`) a block the peer would reject: duplicate types, or a
    /// pre_shared_key offer that is not last.
    package func encode(into writer: inout ByteWriter) throws {
        let duplicate = withUnsafeTemporaryAllocation(of: UInt16.self, capacity: extensions.count) { types -> UInt16? in
            for (index, ext) in extensions.enumerated() { types[index] = ext.type.rawValue }
            return Self.firstDuplicate(sorting: types)
        }
        if let duplicate { throw TLSError.internalError("duplicate \(ExtensionType(rawValue: duplicate)) extension") }
        for (index, ext) in extensions.enumerated() {
            if case .preSharedKeyOffer = ext, index != extensions.count - 1 {
                throw TLSError.internalError("pre_shared_key must be the last extension")
            }
        }
        try writer.writeVector(prefixBytes: 2) { w in
            for ext in extensions {
                w.writeUInt16(ext.type.rawValue)
                try w.writeVector(prefixBytes: 2) { body in try ext.encodeBody(into: &body) }
            }
        }
    }

    /// A type that appears twice in `types`, found by sorting them in place (n log n: no list
    /// scanned once per element, no set allocated per message).
    private static func firstDuplicate(sorting types: UnsafeMutableBufferPointer<UInt16>) -> UInt16? {
        var types = types
        types.sort()
        for index in types.indices.dropFirst() where types[index] == types[index - 1] { return types[index] }
        return nil
    }
}
