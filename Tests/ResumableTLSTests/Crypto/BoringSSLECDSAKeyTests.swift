import Crypto
import Testing
@testable import ResumableTLS

/// The BoringSSL twin of an ECDSA key must sign what swift-crypto verifies, for the curve's
/// own hash, and must refuse a public key that is not the private key's.
@Suite struct BoringSSLECDSAKeyTests {
    let content = Array("TLS 1.3, server CertificateVerify".utf8) + [UInt8](repeating: 0x20, count: 64)

    @Test func p256SignaturesVerifyWithSwiftCrypto() throws {
        let key = P256.Signing.PrivateKey()
        let twin = try #require(BoringSSLECDSAKey(key))
        #expect(twin.scheme == .ecdsaSecp256r1SHA256)
        for _ in 0..<8 {
            let der = try #require(twin.sign(content))
            let signature = try P256.Signing.ECDSASignature(derRepresentation: der)
            #expect(key.publicKey.isValidSignature(signature, for: content))
            #expect(!key.publicKey.isValidSignature(signature, for: content + [0]))
            #expect(!P256.Signing.PrivateKey().publicKey.isValidSignature(signature, for: content))
        }
    }

    @Test func p384SignaturesVerifyWithSwiftCrypto() throws {
        let key = P384.Signing.PrivateKey()
        let twin = try #require(BoringSSLECDSAKey(key))
        #expect(twin.scheme == .ecdsaSecp384r1SHA384)
        let der = try #require(twin.sign(content))
        let signature = try P384.Signing.ECDSASignature(derRepresentation: der)
        #expect(key.publicKey.isValidSignature(signature, for: content))
        #expect(!key.publicKey.isValidSignature(signature, for: Array(content.dropLast())))
    }

    @Test func aPublicKeyOfAnotherKeyIsRefused() {
        let key = P256.Signing.PrivateKey()
        let other = P256.Signing.PrivateKey()
        #expect(BoringSSLECDSAKey(curve: .p256, privateKey: key.rawRepresentation, publicKey: other.publicKey.x963Representation) == nil)
        #expect(BoringSSLECDSAKey(curve: .p384, privateKey: key.rawRepresentation, publicKey: key.publicKey.x963Representation) == nil)
    }

    @Test func tlsPrivateKeySignsThroughTheTwin() throws {
        let key = P256.Signing.PrivateKey()
        let tlsKey = TLSPrivateKey(key)
        let der = try tlsKey.sign(content, scheme: .ecdsaSecp256r1SHA256)
        #expect(key.publicKey.isValidSignature(try P256.Signing.ECDSASignature(derRepresentation: der), for: content))
    }
}
