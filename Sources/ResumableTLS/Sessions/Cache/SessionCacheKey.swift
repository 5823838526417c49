/// A session ID as a dictionary key of the server cache, hashed in one pass over its bytes.
///
/// `[UInt8]`'s own `Hashable` feeds the hasher one byte at a time, which made hashing the
/// largest cost of a cache lookup (BENCHMARKS.md, Profiles). Equality is the bytes'.
struct SessionCacheKey: Hashable, Sendable {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}
