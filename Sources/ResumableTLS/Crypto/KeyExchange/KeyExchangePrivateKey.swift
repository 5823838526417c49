import Crypto

/// An ephemeral (EC)DHE private key for one `key_share` entry (RFC 8446 §4.2.8, §7.4).
///
/// Supports `x25519` (RFC 7748) and the NIST curves `secp256r1` and `secp384r1`. Every primitive
/// is swift-crypto's (`P256.KeyAgreement`, `P384.KeyAgreement`, and for X25519 the BoringSSL
/// functions its `Curve25519.KeyAgreement` wraps, called directly: `BoringSSLX25519Key`); this
/// type only fixes the TLS encodings and checks:
///
/// - `keyShare` is the `key_exchange` field this side sends: 32 raw bytes for X25519, the
///   uncompressed point `0x04 || X || Y` for the NIST curves (RFC 8446 §4.2.8.2).
/// - `sharedSecret(peerKeyShare:)` checks the peer's `key_exchange` (length, point format, point
///   on the curve) and rejects an all-zero X25519 result (RFC 8446 §7.4.2), throwing
///   `illegal_parameter` for each.
package struct KeyExchangePrivateKey: Sendable {
    /// The groups this type implements, in the library's order of preference (RFC 8446 §4.2.7).
    package static let supportedGroups: [NamedGroup] = [.x25519, .secp256r1, .secp384r1]

    /// Whether `group` is one of `supportedGroups` (RFC 8446 §4.2.7).
    package static func supports(_ group: NamedGroup) -> Bool {
        supportedGroups.contains(group)
    }

    private enum Backing: Sendable {
        case x25519(BoringSSLX25519Key)
        case secp256r1(P256.KeyAgreement.PrivateKey)
        case secp384r1(P384.KeyAgreement.PrivateKey)
    }

    private let backing: Backing

    /// The group of this key (RFC 8446 §4.2.7).
    package var group: NamedGroup {
        switch backing {
        case .x25519: return .x25519
        case .secp256r1: return .secp256r1
        case .secp384r1: return .secp384r1
        }
    }

    /// A fresh random key for `group`, for one `KeyShareEntry` (RFC 8446 §4.2.8).
    ///
    /// Throws `internal_error` for a group this type does not implement (choosing the group is a
    /// local decision; the caller should only pick from `supportedGroups`).
    package init(group: NamedGroup) throws {
        switch group {
        case .x25519: backing = .x25519(BoringSSLX25519Key())
        case .secp256r1: backing = .secp256r1(P256.KeyAgreement.PrivateKey())
        case .secp384r1: backing = .secp384r1(P384.KeyAgreement.PrivateKey())
        default: throw TLSError.internalError("key exchange group \(group) is not supported")
        }
    }

    /// A key from its raw private scalar, for known-answer tests (RFC 8448): 32 bytes for X25519
    /// (RFC 7748 §5), 32 bytes for secp256r1, 48 bytes for secp384r1 (big-endian scalar).
    ///
    /// Throws `internal_error` for an unsupported group or bytes swift-crypto refuses.
    package init(group: NamedGroup, rawPrivateKey: [UInt8]) throws {
        do {
            switch group {
            case .x25519:
                guard let key = BoringSSLX25519Key(rawPrivateKey: rawPrivateKey) else {
                    throw TLSError.internalError("invalid x25519 private key: \(rawPrivateKey.count) bytes, not 32")
                }
                backing = .x25519(key)
            case .secp256r1: backing = .secp256r1(try P256.KeyAgreement.PrivateKey(rawRepresentation: rawPrivateKey))
            case .secp384r1: backing = .secp384r1(try P384.KeyAgreement.PrivateKey(rawRepresentation: rawPrivateKey))
            default: throw TLSError.internalError("key exchange group \(group) is not supported")
            }
        } catch let error as TLSError {
            throw error
        } catch {
            throw TLSError.internalError("invalid \(group) private key: \(error)")
        }
    }

    /// The `key_exchange` bytes of this side's `KeyShareEntry` (RFC 8446 §4.2.8, §4.2.8.2).
    package var keyShare: [UInt8] {
        switch backing {
        case .x25519(let key): return key.publicKeyBytes
        case .secp256r1(let key): return Array(key.publicKey.x963Representation)
        case .secp384r1(let key): return Array(key.publicKey.x963Representation)
        }
    }

    /// The (EC)DHE shared secret with the peer's `key_exchange` bytes (RFC 8446 §7.4), as the
    /// input keying material for `KeySchedule.Early.handshake(sharedSecret:)`.
    ///
    /// X25519 gives the raw 32-byte output (§7.4.2); the NIST curves give the x-coordinate of the
    /// shared point, zero-padded to the field size (§7.4.1).
    ///
    /// Throws `illegal_parameter` when the peer's share has the wrong length, is not an
    /// uncompressed point, is not on the curve, or yields the all-zero X25519 output.
    package func sharedSecret(peerKeyShare: [UInt8]) throws -> SymmetricKey {
        try Self.checkKeyShareFormat(peerKeyShare, group: group)
        do {
            switch backing {
            case .x25519(let key):
                // The length was checked above; nil is the all-zero output.
                guard let secret = key.sharedSecret(peerPublicKey: peerKeyShare) else {
                    throw TLSError.illegalParameter("x25519 shared secret is all zeros (low-order peer key share)")
                }
                return secret
            case .secp256r1(let key):
                let peer = try P256.KeyAgreement.PublicKey(x963Representation: peerKeyShare)
                let secret = try key.sharedSecretFromKeyAgreement(with: peer)
                return secret.withUnsafeBytes { SymmetricKey(data: $0) }
            case .secp384r1(let key):
                let peer = try P384.KeyAgreement.PublicKey(x963Representation: peerKeyShare)
                let secret = try key.sharedSecretFromKeyAgreement(with: peer)
                return secret.withUnsafeBytes { SymmetricKey(data: $0) }
            }
        } catch let error as TLSError {
            throw error
        } catch {
            throw TLSError.illegalParameter("invalid \(group) key share: \(error)")
        }
    }

    /// The length of a `key_exchange` value for `group` (RFC 8446 §4.2.8.2), or `nil` if the
    /// group is not supported.
    package static func keyShareLength(for group: NamedGroup) -> Int? {
        switch group {
        case .x25519: return 32
        case .secp256r1: return 1 + 2 * 32
        case .secp384r1: return 1 + 2 * 48
        default: return nil
        }
    }

    /// Checks the encoding of a peer's `key_exchange` for `group` without computing anything:
    /// the exact length and, for the NIST curves, the uncompressed-point prefix `0x04`
    /// (RFC 8446 §4.2.8.2). A server can call this on a ClientHello's share before choosing it.
    ///
    /// Throws `illegal_parameter` on a mismatch, `internal_error` for an unsupported group.
    package static func checkKeyShareFormat(_ keyShare: [UInt8], group: NamedGroup) throws {
        guard let length = keyShareLength(for: group) else {
            throw TLSError.internalError("key exchange group \(group) is not supported")
        }
        guard keyShare.count == length else {
            throw TLSError.illegalParameter("\(group) key share is \(keyShare.count) bytes, expected \(length)")
        }
        if group != .x25519, keyShare.first != 0x04 {
            throw TLSError.illegalParameter("\(group) key share is not an uncompressed point")
        }
    }
}
