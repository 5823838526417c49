/// A ticket identity or session ID as a dictionary key, hashed in one pass over its bytes: an
/// `Array`'s own hashing feeds the hasher byte by byte, which for a 200-byte ticket cost more
/// than a microsecond per resumption.
struct OfferedIdentityKey: Hashable, Sendable {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}
