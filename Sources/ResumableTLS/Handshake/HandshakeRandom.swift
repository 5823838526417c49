/// Random bytes for hello randoms, session IDs, cookies and ticket nonces, from the system's
/// cryptographically secure generator (`getrandom` on Linux).
enum HandshakeRandom {
    static func bytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }
}
