/// A registry value carried on the wire as a big-endian uint16 (RFC 8446 §4.1.2, §4.2.3,
/// §4.2.7, §4.2.1).
package protocol UInt16CodePoint: Sendable, Hashable {
    /// The value as it is written on the wire.
    var rawValue: UInt16 { get }
    /// The value a wire uint16 stands for (every value is representable: the registries are open).
    init(rawValue: UInt16)
}

extension NamedGroup: UInt16CodePoint {}
extension SignatureScheme: UInt16CodePoint {}
extension CipherSuite: UInt16CodePoint {}
extension ProtocolVersion: UInt16CodePoint {}

/// A list of uint16 code points (`cipher_suites`, `named_group_list`, `supported_signature_algorithms`,
/// `versions`): either the values a sender built, or the bytes a peer sent, read in place.
///
/// A parsed list is a view of the received message (a slice, no copy): reading a ClientHello
/// allocates no array per list. Its length was checked to be even and within
/// `PeerListLimits` by the parser before the view was made.
package struct CodePointList<Element: UInt16CodePoint>: Sendable, Hashable, RandomAccessCollection, ExpressibleByArrayLiteral {
    private enum Storage: Sendable, Hashable {
        case values([Element])
        /// Big-endian pairs, an even number of bytes.
        case wire(ArraySlice<UInt8>)
    }

    private let storage: Storage

    /// A list of `values`, in this order.
    package init(_ values: [Element]) { storage = .values(values) }

    /// A list of the listed values, in this order.
    package init(arrayLiteral elements: Element...) { storage = .values(elements) }

    /// A view of received big-endian pairs; `bytes.count` must be even (the parser checks it).
    init(wire bytes: ArraySlice<UInt8>) { storage = .wire(bytes) }

    /// The position of the first value (Collection conformance).
    package var startIndex: Int { 0 }

    /// The position past the last value (Collection conformance).
    package var endIndex: Int {
        switch storage {
        case .values(let values): return values.count
        case .wire(let bytes): return bytes.count / 2
        }
    }

    /// The value at `position`, a valid index of this list (Collection conformance).
    package subscript(position: Int) -> Element {
        switch storage {
        case .values(let values):
            return values[position]
        case .wire(let bytes):
            let offset = bytes.startIndex + 2 * position
            return Element(rawValue: UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1]))
        }
    }

    /// The values as an array (a copy for a parsed list).
    package var values: [Element] {
        switch storage {
        case .values(let values): return values
        case .wire: return Array(self)
        }
    }

    package static func == (lhs: CodePointList, rhs: CodePointList) -> Bool {
        lhs.elementsEqual(rhs)
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for value in self { hasher.combine(value) }
    }
}

extension ByteReader {
    /// Reads a vector of uint16 code points as a view of the bytes (no copy), checking what
    /// `readUInt16List` checks: the RFC's length bounds, an even length (`decode_error`) and at
    /// most `maxCount` values (`illegal_parameter`, `PeerListLimits`).
    mutating func readCodePointList<Element>(
        prefixBytes: Int = 2, minLength: Int, maxLength: Int = 0xFFFF, maxCount: Int = .max, _ what: StaticString
    ) throws -> CodePointList<Element> {
        var body = try readVector(prefixBytes: prefixBytes, minLength: minLength, maxLength: maxLength, what)
        guard body.remaining % 2 == 0 else {
            throw TLSError.decodeError("\(what): odd length \(body.remaining)")
        }
        try PeerListLimits.check(body.remaining / 2, maxCount, what)
        return CodePointList(wire: body.readRemaining())
    }
}

extension ByteWriter {
    /// Writes code points with a `prefixBytes`-byte length prefix.
    mutating func writeCodePoints<Element>(_ list: CodePointList<Element>, prefixBytes: Int = 2) throws {
        try writeVector(prefixBytes: prefixBytes) { w in
            for value in list { w.writeUInt16(value.rawValue) }
        }
    }
}
