import Crypto
import Testing
@testable import ResumableTLS

/// The in-place BoringSSL backend against swift-crypto's public AEADs, byte for byte.
@Suite("Crypto: in-place record AEAD backend vs swift-crypto")
struct CryptoRecordAEADBackendTests {
    static let algorithms: [TLSAEADAlgorithm] = [.aes128GCM, .aes256GCM, .chaCha20Poly1305]
    static let lengths = [0, 1, 15, 16, 17, 31, 64, 255, 1_024, 4_097, RecordProtection.maxInnerPlaintextLength]


    func keys(_ algorithm: TLSAEADAlgorithm, _ bytes: inout SplitMix64) throws -> TrafficKeys {
        try TrafficKeys(aead: algorithm, key: SymmetricKey(data: bytes.take(algorithm.keyLength)), iv: bytes.take(algorithm.ivLength))
    }

    /// header (5) + plaintext + room for the tag.
    func record(_ plaintext: [UInt8]) -> [UInt8] {
        let length = plaintext.count + 16
        return [23, 3, 3, UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length)] + plaintext + [UInt8](repeating: 0, count: 16)
    }

    @Test(arguments: algorithms)
    func sealMatchesSwiftCryptoAndOpensBothWays(_ algorithm: TLSAEADAlgorithm) throws {
        var bytes = SplitMix64(state: UInt64(algorithm.keyLength) << 8 | UInt64(algorithm == .chaCha20Poly1305 ? 1 : 0))
        for length in Self.lengths {
            let keys = try keys(algorithm, &bytes)
            let inPlace = try #require(BoringSSLAEADBackend(algorithm: algorithm, key: keys.key))
            let reference = SwiftCryptoAEADBackend(algorithm: algorithm, key: keys.key)
            let plaintext = bytes.take(length)
            let sequenceNumber = UInt64.random(in: 0 ... .max, using: &bytes)
            let nonce = keys.recordNonce(sequenceNumber: sequenceNumber)
            #expect(nonce.bytes == keys.nonce(sequenceNumber: sequenceNumber))

            var ours = record(plaintext)
            var theirs = ours
            try inPlace.sealInPlace(&ours, plaintext: 5 ..< 5 + length, nonce: nonce, additionalData: 0 ..< 5)
            try reference.sealInPlace(&theirs, plaintext: 5 ..< 5 + length, nonce: nonce, additionalData: 0 ..< 5)
            #expect(ours == theirs, "\(algorithm) length \(length)")
            #expect(ours.count == 5 + length + 16)
            if length >= 16 { #expect(Array(ours[5 ..< 5 + length]) != plaintext) }

            var openedByReference = ours
            try reference.openInPlace(&openedByReference, ciphertext: 5 ..< 5 + length, nonce: nonce, additionalData: 0 ..< 5)
            #expect(Array(openedByReference[5 ..< 5 + length]) == plaintext)
            var openedInPlace = theirs
            try inPlace.openInPlace(&openedInPlace, ciphertext: 5 ..< 5 + length, nonce: nonce, additionalData: 0 ..< 5)
            #expect(Array(openedInPlace[5 ..< 5 + length]) == plaintext)
        }
    }

    @Test(arguments: algorithms)
    func tamperedRecordsFailToOpen(_ algorithm: TLSAEADAlgorithm) throws {
        var bytes = SplitMix64(state: 7)
        let keys = try keys(algorithm, &bytes)
        let backend = try #require(BoringSSLAEADBackend(algorithm: algorithm, key: keys.key))
        let nonce = keys.recordNonce(sequenceNumber: 3)
        var sealed = record(bytes.take(100))
        try backend.sealInPlace(&sealed, plaintext: 5 ..< 105, nonce: nonce, additionalData: 0 ..< 5)
        // Header (additional data), ciphertext, tag.
        for index in [3, 5, 60, 104, 105, sealed.count - 1] {
            var tampered = sealed
            tampered[index] ^= 0x80
            #expect(throws: TLSError.self) {
                try backend.openInPlace(&tampered, ciphertext: 5 ..< 105, nonce: nonce, additionalData: 0 ..< 5)
            }
            do {
                try backend.openInPlace(&tampered, ciphertext: 5 ..< 105, nonce: nonce, additionalData: 0 ..< 5)
            } catch let error as TLSError {
                #expect(error.alertToSend == .badRecordMAC)
            }
        }
        // The wrong nonce (another sequence number).
        var copy = sealed
        #expect(throws: TLSError.self) {
            try backend.openInPlace(&copy, ciphertext: 5 ..< 105, nonce: keys.recordNonce(sequenceNumber: 4), additionalData: 0 ..< 5)
        }
        // The untouched record still opens.
        copy = sealed
        try backend.openInPlace(&copy, ciphertext: 5 ..< 105, nonce: nonce, additionalData: 0 ..< 5)
    }

    @Test func rangesOutsideTheBufferThrowInsteadOfTrapping() throws {
        var bytes = SplitMix64(state: 11)
        let keys = try keys(.aes128GCM, &bytes)
        let backend = try #require(BoringSSLAEADBackend(algorithm: .aes128GCM, key: keys.key))
        let nonce = keys.recordNonce(sequenceNumber: 0)
        var short = [UInt8](repeating: 0, count: 20)   // no room for a 16-byte tag after 5..<20
        #expect(throws: TLSError.self) { try backend.sealInPlace(&short, plaintext: 5 ..< 20, nonce: nonce, additionalData: 0 ..< 5) }
        #expect(throws: TLSError.self) { try backend.openInPlace(&short, ciphertext: 5 ..< 20, nonce: nonce, additionalData: 0 ..< 5) }
        #expect(throws: TLSError.self) { try backend.sealInPlace(&short, plaintext: 0 ..< 1, nonce: nonce, additionalData: 0 ..< 64) }
    }

    @Test func keyOfTheWrongLengthIsRefused() {
        #expect(BoringSSLAEADBackend(algorithm: .aes256GCM, key: SymmetricKey(size: .bits128)) == nil)
        #expect(BoringSSLAEADBackend(algorithm: .aes128GCM, key: SymmetricKey(size: .bits256)) == nil)
    }

    /// Both implementations behind `RecordProtection` produce the same records.
    @Test(arguments: algorithms)
    func recordProtectionImplementationsAgree(_ algorithm: TLSAEADAlgorithm) throws {
        var bytes = SplitMix64(state: 99)
        let keys = try keys(algorithm, &bytes)
        var a = RecordProtection(keys: keys, implementation: .inPlace)
        var b = RecordProtection(keys: keys, implementation: .swiftCryptoSealedBox)
        for length in [1, 1_000, 16_380] {
            var x = [UInt8](repeating: 0, count: 5) + bytes.take(length)
            var y = x
            try a.seal(record: &x, contentType: .applicationData, paddingLength: 3)
            try b.seal(record: &y, contentType: .applicationData, paddingLength: 3)
            #expect(x == y)
            var opener = RecordProtection(keys: keys, sequenceNumber: a.sequenceNumber - 1)
            let opened = try opener.open(record: &y)
            #expect(opened.contentType == .applicationData && opened.content.count == length)
        }
    }
}
