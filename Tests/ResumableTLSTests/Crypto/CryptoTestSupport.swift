import Crypto
@testable import ResumableTLS

/// Short-hands for the crypto tests over RFC 8448.
enum V {
    static func s3(_ role: String, _ step: String, _ label: String, occurrence: Int = 0) throws -> [UInt8] {
        try RFC8448.value(section: 3, role: role, step: step, label: label, occurrence: occurrence)
    }
    static func s4(_ role: String, _ step: String, _ label: String, occurrence: Int = 0) throws -> [UInt8] {
        try RFC8448.value(section: 4, role: role, step: step, label: label, occurrence: occurrence)
    }
    static func s5(_ role: String, _ step: String, _ label: String, occurrence: Int = 0) throws -> [UInt8] {
        try RFC8448.value(section: 5, role: role, step: step, label: label, occurrence: occurrence)
    }
}

extension SymmetricKey {
    var bytes: [UInt8] { tlsBytes }
    init(bytes: [UInt8]) { self.init(data: bytes) }
}

/// The §3 (simple 1-RTT) handshake messages and transcript hashes.
struct Section3 {
    let clientHello, serverHello, encryptedExtensions, certificate, certificateVerify, serverFinished, clientFinished: [UInt8]

    init() throws {
        clientHello = try V.s3("client", "construct a ClientHello", "ClientHello")
        serverHello = try V.s3("server", "construct a ServerHello", "ServerHello")
        encryptedExtensions = try V.s3("server", "construct an EncryptedExtensions", "EncryptedExtensions")
        certificate = try V.s3("server", "construct a Certificate handshake", "Certificate")
        certificateVerify = try V.s3("server", "construct a CertificateVerify", "CertificateVerify")
        serverFinished = try V.s3("server", "construct a Finished", "Finished")
        clientFinished = try V.s3("client", "construct a Finished", "Finished")
    }

    static let suite = CipherSuite.tlsAES128GCMSHA256.tls13Parameters

    /// Transcript hashes at each point the schedule uses, taken by snapshotting one transcript.
    func transcriptHashes() -> (helloHash: [UInt8], certificateVerifyHash: [UInt8], serverFinishedHash: [UInt8], clientFinishedHash: [UInt8]) {
        var transcript = TranscriptHash(hash: .sha256)
        transcript.append(clientHello)
        transcript.append(serverHello)
        let hello = transcript.currentHash()
        transcript.append(encryptedExtensions)
        transcript.append(certificate)
        transcript.append(certificateVerify)
        let cv = transcript.currentHash()
        transcript.append(serverFinished)
        let sf = transcript.currentHash()
        transcript.append(clientFinished)
        return (hello.bytes, cv.bytes, sf.bytes, transcript.currentHash().bytes)
    }
}
