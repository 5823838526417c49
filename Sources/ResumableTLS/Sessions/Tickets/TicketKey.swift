import Crypto
import Foundation

/// One ticket key (S24, S25): a 16-byte name sent in the clear at the front of every ticket it
/// seals, and a 32-byte AES-256-GCM key. The unit that OpenSSL's
/// `SSL_CTX_set_tlsext_ticket_key_evp_cb` callback picks by name (and that nginx's
/// `ssl_session_ticket_key` files hold).
///
/// `notBefore` is when the key may start encrypting. A `TicketKeyRing` built from outside keys
/// (a key file or a `TicketKeySource`) encrypts with the key with the latest `notBefore` that
/// has passed; the ring's own generated keys use their creation time.
///
/// The key material never appears in `description`.
public struct TicketKey: Sendable, CustomStringConvertible {
    /// Length of a key name: 16 bytes (RFC 5077 §4's `key_name`).
    public static let nameLength = 16
    /// Length of the AES-256-GCM key: 32 bytes.
    public static let keyLength = 32

    /// The key name, in the clear at the start of each ticket so the ring can find the key.
    public let name: [UInt8]
    /// When the key may start encrypting.
    public let notBefore: Date
    /// The AES-256-GCM key.
    let symmetricKey: SymmetricKey
    /// The key's AEAD context, keyed once (a ticket is sealed or opened on every handshake);
    /// nil only if BoringSSL refused the key, when swift-crypto's `AES.GCM` is used instead.
    let aead: BoringSSLAEADBackend?

    /// A key from its parts; throws `TicketKeyError.invalidKey` unless `name` is 16 bytes and
    /// `keyBytes` is 32.
    public init(name: [UInt8], keyBytes: [UInt8], notBefore: Date) throws {
        guard name.count == Self.nameLength else {
            throw TicketKeyError.invalidKey("name is \(name.count) bytes, not \(Self.nameLength)")
        }
        guard keyBytes.count == Self.keyLength else {
            throw TicketKeyError.invalidKey("key is \(keyBytes.count) bytes, not \(Self.keyLength)")
        }
        self.init(name: name, symmetricKey: SymmetricKey(data: keyBytes), notBefore: notBefore)
    }

    private init(name: [UInt8], symmetricKey: SymmetricKey, notBefore: Date) {
        self.name = name
        self.symmetricKey = symmetricKey
        self.notBefore = notBefore
        self.aead = BoringSSLAEADBackend(algorithm: .aes256GCM, key: symmetricKey)
    }

    /// A fresh random key (name and key from the system's CSPRNG) that may encrypt from
    /// `notBefore` on. This is what OpenSSL does at `SSL_CTX_new` when no keys are set.
    public static func generate(notBefore: Date) -> TicketKey {
        var generator = SystemRandomNumberGenerator()
        let name = (0..<nameLength).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return TicketKey(name: name, symmetricKey: SymmetricKey(size: .bits256), notBefore: notBefore)
    }

    /// Calls `body` with the raw key bytes (to write a key file). Do not keep the pointer.
    public func withKeyBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try symmetricKey.withUnsafeBytes(body)
    }

    /// The name in lower-case hex.
    public var nameHex: String { name.map { Self.hexDigits($0) }.joined() }

    /// `TicketKey(name <hex>, notBefore <date>)`; never the key material.
    public var description: String { "TicketKey(name \(nameHex), notBefore \(notBefore))" }

    static func hexDigits(_ byte: UInt8) -> String {
        let digits: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f"]
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }
}

/// Why ticket keys could not be loaded or used (S25). Bad key files and key sources always
/// end here, never in a trap.
public enum TicketKeyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The key file could not be opened or read.
    case unreadableFile(path: String, reason: String)
    /// The key file is larger than `TicketKeyFile.maximumFileSize`.
    case fileTooLarge(path: String, limit: Int)
    /// A line of a key file is not `name-hex key-hex not-before` (`line` counts from 1).
    case malformedLine(line: Int, reason: String)
    /// A key has a wrong-sized name or key.
    case invalidKey(String)
    /// Two keys share a name (hex), so a ticket's key would be ambiguous.
    case duplicateKeyName(String)
    /// The file or source holds no key.
    case noKeys
    /// More keys than `TicketKeyRing.maximumKeyCount`.
    case tooManyKeys(count: Int, limit: Int)
    /// No key's `notBefore` has passed yet, so nothing may encrypt a ticket.
    case noActiveKey
    /// The key file could not be written.
    case unwritableFile(path: String, reason: String)
    /// The active outside key (name in hex) sealed `TicketKeyRing.maximumSealsPerKey`
    /// tickets; install a newer key.
    case keyExhausted(String)

    /// A one-line explanation.
    public var description: String {
        switch self {
        case .unreadableFile(let path, let reason): return "cannot read ticket key file \(path): \(reason)"
        case .fileTooLarge(let path, let limit): return "ticket key file \(path) is larger than \(limit) bytes"
        case .malformedLine(let line, let reason): return "ticket key file line \(line): \(reason)"
        case .invalidKey(let reason): return "invalid ticket key: \(reason)"
        case .duplicateKeyName(let name): return "duplicate ticket key name \(name)"
        case .noKeys: return "no ticket keys"
        case .tooManyKeys(let count, let limit): return "\(count) ticket keys, more than \(limit)"
        case .noActiveKey: return "no ticket key is active (every notBefore is in the future, or the newest key is past its maximum age)"
        case .keyExhausted(let name): return "ticket key \(name) sealed its maximum number of tickets; install a newer key"
        case .unwritableFile(let path, let reason): return "cannot write ticket key file \(path): \(reason)"
        }
    }
}

/// Where a fleet's shared ticket keys come from (S25): a key file (`TicketKeyFile`), or later a
/// shared store such as Redis. `TicketKeyRing.reload()` asks the source for the full current
/// set and installs it. OpenSSL has no equivalent; servers there reload keys through
/// `SSL_CTX_set_tlsext_ticket_keys` or the key callback.
public protocol TicketKeySource: Sendable {
    /// The complete current set of keys, throwing `TicketKeyError` (or the store's own error)
    /// when it cannot be read. May be slow (a network store); never called under a lock.
    func loadTicketKeys() async throws -> [TicketKey]
}
