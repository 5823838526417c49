import Crypto
import Testing
@testable import ResumableTLS

/// The whole RFC 8448 §4 resumed 0-RTT handshake after the ClientHello: PSK + ECDHE key
/// schedule, Finished messages including EndOfEarlyData in the transcript, and every record.
@Suite("Crypto: RFC 8448 §4 resumed handshake end to end")
struct CryptoResumedHandshakeTests {
    func seal(_ keys: TrafficKeys, _ sequenceNumber: UInt64, _ type: ContentType, _ payload: [UInt8]) throws -> [UInt8] {
        var protection = RecordProtection(keys: keys, sequenceNumber: sequenceNumber)
        var record = [0, 0, 0, 0, 0] + payload
        try protection.seal(record: &record, contentType: type)
        return record
    }

    func open(_ keys: TrafficKeys, _ sequenceNumber: UInt64, _ record: [UInt8]) throws -> (ContentType, [UInt8]) {
        var protection = RecordProtection(keys: keys, sequenceNumber: sequenceNumber)
        var buffer = record
        let opened = try protection.open(record: &buffer)
        return (opened.contentType, Array(buffer[opened.content]))
    }

    @Test func resumedHandshake() throws {
        let suite = try #require(CipherSuite.tlsAES128GCMSHA256.tls13Parameters)
        let clientHello = try V.s4("client", "send handshake record", "payload")
        let serverHello = try V.s4("server", "construct a ServerHello", "ServerHello")
        let encryptedExtensions = try V.s4("server", "construct an EncryptedExtensions", "EncryptedExtensions")
        let serverFinished = try V.s4("server", "construct a Finished", "Finished")
        let endOfEarlyData = try V.s4("client", "construct an EndOfEarlyData", "EndOfEarlyData")
        let clientFinished = try V.s4("client", "construct a Finished", "Finished")

        let early = KeySchedule.Early(hash: .sha256, psk: SymmetricKey(bytes: try V.s4("client", "extract secret \"early\"", "IKM")))
        var transcript = TranscriptHash(hash: .sha256)
        transcript.append(clientHello)
        let earlySecret = early.clientEarlyTrafficSecret(transcriptHash: transcript.currentHash())
        // S29: the client's early traffic secret and keys, and the 0-RTT record they seal.
        #expect(earlySecret.bytes == (try V.s4("client", "derive secret \"tls13 c e traffic\"", "expanded")))
        let earlyKeys = TrafficKeys(suite: suite, trafficSecret: earlySecret)
        #expect(earlyKeys.key.bytes == (try V.s4("client", "derive write traffic keys for early application data", "key expanded")))
        #expect(earlyKeys.iv == (try V.s4("client", "derive write traffic keys for early application data", "iv expanded")))
        let zeroRTTRecord = try V.s4("client", "send application_data record", "complete record")
        #expect(try seal(earlyKeys, 0, .applicationData, try V.s4("client", "send application_data record", "payload")) == zeroRTTRecord)
        transcript.append(serverHello)
        let helloHash = transcript.currentHash()

        let handshake = early.handshake(sharedSecret: SymmetricKey(bytes: try V.s4("server", "extract secret \"handshake\"", "IKM")))
        let sHS = handshake.serverHandshakeTrafficSecret(transcriptHash: helloHash)
        let cHS = handshake.clientHandshakeTrafficSecret(transcriptHash: helloHash)
        #expect(sHS.bytes == (try V.s4("server", "derive secret \"tls13 s hs traffic\"", "expanded")))
        let serverHSKeys = TrafficKeys(suite: suite, trafficSecret: sHS)
        let clientHSKeys = TrafficKeys(suite: suite, trafficSecret: cHS)
        #expect(serverHSKeys.key.bytes == (try V.s4("server", "derive write traffic keys for handshake data", "key expanded")))
        #expect(clientHSKeys.iv == (try V.s4("client", "derive write traffic keys for handshake data", "iv expanded")))

        // Server Finished over ClientHello..EncryptedExtensions (no certificate with a PSK).
        transcript.append(encryptedExtensions)
        let serverVerify = KeySchedule.verifyData(hash: .sha256, baseKey: sHS, transcriptHash: transcript.currentHash())
        #expect(serverVerify == (try V.s4("server", "calculate finished", "finished")))
        #expect(Array(serverFinished.dropFirst(4)) == serverVerify)
        transcript.append(serverFinished)
        let serverFinishedHash = transcript.currentHash()

        // Server flight record (EncryptedExtensions + Finished), server handshake key, seq 0.
        let serverFlight = try V.s4("server", "send handshake record", "complete record", occurrence: 1)
        #expect(try seal(serverHSKeys, 0, .handshake, encryptedExtensions + serverFinished) == serverFlight)
        #expect(try open(serverHSKeys, 0, serverFlight) == (.handshake, encryptedExtensions + serverFinished))

        let master = handshake.master()
        #expect(master.masterSecret.bytes == (try V.s4("server", "extract secret \"master\"", "secret")))
        let cAP = master.clientApplicationTrafficSecret(transcriptHash: serverFinishedHash)
        let sAP = master.serverApplicationTrafficSecret(transcriptHash: serverFinishedHash)
        #expect(cAP.bytes == (try V.s4("server", "derive secret \"tls13 c ap traffic\"", "expanded")))
        #expect(sAP.bytes == (try V.s4("server", "derive secret \"tls13 s ap traffic\"", "expanded")))
        #expect(master.exporterMasterSecret(transcriptHash: serverFinishedHash).bytes == (try V.s4("server", "derive secret \"tls13 exp master\"", "expanded")))

        // EndOfEarlyData, still under the client early traffic key, after one 0-RTT record: seq 1.
        let endOfEarlyDataRecord = try V.s4("client", "send handshake record", "complete record", occurrence: 1)
        #expect(try seal(earlyKeys, 1, .handshake, endOfEarlyData) == endOfEarlyDataRecord)
        #expect(try open(earlyKeys, 1, endOfEarlyDataRecord) == (.handshake, endOfEarlyData))
        transcript.append(endOfEarlyData)

        // Client Finished covers EndOfEarlyData.
        let clientVerify = KeySchedule.verifyData(hash: .sha256, baseKey: cHS, transcriptHash: transcript.currentHash())
        #expect(clientVerify == (try V.s4("client", "calculate finished", "finished", occurrence: 1)))
        #expect(Array(clientFinished.dropFirst(4)) == clientVerify)
        let clientFinishedRecord = try V.s4("client", "send handshake record", "complete record", occurrence: 2)
        #expect(try seal(clientHSKeys, 0, .handshake, clientFinished) == clientFinishedRecord)
        transcript.append(clientFinished)
        #expect(master.resumptionMasterSecret(transcriptHash: transcript.currentHash()).bytes == (try V.s4("client", "derive secret \"tls13 res master\"", "expanded")))

        // Application data and alerts.
        let clientAPKeys = TrafficKeys(suite: suite, trafficSecret: cAP)
        let serverAPKeys = TrafficKeys(suite: suite, trafficSecret: sAP)
        #expect(clientAPKeys.key.bytes == (try V.s4("client", "derive write traffic keys for application data", "key expanded")))
        #expect(serverAPKeys.iv == (try V.s4("server", "derive write traffic keys for application data", "iv expanded")))
        for (keys, sequenceNumber, type, role, step, occurrence) in [
            (clientAPKeys, UInt64(0), ContentType.applicationData, "client", "send application_data record", 1),
            (serverAPKeys, 0, .applicationData, "server", "send application_data record", 0),
            (clientAPKeys, 1, .alert, "client", "send alert record", 0),
            (serverAPKeys, 1, .alert, "server", "send alert record", 0),
        ] {
            let payload = try V.s4(role, step, "payload", occurrence: occurrence)
            let record = try V.s4(role, step, "complete record", occurrence: occurrence)
            #expect(try seal(keys, sequenceNumber, type, payload) == record, "\(role) \(step)")
            #expect(try open(keys, sequenceNumber, record) == (type, payload), "\(role) \(step)")
        }
    }
}
