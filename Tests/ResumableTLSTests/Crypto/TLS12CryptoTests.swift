import Crypto
import Foundation
import Testing
@testable import ResumableTLS

/// The TLS 1.2 PRF, key block and AEAD record protection (RFC 5246 §5, §6.2.3.3, §6.3; RFC 5288,
/// RFC 7905). The PRF vectors are the widely used ones from the TLS working group list and were
/// checked against OpenSSL 3.0's `openssl kdf … TLS1-PRF`; the interop tests check the rest
/// against OpenSSL, GnuTLS and Python on the wire.
@Suite("TLS 1.2 crypto")
struct TLS12CryptoTests {
    private static func hex(_ string: String) -> [UInt8] { [UInt8](hex: string) }

    @Test("PRF with SHA-256: 100 bytes of the published vector")
    func prfSHA256() {
        let output = TLS12PRF.compute(
            hash: .sha256, secret: SymmetricKey(data: Self.hex("9bbe436ba940f017b17652849a71db35")),
            label: "test label", seed: Self.hex("a0ba9f936cda311827a6f796ffd5198c"), length: 100)
        #expect(output == Self.hex(
            "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab"
            + "4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66"))
    }

    @Test("PRF with SHA-384: 48 bytes")
    func prfSHA384() {
        let output = TLS12PRF.compute(
            hash: .sha384, secret: SymmetricKey(data: Self.hex("b80b733d6ceefcdc71566ea48e5567df")),
            label: "test label", seed: Self.hex("cd665cf6a8447dd6ff8b27555edb7465"), length: 48)
        #expect(output == Self.hex("7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cde9ca0faa60be9fe34f82b1233c9146a0"))
    }

    @Test("The keyed-once P_hash equals the one-shot HMAC expansion for every length and both hashes")
    func fastPRFMatchesReference() {
        for hash in [TLSHashAlgorithm.sha256, .sha384] {
            for length in [1, 12, 31, 32, 33, 48, 64, 100, 104, 200] {
                let secret = SymmetricKey(data: HandshakeRandom.bytes(48))
                let seed = Array("key expansion".utf8) + HandshakeRandom.bytes(64)
                #expect(BoringSSLPHash.expand(hash: hash, secret: secret, seed: seed, length: length)
                        == TLS12PRF.reference(hash: hash, secret: secret, labelAndSeed: seed, length: length), "\(hash) \(length)")
            }
        }
    }

    @Test("Key block: lengths per suite, client and server keys differ")
    func keyBlock() {
        for suite in CipherSuite.tls12Suites {
            guard let parameters = suite.tls12Parameters else {
                Issue.record("\(suite) has no parameters")
                continue
            }
            let keys = TLS12KeySchedule.keys(parameters, masterSecret: SymmetricKey(size: .bits256),
                                             clientRandom: HandshakeRandom.bytes(32), serverRandom: HandshakeRandom.bytes(32))
            #expect(keys.client.key.bitCount == parameters.aead.keyLength * 8)
            #expect(keys.client.fixedIV.count == parameters.fixedIVLength)
            #expect(keys.client.key.tlsBytes != keys.server.key.tlsBytes)
        }
    }

    @Test("Finished verify_data is 12 bytes and checked in constant time", arguments: [true, false])
    func finished(client: Bool) {
        let master = SymmetricKey(data: [UInt8](repeating: 7, count: 48))
        let hash = TLSHashAlgorithm.sha256.hash([1, 2, 3])
        let data = TLS12KeySchedule.verifyData(hash: .sha256, masterSecret: master, client: client, transcriptHash: hash)
        #expect(data.count == 12)
        #expect(TLS12KeySchedule.isValidVerifyData(data, hash: .sha256, masterSecret: master, client: client, transcriptHash: hash))
        #expect(!TLS12KeySchedule.isValidVerifyData(data, hash: .sha256, masterSecret: master, client: !client, transcriptHash: hash))
        #expect(!TLS12KeySchedule.isValidVerifyData(Array(data.prefix(11)), hash: .sha256, masterSecret: master, client: client, transcriptHash: hash))
    }

    private static func protections(_ suite: CipherSuite) throws -> (TLS12RecordProtection, TLS12RecordProtection) {
        let parameters = try #require(suite.tls12Parameters)
        let keys = TLS12KeySchedule.keys(parameters, masterSecret: SymmetricKey(size: .bits256),
                                         clientRandom: [UInt8](repeating: 1, count: 32), serverRandom: [UInt8](repeating: 2, count: 32))
        return (TLS12RecordProtection(keys: keys.client), TLS12RecordProtection(keys: keys.client, implementation: .swiftCryptoSealedBox))
    }

    @Test("Records seal and open across both AEAD backends; layout per RFC 5288 / RFC 7905",
          arguments: [CipherSuite.ecdheECDSAWithAES128GCMSHA256, .ecdheRSAWithAES256GCMSHA384, .ecdheECDSAWithChaCha20Poly1305SHA256])
    func roundTrip(suite: CipherSuite) throws {
        var (sealer, opener) = try Self.protections(suite)
        let explicit = sealer.parameters.explicitNonceLength
        for (sequence, content) in [[UInt8](), Array("hello".utf8), [UInt8](repeating: 0xAB, count: 1 << 14)].enumerated() {
            var record = [UInt8](repeating: 0, count: sealer.recordPrefixLength) + content
            try sealer.seal(&record, recordStart: 0, contentType: .applicationData)
            #expect(record.count == 5 + explicit + content.count + 16)
            #expect(Array(record[0 ..< 3]) == [23, 3, 3])
            #expect(Int(record[3]) << 8 | Int(record[4]) == explicit + content.count + 16)
            if explicit == 8 {
                #expect(Array(record[5 ..< 13]) == [0, 0, 0, 0, 0, 0, 0, UInt8(sequence)], "the explicit nonce is the sequence number")
            }
            let opened = try opener.open(&record, record: record.startIndex ..< record.endIndex)
            #expect(opened.contentType == .applicationData)
            #expect(Array(record[opened.content]) == content)
        }
    }

    @Test("A flipped bit, a wrong type in the header or a truncated record is bad_record_mac",
          arguments: [CipherSuite.ecdheECDSAWithAES128GCMSHA256, .ecdheECDSAWithChaCha20Poly1305SHA256])
    func tampering(suite: CipherSuite) throws {
        var (sealer, _) = try Self.protections(suite)
        var record = [UInt8](repeating: 0, count: sealer.recordPrefixLength) + Array("data".utf8)
        try sealer.seal(&record, recordStart: 0, contentType: .handshake)
        for mutate in [{ (r: inout [UInt8]) in r[r.count - 1] ^= 1 }, { r in r[0] = ContentType.alert.rawValue },
                       { r in r = Array(r[0 ..< 5]) + [0, 1, 2]; r[3] = 0; r[4] = 3 }] {
            var (_, opener) = try Self.protections(suite)
            var copy = record
            mutate(&copy)
            #expect(throws: TLSError.self) { _ = try opener.open(&copy, record: copy.startIndex ..< copy.endIndex) }
            do {
                _ = try opener.open(&copy, record: copy.startIndex ..< copy.endIndex)
            } catch let error as TLSError {
                #expect(error.alertToSend == .badRecordMAC, "\(error)")
            }
        }
    }

    @Test("A protected change_cipher_spec is unexpected_message; a plaintext over 2^14 is record_overflow")
    func typeAndSize() throws {
        var (sealer, opener) = try Self.protections(.ecdheECDSAWithAES128GCMSHA256)
        var record = [UInt8](repeating: 0, count: sealer.recordPrefixLength) + [1]
        try sealer.seal(&record, recordStart: 0, contentType: .handshake)
        record[0] = ContentType.changeCipherSpec.rawValue
        #expect(throws: TLSError.unexpectedMessage("protected record of type 20")) {
            _ = try opener.open(&record, record: record.startIndex ..< record.endIndex)
        }
        var large = [UInt8](repeating: 0, count: 5 + 8 + (1 << 14) + 1 + 16)
        large[0] = 23
        #expect(throws: TLSError.recordOverflow("TLS 1.2 plaintext of 16385 bytes exceeds 2^14")) {
            _ = try opener.open(&large, record: large.startIndex ..< large.endIndex)
        }
    }
}
