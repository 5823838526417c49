import Crypto

/// A session ID as a key of the server cache's index, held inline in 32 bytes.
///
/// A 32-byte ID (OpenSSL's, ours, every stateful ticket ID we issue) is its own key, stored as
/// four words, so keys are compared without following a pointer to the ID's array (a cache
/// miss per lookup) and an index entry stays small. An ID of any other length (TLS 1.2 allows
/// 0…32 bytes; an external store may hold anything) is keyed by SHA-256 of its length and bytes:
/// a 32-byte ID equal to such a digest would be a SHA-256 preimage.
struct SessionCacheKey: Hashable, Sendable {
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    init(_ id: [UInt8]) {
        if id.count == 32 {
            withUnsafeMutableBytes(of: &words) { destination in
                id.withUnsafeBytes { destination.copyMemory(from: $0) }
            }
        } else {
            var hasher = SHA256()
            withUnsafeBytes(of: UInt64(id.count).bigEndian) { hasher.update(bufferPointer: $0) }
            id.withUnsafeBytes { hasher.update(bufferPointer: $0) }
            let digest = hasher.finalize()
            withUnsafeMutableBytes(of: &words) { destination in
                digest.withUnsafeBytes { destination.copyMemory(from: $0) }
            }
        }
    }

    static func == (lhs: SessionCacheKey, rhs: SessionCacheKey) -> Bool {
        lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1 && lhs.words.2 == rhs.words.2 && lhs.words.3 == rhs.words.3
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }
}
