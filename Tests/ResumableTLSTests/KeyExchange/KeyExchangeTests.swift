import Crypto
import Testing
@testable import ResumableTLS

private func hex(_ string: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var index = string.startIndex
    while index < string.endIndex {
        let next = string.index(index, offsetBy: 2)
        bytes.append(UInt8(string[index..<next], radix: 16) ?? 0)
        index = next
    }
    return bytes
}

private func alert(of body: () throws -> Void) -> AlertDescription? {
    do {
        try body()
        return nil
    } catch let error as TLSError {
        return error.alertToSend
    } catch {
        return nil
    }
}

@Suite("KeyExchange")
struct KeyExchangeTests {
    // RFC 8448 §3: the client's x25519 private key, the server's key_share, the shared secret.
    static let clientPrivate = hex("49af42ba7f7994852d713ef2784bcbcaa7911de26adc5642cb634540e7ea5005")
    static let clientPublic = hex("99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c")
    static let serverPublic = hex("c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f")
    static let sharedSecret = hex("8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d")

    @Test("RFC 8448 §3 x25519 shared secret (known answer)")
    func rfc8448X25519() throws {
        let key = try KeyExchangePrivateKey(group: .x25519, rawPrivateKey: Self.clientPrivate)
        #expect(key.group == .x25519)
        #expect(key.keyShare == Self.clientPublic)
        let secret = try key.sharedSecret(peerKeyShare: Self.serverPublic)
        #expect(secret.tlsBytes == Self.sharedSecret)
    }

    @Test("RFC 8448 §3 values from the vector file agree")
    func rfc8448FromVectorFile() throws {
        let privateKey = try RFC8448.value(section: 3, role: "client", step: "create an ephemeral x25519 key pair", label: "private key")
        let publicKey = try RFC8448.value(section: 3, role: "client", step: "create an ephemeral x25519 key pair", label: "public key")
        #expect(privateKey == Self.clientPrivate)
        #expect(publicKey == Self.clientPublic)
    }

    @Test("The shared secret feeds the RFC 8448 §3 handshake secret")
    func feedsKeySchedule() throws {
        let key = try KeyExchangePrivateKey(group: .x25519, rawPrivateKey: Self.clientPrivate)
        let secret = try key.sharedSecret(peerKeyShare: Self.serverPublic)
        let handshake = KeySchedule.Early(hash: .sha256).handshake(sharedSecret: secret)
        _ = handshake.master()
    }

