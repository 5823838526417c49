import Crypto
import Foundation
import Testing
@testable import ResumableTLS

@Suite("Crypto: key schedule (RFC 8448 §3, §4, §5)")
struct CryptoKeyScheduleTests {
    @Test func suiteParameters() throws {
        let aes128 = try #require(CipherSuite.tlsAES128GCMSHA256.tls13Parameters)
        #expect(aes128.hash == .sha256 && aes128.aead == .aes128GCM && aes128.keyLength == 16 && aes128.ivLength == 12 && aes128.tagLength == 16)
        let aes256 = try #require(CipherSuite.tlsAES256GCMSHA384.tls13Parameters)
        #expect(aes256.hash == .sha384 && aes256.aead == .aes256GCM && aes256.keyLength == 32 && aes256.hash.digestLength == 48)
        let chacha = try #require(CipherSuite.tlsChaCha20Poly1305SHA256.tls13Parameters)
        #expect(chacha.hash == .sha256 && chacha.aead == .chaCha20Poly1305 && chacha.keyLength == 32)
        #expect(CipherSuite.ecdheRSAWithAES128GCMSHA256.tls13Parameters == nil)
        #expect(CipherSuite(rawValue: 0x1304).tls13Parameters == nil)
    }

    @Test func hkdfLabelMatchesRFCInfo() throws {
        let hash = try V.s3("server", "derive secret \"tls13 c hs traffic\"", "hash")
        let info = try V.s3("server", "derive secret \"tls13 c hs traffic\"", "info")
        #expect(try TLSHashAlgorithm.hkdfLabel(label: Array("c hs traffic".utf8), context: hash, length: 32) == info)
        let keyInfo = try V.s3("server", "derive write traffic keys for handshake data", "key info")
        #expect(try TLSHashAlgorithm.hkdfLabel(label: Array("key".utf8), context: [UInt8](), length: 16) == keyInfo)
        #expect(throws: TLSError.self) { try TLSHashAlgorithm.hkdfLabel(label: [UInt8](repeating: 0x61, count: 250), context: [UInt8](), length: 16) }
        #expect(throws: TLSError.self) { try TLSHashAlgorithm.sha256.hkdfExpand(pseudoRandomKey: SymmetricKey(size: .bits256), info: [], length: 255 * 32 + 1) }
        #expect(throws: TLSError.self) { try TLSHashAlgorithm.sha256.hkdfExpand(pseudoRandomKey: SymmetricKey(size: .bits256), info: [], length: 0) }
    }

