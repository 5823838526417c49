import Crypto
import Foundation
// swift-crypto's copy of BoringSSL; see BoringSSLAEADBackend.swift for why it is imported.
internal import CCryptoBoringSSL

/// An ECDSA private key (P-256 or P-384) as a BoringSSL `EC_KEY`, made once from the
/// swift-crypto key it mirrors, that signs a CertificateVerify or ServerKeyExchange with
/// `ECDSA_sign` straight into the DER signature: the content is hashed on the stack and the
/// signature is the one allocation. swift-crypto's `signature(for:)` reaches the same
/// `ECDSA_do_sign` through a dozen intermediate objects (digest context, bignums, raw then DER
/// re-encoding), which made signing the largest source of allocations in a full handshake.
///
/// BoringSSL's `ECDSA_sign` takes the key `const` and may run concurrently on one key; the key
/// is never changed after `init`, hence `@unchecked Sendable`.
final class BoringSSLECDSAKey: @unchecked Sendable {
    /// The curve, which also fixes the hash (RFC 8446 §4.2.3: P-256 with SHA-256, P-384 with SHA-384).
    enum Curve: Sendable {
        case p256, p384

        var nid: Int32 {
            switch self {
            case .p256: return NID_X9_62_prime256v1
            case .p384: return NID_secp384r1
            }
        }
    }

    private let key: OpaquePointer
    let curve: Curve

    /// The one signature scheme this key signs for.
    var scheme: SignatureScheme { curve == .p256 ? .ecdsaSecp256r1SHA256 : .ecdsaSecp384r1SHA384 }

    /// The key whose private scalar is `privateKey` (big-endian, the curve's size) and whose
    /// public point is `publicKey` (X9.63 uncompressed); nil if BoringSSL refuses them (it checks
    /// that they belong together).
    init?(curve: Curve, privateKey: some ContiguousBytes, publicKey: some ContiguousBytes) {
        guard let key = CCryptoBoringSSL_EC_KEY_new_by_curve_name(curve.nid) else { return nil }
        let loaded = privateKey.withUnsafeBytes { scalar in
            publicKey.withUnsafeBytes { point in
                CCryptoBoringSSL_EC_KEY_oct2priv(key, scalar.baseAddress?.assumingMemoryBound(to: UInt8.self), scalar.count) == 1
                    && CCryptoBoringSSL_EC_KEY_oct2key(key, point.baseAddress?.assumingMemoryBound(to: UInt8.self), point.count, nil) == 1
                    && CCryptoBoringSSL_EC_KEY_check_key(key) == 1
            }
        }
        guard loaded else {
            CCryptoBoringSSL_EC_KEY_free(key)
            CCryptoBoringSSL_ERR_clear_error()
            return nil
        }
        self.key = key
        self.curve = curve
    }

    /// The swift-crypto key's twin.
    convenience init?(_ key: P256.Signing.PrivateKey) {
        self.init(curve: .p256, privateKey: key.rawRepresentation, publicKey: key.publicKey.x963Representation)
    }

    /// The swift-crypto key's twin.
    convenience init?(_ key: P384.Signing.PrivateKey) {
        self.init(curve: .p384, privateKey: key.rawRepresentation, publicKey: key.publicKey.x963Representation)
    }

    deinit {
        // EC_KEY_free clears the private scalar.
        CCryptoBoringSSL_EC_KEY_free(key)
    }

    /// The DER-encoded `ECDSA-Sig-Value` over the curve's hash of `content`; nil only if
    /// BoringSSL fails.
    func sign(_ content: some ContiguousBytes) -> [UInt8]? {
        withDigest(of: content) { digest -> [UInt8]? in
            let capacity = CCryptoBoringSSL_ECDSA_size(key)
            var signed = false
            let signature = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
                var length: UInt32 = 0
                signed = CCryptoBoringSSL_ECDSA_sign(0, digest.baseAddress, digest.count, buffer.baseAddress, &length, key) == 1
                initialized = signed ? Int(length) : 0
            }
            if !signed { CCryptoBoringSSL_ERR_clear_error() }
            return signed ? signature : nil
        }
    }

    /// The curve's hash of `content`, on the stack for the duration of `body`.
    private func withDigest<Result>(of content: some ContiguousBytes, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 48) { digest in
            let length = curve == .p256 ? 32 : 48
            content.withUnsafeBytes { data in
                let input = data.baseAddress?.assumingMemoryBound(to: UInt8.self)
                switch curve {
                case .p256: _ = CCryptoBoringSSL_SHA256(input, data.count, digest.baseAddress)
                case .p384: _ = CCryptoBoringSSL_SHA384(input, data.count, digest.baseAddress)
                }
            }
            return body(UnsafeBufferPointer(rebasing: digest[0 ..< length]))
        }
    }
}