    @Test("Two fresh keys agree", arguments: [NamedGroup.x25519, .secp256r1, .secp384r1])
    func roundTrip(group: NamedGroup) throws {
        let client = try KeyExchangePrivateKey(group: group)
        let server = try KeyExchangePrivateKey(group: group)
        #expect(client.keyShare.count == KeyExchangePrivateKey.keyShareLength(for: group))
        if group != .x25519 { #expect(client.keyShare.first == 0x04) }
        let a = try client.sharedSecret(peerKeyShare: server.keyShare)
        let b = try server.sharedSecret(peerKeyShare: client.keyShare)
        #expect(a.tlsBytes == b.tlsBytes)
        #expect(a.tlsBytes.count == (group == .secp384r1 ? 48 : 32))
    }

    @Test("Raw private keys round-trip for the NIST curves")
    func rawNISTKeys() throws {
        let p256 = P256.KeyAgreement.PrivateKey()
        let key = try KeyExchangePrivateKey(group: .secp256r1, rawPrivateKey: Array(p256.rawRepresentation))
        #expect(key.keyShare == Array(p256.publicKey.x963Representation))
        let p384 = P384.KeyAgreement.PrivateKey()
        let key384 = try KeyExchangePrivateKey(group: .secp384r1, rawPrivateKey: Array(p384.rawRepresentation))
        #expect(key384.keyShare == Array(p384.publicKey.x963Representation))
    }

    @Test("Wrong-length peer shares are illegal_parameter", arguments: [NamedGroup.x25519, .secp256r1, .secp384r1])
    func wrongLength(group: NamedGroup) throws {
        let key = try KeyExchangePrivateKey(group: group)
        let other = try KeyExchangePrivateKey(group: group).keyShare
        for share in [[], Array(other.dropLast()), other + [0], [UInt8](repeating: 4, count: 1)] {
            #expect(alert { _ = try key.sharedSecret(peerKeyShare: share) } == .illegalParameter)
        }
    }

    @Test("A share of another group is illegal_parameter")
    func crossGroup() throws {
        let p256 = try KeyExchangePrivateKey(group: .secp256r1)
        let p384 = try KeyExchangePrivateKey(group: .secp384r1)
        let x = try KeyExchangePrivateKey(group: .x25519)
        #expect(alert { _ = try p256.sharedSecret(peerKeyShare: p384.keyShare) } == .illegalParameter)
        #expect(alert { _ = try p384.sharedSecret(peerKeyShare: p256.keyShare) } == .illegalParameter)
        #expect(alert { _ = try x.sharedSecret(peerKeyShare: p256.keyShare) } == .illegalParameter)
    }

    @Test("NIST points that are compressed or not on the curve are illegal_parameter", arguments: [NamedGroup.secp256r1, .secp384r1])
    func notOnCurve(group: NamedGroup) throws {
        let key = try KeyExchangePrivateKey(group: group)
        var share = try KeyExchangePrivateKey(group: group).keyShare
        // Flip the last bit of Y: the point leaves the curve.
        share[share.count - 1] ^= 0x01
        #expect(alert { _ = try key.sharedSecret(peerKeyShare: share) } == .illegalParameter)
        // Compressed/hybrid prefixes are not allowed in TLS 1.3.
        var compressed = try KeyExchangePrivateKey(group: group).keyShare
        compressed[0] = 0x02
        #expect(alert { _ = try key.sharedSecret(peerKeyShare: compressed) } == .illegalParameter)
        // The all-zero "point".
        var zero = [UInt8](repeating: 0, count: share.count)
        zero[0] = 0x04
        #expect(alert { _ = try key.sharedSecret(peerKeyShare: zero) } == .illegalParameter)
    }

    @Test("Low-order x25519 shares giving an all-zero secret are illegal_parameter (RFC 8446 §7.4.2)")
    func allZeroX25519() throws {
        let key = try KeyExchangePrivateKey(group: .x25519)
        let zero = [UInt8](repeating: 0, count: 32)
        #expect(alert { _ = try key.sharedSecret(peerKeyShare: zero) } == .illegalParameter)
        var one = [UInt8](repeating: 0, count: 32)
        one[0] = 1
        #expect(alert { _ = try key.sharedSecret(peerKeyShare: one) } == .illegalParameter)
    }

    @Test("Unsupported groups are internal_error for local choices")
    func unsupportedGroup() {
        #expect(alert { _ = try KeyExchangePrivateKey(group: .x448) } == .internalError)
        #expect(alert { _ = try KeyExchangePrivateKey(group: .ffdhe2048, rawPrivateKey: []) } == .internalError)
        #expect(alert { _ = try KeyExchangePrivateKey(group: .x25519, rawPrivateKey: [1, 2, 3]) } == .internalError)
        #expect(!KeyExchangePrivateKey.supports(.secp521r1))
        #expect(KeyExchangePrivateKey.supports(.x25519))
    }

    @Test("RFC 8448 §3: the server's key gives the same secret from the client's share")
    func rfc8448ServerSide() throws {
        let serverPrivate = try RFC8448.value(section: 3, role: "server", step: "create an ephemeral x25519 key pair", label: "private key")
        let server = try KeyExchangePrivateKey(group: .x25519, rawPrivateKey: serverPrivate)
        #expect(server.keyShare == Self.serverPublic)
        #expect(try server.sharedSecret(peerKeyShare: Self.clientPublic).tlsBytes == Self.sharedSecret)
    }

    @Test("Random peer shares never trap: each is accepted or refused with illegal_parameter")
    func randomShares() throws {
        var generator = SplitMix64(state: 0x5EED)
        for group in KeyExchangePrivateKey.supportedGroups {
            let key = try KeyExchangePrivateKey(group: group)
            let length = try #require(KeyExchangePrivateKey.keyShareLength(for: group))
            for round in 0..<200 {
                let count = round % 3 == 0 ? Int(generator.next() % 140) : length
                var share = (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
                if round % 2 == 0, !share.isEmpty, group != .x25519 { share[0] = 0x04 }
                do {
                    _ = try key.sharedSecret(peerKeyShare: share)
                } catch let error as TLSError {
                    #expect(error.alertToSend == .illegalParameter)
                }
            }
        }
    }
}