    /// The one-block expansion path (every TLS 1.3 secret, key and IV) against swift-crypto's
    /// own HKDF-Expand, for every length it serves and a longer one that takes HKDF's path.
    @Test func singleBlockExpandEqualsSwiftCryptoHKDF() throws {
        var generator = SystemRandomNumberGenerator()
        for hash in [TLSHashAlgorithm.sha256, .sha384] {
            for length in 1...(hash.digestLength + 17) {
                let prk = SymmetricKey(data: (0..<hash.digestLength).map { _ in UInt8.random(in: 0...255, using: &generator) })
                let info = (0..<(length % 60)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                let ours = try hash.hkdfExpand(pseudoRandomKey: prk, info: info, length: length)
                let theirs: SymmetricKey
                switch hash {
                case .sha256: theirs = HKDF<SHA256>.expand(pseudoRandomKey: prk, info: info, outputByteCount: length)
                case .sha384: theirs = HKDF<SHA384>.expand(pseudoRandomKey: prk, info: info, outputByteCount: length)
                }
                #expect(ours.tlsBytes == theirs.tlsBytes, "\(hash) length \(length)")
                #expect(ours.bitCount == length * 8)
            }
        }
        #expect(TLSHashAlgorithm.sha256.emptyHash == Array(SHA256.hash(data: [UInt8]())))
        #expect(TLSHashAlgorithm.sha384.emptyHash == Array(SHA384.hash(data: [UInt8]())))
    }

    /// The BoringSSL one-shot HMAC behind HKDF, Finished and binders against swift-crypto's HMAC
    /// and HKDF-Extract: keys shorter than, equal to and longer than a hash block, empty data.
    @Test func hmacAndExtractEqualSwiftCrypto() throws {
        var generator = SystemRandomNumberGenerator()
        func random(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) } }
        for hash in [TLSHashAlgorithm.sha256, .sha384] {
            for keyLength in [0, 1, 32, 48, 64, 127, 128, 129, 300] {
                for dataLength in [0, 1, 55, 56, 64, 200] {
                    let key = SymmetricKey(data: random(keyLength))
                    let data = random(dataLength)
                    let theirs: [UInt8]
                    switch hash {
                    case .sha256: theirs = Array(HMAC<SHA256>.authenticationCode(for: data, using: key))
                    case .sha384: theirs = Array(HMAC<SHA384>.authenticationCode(for: data, using: key))
                    }
                    #expect(hash.hmac(key: key, data: data) == theirs, "\(hash) key \(keyLength) data \(dataLength)")
                    #expect(hash.isValidHMAC(theirs, key: key, data: data))
                    var wrong = theirs
                    wrong[dataLength % wrong.count] ^= 1
                    #expect(!hash.isValidHMAC(wrong, key: key, data: data))
                    #expect(!hash.isValidHMAC(Array(theirs.dropLast()), key: key, data: data))
                }
            }
            for saltLength in [-1, 0, 16, hash.digestLength, 200] {
                let ikm = SymmetricKey(data: random(hash.digestLength))
                let salt = saltLength < 0 ? nil : SymmetricKey(data: random(saltLength))
                let saltBytes = salt.map { $0.withUnsafeBytes { Array($0) } } ?? [UInt8](repeating: 0, count: hash.digestLength)
                let theirs: [UInt8]
                switch hash {
                case .sha256: theirs = HKDF<SHA256>.extract(inputKeyMaterial: ikm, salt: saltBytes).withUnsafeBytes { Array($0) }
                case .sha384: theirs = HKDF<SHA384>.extract(inputKeyMaterial: ikm, salt: saltBytes).withUnsafeBytes { Array($0) }
                }
                #expect(hash.hkdfExtract(salt: salt, inputKeyMaterial: ikm).tlsBytes == theirs, "\(hash) salt \(saltLength)")
            }
        }
    }

    /// Expand-Label built on the stack equals HKDF-Expand of the `HkdfLabel` encoding.
    @Test func stackExpandLabelEqualsExpandOfEncodedLabel() throws {
        var generator = SystemRandomNumberGenerator()
        for hash in [TLSHashAlgorithm.sha256, .sha384] {
            let secret = SymmetricKey(data: (0..<hash.digestLength).map { _ in UInt8.random(in: 0...255, using: &generator) })
            for contextLength in [0, 1, hash.digestLength, 255] {
                let context = (0..<contextLength).map { _ in UInt8.random(in: 0...255, using: &generator) }
                for length in [1, 12, 16, hash.digestLength, hash.digestLength + 1, 100] {
                    let ours = hash.expandLabelUnchecked(secret: secret, label: "c hs traffic", context: context, length: length)
                    let info = try TLSHashAlgorithm.hkdfLabel(label: Array("c hs traffic".utf8), context: context, length: length)
                    let theirs: SymmetricKey
                    switch hash {
                    case .sha256: theirs = HKDF<SHA256>.expand(pseudoRandomKey: secret, info: info, outputByteCount: length)
                    case .sha384: theirs = HKDF<SHA384>.expand(pseudoRandomKey: secret, info: info, outputByteCount: length)
                    }
                    #expect(ours.tlsBytes == theirs.tlsBytes, "\(hash) context \(contextLength) length \(length)")
                }
            }
        }
    }

    @Test func x25519SharedSecretMatchesRFC() throws {
        let clientPrivate = try V.s3("client", "create an ephemeral x25519", "private key")
        let serverPublic = try V.s3("server", "create an ephemeral x25519", "public key")
        let shared = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: clientPrivate)
            .sharedSecretFromKeyAgreement(with: Curve25519.KeyAgreement.PublicKey(rawRepresentation: serverPublic))
        let sharedBytes = shared.withUnsafeBytes { Array($0) }
        #expect(sharedBytes == (try V.s3("server", "extract secret \"handshake\"", "IKM")))
    }

    @Test func simpleHandshakeSecrets() throws {
        let m = try Section3()
        let t = m.transcriptHashes()
        #expect(t.helloHash == (try V.s3("server", "derive secret \"tls13 c hs traffic\"", "hash")))
        #expect(t.serverFinishedHash == (try V.s3("server", "derive secret \"tls13 c ap traffic\"", "hash")))
        #expect(t.clientFinishedHash == (try V.s3("client", "derive secret \"tls13 res master\"", "hash")))

        let early = KeySchedule.Early(hash: .sha256)
        #expect(early.earlySecret.bytes == (try V.s3("server", "extract secret \"early\"", "secret")))
        #expect(early.derivedSecret.bytes == (try V.s3("server", "derive secret for handshake", "expanded")))

        let shared = SymmetricKey(bytes: try V.s3("server", "extract secret \"handshake\"", "IKM"))
        let handshake = early.handshake(sharedSecret: shared)
        #expect(handshake.handshakeSecret.bytes == (try V.s3("server", "extract secret \"handshake\"", "secret")))
        let cHS = handshake.clientHandshakeTrafficSecret(transcriptHash: t.helloHash)
        let sHS = handshake.serverHandshakeTrafficSecret(transcriptHash: t.helloHash)
        #expect(cHS.bytes == (try V.s3("server", "derive secret \"tls13 c hs traffic\"", "expanded")))
        #expect(sHS.bytes == (try V.s3("server", "derive secret \"tls13 s hs traffic\"", "expanded")))
        #expect(handshake.derivedSecret.bytes == (try V.s3("server", "derive secret for master", "expanded")))

        let master = handshake.master()
        #expect(master.masterSecret.bytes == (try V.s3("server", "extract secret \"master\"", "secret")))
        #expect(master.clientApplicationTrafficSecret(transcriptHash: t.serverFinishedHash).bytes == (try V.s3("server", "derive secret \"tls13 c ap traffic\"", "expanded")))
        #expect(master.serverApplicationTrafficSecret(transcriptHash: t.serverFinishedHash).bytes == (try V.s3("server", "derive secret \"tls13 s ap traffic\"", "expanded")))
        #expect(master.exporterMasterSecret(transcriptHash: t.serverFinishedHash).bytes == (try V.s3("server", "derive secret \"tls13 exp master\"", "expanded")))
        let resumption = master.resumptionMasterSecret(transcriptHash: t.clientFinishedHash)
        #expect(resumption.bytes == (try V.s3("client", "derive secret \"tls13 res master\"", "expanded")))

        let nonce = try V.s3("server", "generate resumption secret", "hash")
        let psk = try KeySchedule.resumptionPSK(hash: .sha256, resumptionMasterSecret: resumption, ticketNonce: nonce)
        #expect(psk.bytes == (try V.s3("server", "generate resumption secret", "expanded")))
        #expect(throws: TLSError.self) { try KeySchedule.resumptionPSK(hash: .sha256, resumptionMasterSecret: resumption, ticketNonce: [UInt8](repeating: 0, count: 256)) }
    }

    @Test func simpleHandshakeFinished() throws {
        let m = try Section3()
        let t = m.transcriptHashes()
        let handshake = KeySchedule.Early(hash: .sha256).handshake(sharedSecret: SymmetricKey(bytes: try V.s3("server", "extract secret \"handshake\"", "IKM")))
        let sHS = handshake.serverHandshakeTrafficSecret(transcriptHash: t.helloHash)
        let cHS = handshake.clientHandshakeTrafficSecret(transcriptHash: t.helloHash)

        #expect(KeySchedule.finishedKey(hash: .sha256, baseKey: sHS).bytes == (try V.s3("server", "calculate finished", "expanded")))
        let serverVerify = KeySchedule.verifyData(hash: .sha256, baseKey: sHS, transcriptHash: t.certificateVerifyHash)
        #expect(serverVerify == (try V.s3("server", "calculate finished", "finished")))
        #expect(Array(m.serverFinished.dropFirst(4)) == serverVerify)
        #expect(KeySchedule.isValidVerifyData(serverVerify, hash: .sha256, baseKey: sHS, transcriptHash: t.certificateVerifyHash))

        #expect(KeySchedule.finishedKey(hash: .sha256, baseKey: cHS).bytes == (try V.s3("client", "calculate finished", "expanded", occurrence: 1)))
        let clientVerify = KeySchedule.verifyData(hash: .sha256, baseKey: cHS, transcriptHash: t.serverFinishedHash)
        #expect(clientVerify == (try V.s3("client", "calculate finished", "finished", occurrence: 1)))
        #expect(Array(m.clientFinished.dropFirst(4)) == clientVerify)

        var tampered = clientVerify
        tampered[0] ^= 1
        #expect(!KeySchedule.isValidVerifyData(tampered, hash: .sha256, baseKey: cHS, transcriptHash: t.serverFinishedHash))
        #expect(!KeySchedule.isValidVerifyData(Array(clientVerify.dropLast()), hash: .sha256, baseKey: cHS, transcriptHash: t.serverFinishedHash))
    }

    @Test func simpleHandshakeTrafficKeys() throws {
        let m = try Section3()
        let t = m.transcriptHashes()
        let suite = try #require(Section3.suite)
        let handshake = KeySchedule.Early(hash: .sha256).handshake(sharedSecret: SymmetricKey(bytes: try V.s3("server", "extract secret \"handshake\"", "IKM")))
        let master = handshake.master()

        let serverHS = TrafficKeys(suite: suite, trafficSecret: handshake.serverHandshakeTrafficSecret(transcriptHash: t.helloHash))
        #expect(serverHS.key.bytes == (try V.s3("server", "derive write traffic keys for handshake data", "key expanded")))
        #expect(serverHS.iv == (try V.s3("server", "derive write traffic keys for handshake data", "iv expanded")))
        let clientHS = TrafficKeys(suite: suite, trafficSecret: handshake.clientHandshakeTrafficSecret(transcriptHash: t.helloHash))
        #expect(clientHS.key.bytes == (try V.s3("server", "derive read traffic keys for handshake data", "key expanded")))
        #expect(clientHS.iv == (try V.s3("server", "derive read traffic keys for handshake data", "iv expanded")))
        let serverAP = TrafficKeys(suite: suite, trafficSecret: master.serverApplicationTrafficSecret(transcriptHash: t.serverFinishedHash))
        #expect(serverAP.key.bytes == (try V.s3("server", "derive write traffic keys for application data", "key expanded")))
        #expect(serverAP.iv == (try V.s3("server", "derive write traffic keys for application data", "iv expanded")))
        let clientAP = TrafficKeys(suite: suite, trafficSecret: master.clientApplicationTrafficSecret(transcriptHash: t.serverFinishedHash))
        #expect(clientAP.key.bytes == (try V.s3("client", "derive write traffic keys for application data", "key expanded")))
        #expect(clientAP.iv == (try V.s3("client", "derive write traffic keys for application data", "iv expanded")))

        // §5.3 nonce: IV XOR the big-endian sequence number in the low 8 bytes.
        var expected = serverAP.iv
        expected[11] ^= 0x02
        expected[4] ^= 0x01
        #expect(serverAP.nonce(sequenceNumber: 0x0100_0000_0000_0002) == expected)
        #expect(serverAP.nonce(sequenceNumber: 0) == serverAP.iv)
    }

    @Test func resumedZeroRTTSecrets() throws {
        // PSK from §3's resumption master secret and ticket nonce.
        let m = try Section3()
        let t = m.transcriptHashes()
        let master = KeySchedule.Early(hash: .sha256).handshake(sharedSecret: SymmetricKey(bytes: try V.s3("server", "extract secret \"handshake\"", "IKM"))).master()
        let resumption = master.resumptionMasterSecret(transcriptHash: t.clientFinishedHash)
        let psk = try KeySchedule.resumptionPSK(hash: .sha256, resumptionMasterSecret: resumption, ticketNonce: try V.s3("server", "generate resumption secret", "hash"))
        #expect(psk.bytes == (try V.s4("client", "extract secret \"early\"", "IKM")))

        let early = KeySchedule.Early(hash: .sha256, psk: psk)
        #expect(early.earlySecret.bytes == (try V.s4("client", "extract secret \"early\"", "secret")))
        // The same stage started from a session holding that PSK inline.
        let session = TLSSession(protocolVersion: .tls13, cipherSuite: .tlsAES128GCMSHA256, secret: psk.bytes,
                                 ticket: [1], creationTime: Date(), timeout: 60, contextID: UUID())
        #expect(KeySchedule.Early(hash: .sha256, resuming: session).earlySecret.bytes == (try V.s4("client", "extract secret \"early\"", "secret")))
        // And the PSK derived on the stack equals the key.
        let stackPSK = try KeySchedule.withResumptionPSK(hash: .sha256, resumptionMasterSecret: resumption,
                                                         ticketNonce: try V.s3("server", "generate resumption secret", "hash")) { Array($0) }
        #expect(stackPSK == psk.bytes)

        // Binder over the truncated ClientHello.
        let prefix = try V.s4("client", "calculate PSK binder", "ClientHello prefix")
        let binderHash = TranscriptHash(hash: .sha256).hash(appending: prefix).bytes
        #expect(binderHash == (try V.s4("client", "calculate PSK binder", "binder hash")))
        #expect(early.binderKey(external: false).bytes == (try V.s4("client", "calculate PSK binder", "PRK")))
        #expect(KeySchedule.finishedKey(hash: .sha256, baseKey: early.binderKey(external: false)).bytes == (try V.s4("client", "calculate PSK binder", "expanded")))
        let binder = early.binder(external: false, truncatedTranscriptHash: binderHash)
        #expect(binder == (try V.s4("client", "calculate PSK binder", "finished")))
        #expect(early.isValidBinder(binder, external: false, truncatedTranscriptHash: binderHash))
        #expect(!early.isValidBinder(binder, external: true, truncatedTranscriptHash: binderHash))

        // The full ClientHello (with binders) ends with the binder value.
        let clientHello = try V.s4("client", "send handshake record", "payload")
        #expect(clientHello.count == 512)
        #expect(Array(clientHello.prefix(prefix.count)) == prefix)
        #expect(Array(clientHello.suffix(32)) == binder)

        let helloHash = TranscriptHash(hash: .sha256).hash(appending: clientHello).bytes
        #expect(helloHash == (try V.s4("client", "derive secret \"tls13 c e traffic\"", "hash")))
        let cEarly = early.clientEarlyTrafficSecret(transcriptHash: helloHash)
        #expect(cEarly.bytes == (try V.s4("client", "derive secret \"tls13 c e traffic\"", "expanded")))
        #expect(early.earlyExporterMasterSecret(transcriptHash: helloHash).bytes == (try V.s4("client", "derive secret \"tls13 e exp master\"", "expanded")))

        let suite = try #require(Section3.suite)
        let earlyKeys = TrafficKeys(suite: suite, trafficSecret: cEarly)
        #expect(earlyKeys.key.bytes == (try V.s4("client", "derive write traffic keys for early application data", "key expanded")))
        #expect(earlyKeys.iv == (try V.s4("client", "derive write traffic keys for early application data", "iv expanded")))
    }

    @Test func resumedHandshakeWithPSKAndECDHE() throws {
        // The rest of §4: handshake secret from the PSK early secret and the new ECDHE secret.
        let early = KeySchedule.Early(hash: .sha256, psk: SymmetricKey(bytes: try V.s4("client", "extract secret \"early\"", "IKM")))
        #expect(early.derivedSecret.bytes == (try V.s4("server", "derive secret for handshake", "expanded")))
        let handshake = early.handshake(sharedSecret: SymmetricKey(bytes: try V.s4("server", "extract secret \"handshake\"", "IKM")))
        #expect(handshake.handshakeSecret.bytes == (try V.s4("server", "extract secret \"handshake\"", "secret")))
        var transcript = TranscriptHash(hash: .sha256)
        transcript.append(try V.s4("client", "send handshake record", "payload"))
        transcript.append(try V.s4("server", "construct a ServerHello", "ServerHello"))
        #expect(handshake.clientHandshakeTrafficSecret(transcriptHash: transcript.currentHash()).bytes == (try V.s4("server", "derive secret \"tls13 c hs traffic\"", "expanded")))
        #expect(handshake.master().masterSecret.bytes == (try V.s4("server", "extract secret \"master\"", "secret")))
    }

    @Test func helloRetryRequestTranscript() throws {
        let clientHello1 = try V.s5("client", "construct a ClientHello", "ClientHello")
        let helloRetryRequest = try V.s5("server", "construct a ServerHello", "ServerHello")
        let clientHello2 = try V.s5("client", "construct a ClientHello", "ClientHello", occurrence: 1)
        let serverHello = try V.s5("server", "construct a ServerHello", "ServerHello", occurrence: 1)

        var transcript = TranscriptHash(hash: .sha256)
        transcript.append(clientHello1)
        transcript.replaceClientHelloWithMessageHash()
        transcript.append(helloRetryRequest)
        transcript.append(clientHello2)
        transcript.append(serverHello)
        #expect(transcript.currentHash().bytes == (try V.s5("server", "derive secret \"tls13 c hs traffic\"", "hash")))

        // Same through the explicit message and through a pending (suite-less) start.
        var pending = PendingTranscript()
        pending.append(TranscriptHash.messageHashMessage(clientHello1Hash: TLSHashAlgorithm.sha256.hash(clientHello1)))
        pending.append(helloRetryRequest)
        var started = pending.start(hash: .sha256)
        started.append(clientHello2)
        started.append(serverHello)
        #expect(started.currentHash() == transcript.currentHash())

        let early = KeySchedule.Early(hash: .sha256)
        let handshake = early.handshake(sharedSecret: SymmetricKey(bytes: try V.s5("server", "extract secret \"handshake\"", "IKM")))
        #expect(handshake.serverHandshakeTrafficSecret(transcriptHash: transcript.currentHash()).bytes == (try V.s5("server", "derive secret \"tls13 s hs traffic\"", "expanded")))
    }

    @Test func transcriptSnapshotsAreIndependent() {
        var transcript = TranscriptHash(hash: .sha384)
        transcript.append([1, 2, 3])
        let snapshot = transcript
        transcript.append([4])
        #expect(snapshot.currentHash().bytes == TLSHashAlgorithm.sha384.hash([1, 2, 3]))
        #expect(transcript.currentHash().bytes == TLSHashAlgorithm.sha384.hash([1, 2, 3, 4]))
        #expect(transcript.currentHash().count == 48)
        #expect(transcript.hash(appending: [5]).bytes == TLSHashAlgorithm.sha384.hash([1, 2, 3, 4, 5]))
        #expect(transcript.currentHash().bytes == TLSHashAlgorithm.sha384.hash([1, 2, 3, 4]))
    }

    /// The transcript runs on BoringSSL's contexts; swift-crypto's hashes are the reference,
    /// for messages added whole and in pieces of every size up to a few blocks.
    @Test func transcriptHashesEqualSwiftCrypto() {
        let message = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        for piece in [1, 3, 55, 64, 65, 128, 300] {
            var sha256 = TranscriptHash(hash: .sha256)
            var sha384 = TranscriptHash(hash: .sha384)
            var start = 0
            while start < message.count {
                let end = min(start + piece, message.count)
                sha256.append(message[start..<end])
                sha384.append(message[start..<end])
                start = end
            }
            #expect(sha256.currentHash().bytes == Array(SHA256.hash(data: message)), "pieces of \(piece)")
            #expect(sha384.currentHash().bytes == Array(SHA384.hash(data: message)), "pieces of \(piece)")
        }
        #expect(TLSHashAlgorithm.sha256.digest([]).bytes == Array(SHA256.hash(data: [UInt8]())))
        #expect(TLSHashAlgorithm.sha384.hash([]) == TLSHashAlgorithm.sha384.emptyHash)
    }

    @Test func keyUpdateAndExporter() throws {
        let secret = SymmetricKey(bytes: try V.s3("server", "derive secret \"tls13 s ap traffic\"", "expanded"))
        let next = KeySchedule.nextApplicationTrafficSecret(hash: .sha256, current: secret)
        let expected = try TLSHashAlgorithm.sha256.hkdfExpandLabel(secret: secret, label: "traffic upd", context: [UInt8](), length: 32)
        #expect(next.bytes == expected.bytes)
        #expect(next.bytes != secret.bytes)

        let exporterMaster = SymmetricKey(bytes: try V.s3("server", "derive secret \"tls13 exp master\"", "expanded"))
        let a = try KeySchedule.exportKeyingMaterial(hash: .sha256, exporterMasterSecret: exporterMaster, label: "EXPORTER-test", context: [], length: 42)
        let b = try KeySchedule.exportKeyingMaterial(hash: .sha256, exporterMasterSecret: exporterMaster, label: "EXPORTER-test", context: [1], length: 42)
        #expect(a.count == 42 && a != Array(b))
        // Definition check (§7.5) against the public building blocks.
        let labelSecret = try TLSHashAlgorithm.sha256.deriveSecret(exporterMaster, label: "EXPORTER-test", transcriptHash: TLSHashAlgorithm.sha256.emptyHash)
        let manual = try TLSHashAlgorithm.sha256.hkdfExpandLabel(secret: labelSecret, label: "exporter", context: TLSHashAlgorithm.sha256.hash([UInt8]()), length: 42)
        #expect(a == manual.bytes)
        #expect(throws: TLSError.self) { try KeySchedule.exportKeyingMaterial(hash: .sha256, exporterMasterSecret: exporterMaster, label: String(repeating: "x", count: 250), context: [], length: 42) }
        #expect(throws: TLSError.self) { try KeySchedule.exportKeyingMaterial(hash: .sha256, exporterMasterSecret: exporterMaster, label: "x", context: [], length: 0) }
    }
}
