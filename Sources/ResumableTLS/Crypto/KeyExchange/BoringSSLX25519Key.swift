import Crypto
import Foundation
// swift-crypto's copy of BoringSSL; see BoringSSLAEADBackend.swift for why it is imported.
internal import CCryptoBoringSSL

/// An ephemeral X25519 key pair (RFC 7748) through BoringSSL's `X25519_keypair` and `X25519`,
/// the functions swift-crypto's `Curve25519.KeyAgreement` wraps: both halves are held inside
/// this one object and the shared secret is computed on the stack, where swift-crypto makes a
/// key object, a public-key copy and a secret object per step. The private half is zeroed when
/// the object is released.
///
/// Made and used by one handshake, never concurrently (so the private key is read in place),
/// hence `@unchecked Sendable`.
final class BoringSSLX25519Key: @unchecked Sendable {
    private var privateKey: InlineArray<32, UInt8>
    /// The public value, the `key_exchange` of this side's X25519 share (RFC 8446 §4.2.8.2).
    let publicKey: InlineArray<32, UInt8>

    /// A fresh random key pair.
    convenience init() {
        self.init { publicKey, privateKey in CCryptoBoringSSL_X25519_keypair(publicKey, privateKey) }
    }

    /// The key pair of a known private scalar (32 bytes, RFC 7748 §5), for known-answer tests;
    /// nil for another length.
    convenience init?(rawPrivateKey: [UInt8]) {
        guard rawPrivateKey.count == 32 else { return nil }
        self.init { publicKey, privateKey in
            rawPrivateKey.withUnsafeBufferPointer { raw in
                if let base = raw.baseAddress { privateKey.update(from: base, count: 32) }
            }
            CCryptoBoringSSL_X25519_public_from_private(publicKey, privateKey)
        }
    }

    /// The pair `fill` writes: 32 bytes of public value, then of private key, into the pointers
    /// it is given (zeroed scratch space, wiped afterwards).
    private init(_ fill: (_ publicKey: UnsafeMutablePointer<UInt8>, _ privateKey: UnsafeMutablePointer<UInt8>) -> Void) {
        var privateKey = InlineArray<32, UInt8>(repeating: 0)
        var publicKey = InlineArray<32, UInt8>(repeating: 0)
        withUnsafeMutableBytes(of: &publicKey) { publicBytes in
            withUnsafeMutableBytes(of: &privateKey) { privateBytes in
                if let publicBase = publicBytes.baseAddress, let privateBase = privateBytes.baseAddress {
                    fill(publicBase.assumingMemoryBound(to: UInt8.self), privateBase.assumingMemoryBound(to: UInt8.self))
                }
            }
        }
        self.privateKey = privateKey
        self.publicKey = publicKey
        withUnsafeMutableBytes(of: &privateKey) { CCryptoBoringSSL_OPENSSL_cleanse($0.baseAddress, $0.count) }
    }

    deinit {
        withUnsafeMutableBytes(of: &privateKey) { CCryptoBoringSSL_OPENSSL_cleanse($0.baseAddress, $0.count) }
    }

    /// The public value as the bytes of a key share.
    var publicKeyBytes: [UInt8] { withUnsafeBytes(of: publicKey) { Array($0) } }

    /// The shared secret with the peer's 32-byte public value (RFC 7748 §6.1), or nil when it
    /// is all zeros (a low-order peer value, which RFC 8446 §7.4.2 requires refusing: BoringSSL
    /// checks it in constant time) or the peer value is not 32 bytes.
    func sharedSecret(peerPublicKey: some ContiguousBytes) -> SymmetricKey? {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { shared -> SymmetricKey? in
            defer { CCryptoBoringSSL_OPENSSL_cleanse(shared.baseAddress, 32) }
            let agreed = peerPublicKey.withUnsafeBytes { peer -> Bool in
                guard peer.count == 32 else { return false }
                return withUnsafeBytes(of: &privateKey) { privateBytes in
                    CCryptoBoringSSL_X25519(shared.baseAddress, privateBytes.baseAddress?.assumingMemoryBound(to: UInt8.self),
                                            peer.baseAddress?.assumingMemoryBound(to: UInt8.self)) == 1
                }
            }
            return agreed ? SymmetricKey(data: UnsafeRawBufferPointer(shared)) : nil
        }
    }
}
