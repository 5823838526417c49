import Crypto
import Foundation
import Testing
@testable import ResumableTLS

/// X25519 through BoringSSL directly must agree with swift-crypto's `Curve25519.KeyAgreement`
/// (the reference) and with RFC 7748, and must refuse a low-order peer value.
@Suite struct BoringSSLX25519KeyTests {
    @Test func agreesWithSwiftCryptoBothWays() throws {
        for _ in 0..<8 {
            let ours = BoringSSLX25519Key()
            let theirs = Curve25519.KeyAgreement.PrivateKey()
            let peerPublic = try Curve25519.KeyAgreement.PublicKey(rawRepresentation: ours.publicKeyBytes)
            let expected = try theirs.sharedSecretFromKeyAgreement(with: peerPublic).withUnsafeBytes { Array($0) }
            let computed = try #require(ours.sharedSecret(peerPublicKey: Array(theirs.publicKey.rawRepresentation)))
            #expect(computed.withUnsafeBytes { Array($0) } == expected)
        }
    }

    @Test func rfc7748KnownAnswer() throws {
        // RFC 7748 §6.1: Alice's and Bob's keys and their shared secret.
        let alicePrivate = [UInt8](hex: "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
        let bobPublic = [UInt8](hex: "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
        let alice = try #require(BoringSSLX25519Key(rawPrivateKey: alicePrivate))
        #expect(alice.publicKeyBytes == [UInt8](hex: "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"))
        let shared = try #require(alice.sharedSecret(peerPublicKey: bobPublic))
        #expect(shared.withUnsafeBytes { Array($0) } == [UInt8](hex: "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"))
    }

    @Test func lowOrderOrMalformedPeerValuesAreRefused() throws {
        let key = BoringSSLX25519Key()
        #expect(key.sharedSecret(peerPublicKey: [UInt8](repeating: 0, count: 32)) == nil)
        var one = [UInt8](repeating: 0, count: 32)
        one[0] = 1
        #expect(key.sharedSecret(peerPublicKey: one) == nil)
        #expect(key.sharedSecret(peerPublicKey: [UInt8](repeating: 9, count: 31)) == nil)
        #expect(BoringSSLX25519Key(rawPrivateKey: [1, 2, 3]) == nil)
        // Through the TLS type: illegal_parameter.
        let share = try KeyExchangePrivateKey(group: .x25519)
        #expect(throws: TLSError.self) { _ = try share.sharedSecret(peerKeyShare: [UInt8](repeating: 0, count: 32)) }
    }
}
