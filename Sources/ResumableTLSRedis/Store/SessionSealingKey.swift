import Crypto
import Foundation

/// The fleet's key for what it keeps in Redis: values sealed with AES-256-GCM and keys named by
/// HMAC-SHA256 of the session ID, each under its own key derived (HKDF-SHA256) from one
/// 32-byte secret that every server shares. Read access to Redis alone then reveals neither
/// resumption secrets nor session IDs, and a value moved to another key does not open.
public struct SessionSealingKey: Sendable {
    private let sealing: SymmetricKey
    private let naming: SymmetricKey

    /// The key from a 32-byte shared secret; throws `invalidSecret` for another length.
    public init(secret: [UInt8]) throws(SessionSealingKeyError) {
        guard secret.count == 32 else { throw .invalidSecret(length: secret.count) }
        let root = SymmetricKey(data: secret)
        sealing = HKDF<SHA256>.deriveKey(inputKeyMaterial: root, info: Array("rtls redis session value".utf8), outputByteCount: 32)
        naming = HKDF<SHA256>.deriveKey(inputKeyMaterial: root, info: Array("rtls redis session name".utf8), outputByteCount: 32)
    }

    /// A fresh random key, for a single process or a test (a fleet shares one secret).
    public static func random() -> SessionSealingKey {
        let secret = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        do { return try SessionSealingKey(secret: secret) } catch { preconditionFailure("a 32-byte secret is always valid") }
    }

    /// The keyed hash that names `id` in Redis, in hex.
    func name(for id: [UInt8]) -> String {
        HMAC<SHA256>.authenticationCode(for: id, using: naming).map { String(format: "%02x", $0) }.joined()
    }

    /// `plaintext` sealed for the Redis key `key` (bound to it as associated data).
    func seal(_ plaintext: [UInt8], for key: String) throws -> [UInt8] {
        guard let combined = try AES.GCM.seal(plaintext, using: sealing, authenticating: Array(key.utf8)).combined else {
            throw SessionSealingKeyError.sealingFailed
        }
        return Array(combined)
    }

    /// What `seal` sealed for `key`, or nil if `sealed` is not that (tampered, another key or
    /// secret, truncated).
    func open(_ sealed: [UInt8], for key: String) -> [UInt8]? {
        guard let box = try? AES.GCM.SealedBox(combined: sealed),
              let plaintext = try? AES.GCM.open(box, using: sealing, authenticating: Array(key.utf8)) else { return nil }
        return Array(plaintext)
    }
}

/// Why a `SessionSealingKey` could not be made or used.
public enum SessionSealingKeyError: Error, Sendable, Hashable {
    /// The shared secret must be 32 bytes.
    case invalidSecret(length: Int)
    /// AES-GCM gave no sealed box.
    case sealingFailed
}
