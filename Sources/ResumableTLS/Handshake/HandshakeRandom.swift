/// Random bytes for hello randoms, session IDs, cookies, ticket IDs and age_add values, from
/// the system's cryptographically secure generator (`getrandom` on Linux).
enum HandshakeRandom {
    static func bytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count + 7)
        // Eight bytes per draw: one system call per word, not per byte.
        while bytes.count < count {
            withUnsafeBytes(of: generator.next() as UInt64) { bytes.append(contentsOf: $0) }
        }
        bytes.removeLast(bytes.count - count)
        return bytes
    }
}
