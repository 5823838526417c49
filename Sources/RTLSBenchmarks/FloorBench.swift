import Crypto
import Foundation
import ResumableTLS

/// The cryptography alone of the server's side of each handshake kind, run through swift-crypto
/// directly (issue 17): what a handshake could cost if nothing but its public-key operations,
/// HKDF/HMAC calls, transcript hashing and record AEADs ran. `rtls bench` divides the server's
/// time per handshake by these floors; the rest is our own parsing, encoding and bookkeeping.
///
/// Every kind uses what the handshake benchmarks negotiate: x25519, ECDSA P-256, AES-128-GCM
/// with SHA-256, the library's ticket counts (two after a full handshake, one after a resumed
/// one) and message sizes close to its own. HMACs go through BoringSSL's one-shot `HMAC()` (as
/// the key schedule does; swift-crypto's `HMAC` type costs more), so the floor is the lower one.
public struct FloorBench {
    /// One handshake kind's operations.
    public struct Kind: Sendable {
        /// `floor/<name>`.
        public var name: String
        /// The `handshake/` modes whose server time is compared with this floor.
        public var handshakes: [String]
        var tls12 = false
        var psk = false
        var ephemeral = true
        var signature = false
        /// Stateless tickets sealed (AES-GCM) for the client; stateful ones are only stored.
        var sealedTickets = 0
        var storedTickets = 0
        /// The offered ticket is a stateless one, opened (AES-GCM) before the binder is checked.
        var opensTicket = false
    }

    /// The four floors of issue 17 (stateful tickets, TLS 1.2 session IDs), then the same with
    /// stateless tickets, which open the offered ticket and seal the new one.
    public static let kinds: [Kind] = [
        Kind(name: "full-p256", handshakes: ["full-p256"], signature: true, sealedTickets: 2),
        Kind(name: "psk_dhe_ke", handshakes: ["resumed-psk_dhe_ke-stateful"], psk: true, storedTickets: 1),
        Kind(name: "psk_ke", handshakes: ["resumed-psk_ke-stateful"], psk: true, ephemeral: false, storedTickets: 1),
        Kind(name: "tls12-resumed", handshakes: ["tls12-resumed-session_id"], tls12: true, ephemeral: false),
        Kind(name: "psk_dhe_ke-stateless", handshakes: ["resumed-psk_dhe_ke-stateless"], psk: true, sealedTickets: 1, opensTicket: true),
        Kind(name: "psk_ke-stateless", handshakes: ["resumed-psk_ke-stateless"], psk: true, ephemeral: false, sealedTickets: 1, opensTicket: true),
        Kind(name: "tls12-resumed-ticket", handshakes: ["tls12-resumed-ticket-stateless"], tls12: true, ephemeral: false, opensTicket: true),
    ]

    let seconds: Double

    public init(seconds: Double) {
        self.seconds = seconds
    }

    /// The floors whose own name or one of whose handshakes `filter` keeps.
    public static func kinds(kept filter: (String) -> Bool) -> [Kind] {
        kinds.filter { kind in filter("floor/" + kind.name) || kind.handshakes.contains { filter("handshake/" + $0) } }
    }

    public func run(_ kinds: [Kind]) throws -> [BenchFigure] {
        let inputs = try FloorInputs()
        var figures: [BenchFigure] = []
        for kind in kinds {
            let operation = try FloorOperation(kind, inputs: inputs)
            let total = try time { try operation.run() }
            var details = ["us_per_op": total * 1e6]
            if kind.ephemeral { details["x25519_us"] = try time { try operation.x25519() } * 1e6 }
            if kind.signature {
                details["ecdsa_p256_sign_us"] = try time { try operation.sign() } * 1e6
                // What the client pays instead (not in the floor): checking that signature.
                details["ecdsa_p256_verify_us"] = try time { try operation.verify() } * 1e6
            }
            figures.append(BenchFigure(group: "floor", name: kind.name, value: 1 / total, unit: "floors/s", details: details))
        }
        return figures
    }

    /// Seconds per call of `body`, over about `seconds` (after a short warm-up).
    private func time(_ body: () throws -> Void) throws -> Double {
        for _ in 0..<50 { try body() }
        var count = 0
        let start = BenchProbe.now()
        var elapsed = 0.0
        while elapsed < seconds {
            for _ in 0..<20 { try body() }
            count += 20
            elapsed = BenchProbe.now() - start
        }
        return elapsed / Double(count)
    }

    /// Adds to each handshake figure its floor (`floor_us`), the server's time over it
    /// (`server_over_floor`), and the client's time over the server's (`client_over_server`).
    public static func compare(_ figures: [BenchFigure]) -> [BenchFigure] {
        var floors: [String: Double] = [:]
        for figure in figures where figure.group == "floor" {
            guard let floor = figure.details["us_per_op"], let kind = kinds.first(where: { $0.name == figure.name }) else { continue }
            for handshake in kind.handshakes { floors[handshake] = floor }
        }
        return figures.map { figure in
            guard figure.group == "handshake", let server = figure.details["server_us_per_hs"], server > 0 else { return figure }
            var figure = figure
            if let client = figure.details["client_us_per_hs"] { figure.details["client_over_server"] = client / server }
            if let floor = floors[figure.name], floor > 0 {
                figure.details["floor_us"] = floor
                figure.details["server_over_floor"] = server / floor
            }
            return figure
        }
    }
}

/// What every floor starts from: the client's key share, the server's key, a PSK, handshake
/// messages of the library's sizes (bench identity: a self-signed P-256 certificate) and sealed
/// records to open. Made once, outside the timed loops.
final class FloorInputs {
    let clientShare = Curve25519.KeyAgreement.PrivateKey().publicKey
    let signingKey = P256.Signing.PrivateKey()
    let recordKey = SymmetricKey(size: .bits128)
    let ticketKey = SymmetricKey(size: .bits128)
    let nonce = AES.GCM.Nonce()
    let clientHello = [UInt8](repeating: 1, count: 290)
    /// The ClientHello without its binders (the binder hash covers this much).
    let truncatedClientHelloLength = 290 - 35
    let serverHello = [UInt8](repeating: 2, count: 122)
    let encryptedExtensions = [UInt8](repeating: 3, count: 10)
    let certificate = [UInt8](repeating: 4, count: 420)
    let certificateVerify = [UInt8](repeating: 5, count: 80)
    let finished13 = [UInt8](repeating: 6, count: 36)
    let finished12 = [UInt8](repeating: 6, count: 16)
    /// A stateless ticket's plaintext (the encoded session).
    let ticketPlaintext = [UInt8](repeating: 7, count: 140)
    /// A NewSessionTicket message: stateless (the sealed ticket inside) and stateful.
    let statelessTicketMessage = [UInt8](repeating: 8, count: 200)
    let statefulTicketMessage = [UInt8](repeating: 8, count: 70)
    /// The server's encrypted flight, as one record's plaintext (content type 22 at the end).
    let fullFlight: [UInt8]
    let resumedFlight: [UInt8]
    let psk = [UInt8](repeating: 9, count: 32)
    let masterSecret12 = [UInt8](repeating: 10, count: 48)
    let zeros = [UInt8](repeating: 0, count: 32)
    /// The client's Finished records, sealed as it sends them (TLS 1.3: with its content type).
    let sealedClientFinished13: AES.GCM.SealedBox
    let sealedClientFinished12: AES.GCM.SealedBox
    /// A stateless ticket as the client offers it.
    let sealedTicket: AES.GCM.SealedBox
    /// CertificateVerify's signed content (RFC 8446 §4.4.3) and its signature.
    let signedContent = [UInt8](repeating: 0x20, count: 64 + 33 + 1 + 32)
    let signature: P256.Signing.ECDSASignature

    init() throws {
        fullFlight = encryptedExtensions + certificate + certificateVerify + finished13 + [22]
        resumedFlight = encryptedExtensions + finished13 + [22]
        sealedClientFinished13 = try AES.GCM.seal([UInt8](repeating: 6, count: 37), using: recordKey, nonce: nonce)
        sealedClientFinished12 = try AES.GCM.seal([UInt8](repeating: 6, count: 16), using: recordKey, nonce: nonce)
        sealedTicket = try AES.GCM.seal(ticketPlaintext, using: ticketKey, nonce: nonce)
        signature = try signingKey.signature(for: signedContent)
    }
}

/// One kind's operations, in the order the server runs them (RFC 8446 §7.1, RFC 5246 §6.3 and
/// §7.4.9).
struct FloorOperation {
    let kind: FloorBench.Kind
    let inputs: FloorInputs
    /// `HkdfLabel` infos: length, "tls13 " + label, a 32-byte context (or none).
    private let labelInfo: [UInt8]
    private let shortLabelInfo: [UInt8]
    /// The TLS 1.2 PRF seeds: "key expansion" + both randoms, "server finished" + a hash.
    private let keyExpansionSeed: [UInt8]
    private let finishedSeed: [UInt8]
    private let aKeyExpansionSeed: [UInt8]
    private let aFinishedSeed: [UInt8]
    private var signedContent: [UInt8] { inputs.signedContent }

    init(_ kind: FloorBench.Kind, inputs: FloorInputs) throws {
        self.kind = kind
        self.inputs = inputs
        labelInfo = [UInt8](repeating: 0x20, count: 2 + 1 + 18 + 1 + 32)
        shortLabelInfo = [UInt8](repeating: 0x20, count: 2 + 1 + 9 + 1)
        keyExpansionSeed = [UInt8](repeating: 0x21, count: 13 + 64)
        finishedSeed = [UInt8](repeating: 0x22, count: 15 + 32)
        aKeyExpansionSeed = [UInt8](repeating: 0x23, count: 32) + keyExpansionSeed
        aFinishedSeed = [UInt8](repeating: 0x23, count: 32) + finishedSeed
    }

    func run() throws {
        if kind.tls12 { try runTLS12() } else { try runTLS13() }
    }

    /// An ephemeral x25519 key and the shared secret with the client's share.
    func x25519() throws {
        let key = Curve25519.KeyAgreement.PrivateKey()
        benchBlackHole(try key.sharedSecretFromKeyAgreement(with: inputs.clientShare))
    }

    /// The CertificateVerify signature (its SHA-256 included).
    func sign() throws {
        benchBlackHole(try inputs.signingKey.signature(for: signedContent))
    }

    /// The client's check of that signature.
    func verify() throws {
        guard inputs.signingKey.publicKey.isValidSignature(inputs.signature, for: signedContent) else {
            throw BenchError("floor: the CertificateVerify signature did not verify")
        }
    }

    private func runTLS13() throws {
        var secret = [UInt8](repeating: 0, count: 32)
        var transcript = SHA256()
        transcript.update(data: inputs.clientHello)
        if kind.opensTicket { benchBlackHole(try AES.GCM.open(inputs.sealedTicket, using: inputs.ticketKey)) }
        if kind.psk {
            hmac(inputs.zeros, inputs.psk, into: &secret)             // early secret
            hmac(secret, labelInfo, into: &secret)                    // binder key
            hmac(secret, shortLabelInfo, into: &secret)               // binder's finished key
            let truncated = SHA256.hash(data: inputs.clientHello[..<inputs.truncatedClientHelloLength]).tlsBytes
            hmac(secret, truncated, into: &secret)                    // the binder, to compare
        } else {
            hmac(inputs.zeros, inputs.zeros, into: &secret)           // early secret
        }
        hmac(secret, labelInfo, into: &secret)                        // derived (context: Hash(""), a constant)
        var shared = inputs.zeros
        if kind.ephemeral {
            let key = Curve25519.KeyAgreement.PrivateKey()
            shared = try key.sharedSecretFromKeyAgreement(with: inputs.clientShare).withUnsafeBytes { Array($0) }
        }
        hmac(secret, shared, into: &secret)                           // handshake secret
        transcript.update(data: inputs.serverHello)
        let helloHash = transcript.finalize().tlsBytes
        var handshakeSecret = secret
        var clientHandshake = secret
        var serverHandshake = secret
        // The infos are made once: their 32-byte context is where a real one puts a transcript
        // hash (helloHash here); the HMAC costs the same.
        benchBlackHole(helloHash)
        hmac(handshakeSecret, labelInfo, into: &clientHandshake)      // c hs traffic
        hmac(handshakeSecret, labelInfo, into: &serverHandshake)      // s hs traffic
        var scratch = secret
        for _ in 0..<2 {                                               // key and iv, both directions
            hmac(serverHandshake, shortLabelInfo, into: &scratch)
            hmac(clientHandshake, shortLabelInfo, into: &scratch)
        }
        transcript.update(data: inputs.encryptedExtensions)
        if kind.signature {
            transcript.update(data: inputs.certificate)
            benchBlackHole(transcript.finalize())
            benchBlackHole(try inputs.signingKey.signature(for: signedContent))
            transcript.update(data: inputs.certificateVerify)
        }
        hmac(serverHandshake, shortLabelInfo, into: &scratch)          // server finished key
        hmac(scratch, transcript.finalize().tlsBytes, into: &scratch)   // server Finished
        transcript.update(data: inputs.finished13)
        let flight = kind.signature ? inputs.fullFlight : inputs.resumedFlight
        benchBlackHole(try AES.GCM.seal(flight, using: inputs.recordKey, nonce: inputs.nonce))
        let serverFinishedHash = transcript.finalize().tlsBytes
        hmac(handshakeSecret, labelInfo, into: &handshakeSecret)       // derived
        hmac(handshakeSecret, inputs.zeros, into: &secret)             // master secret
        for _ in 0..<3 { hmac(secret, labelInfo, into: &scratch) }     // c ap, s ap, exp master
        for _ in 0..<4 { hmac(scratch, shortLabelInfo, into: &scratch) }   // key and iv, both directions
        benchBlackHole(try AES.GCM.open(inputs.sealedClientFinished13, using: inputs.recordKey))
        hmac(clientHandshake, shortLabelInfo, into: &scratch)          // client finished key
        hmac(scratch, serverFinishedHash, into: &scratch)              // the client's Finished, to compare
        transcript.update(data: inputs.finished13)
        benchBlackHole(transcript.finalize())
        hmac(secret, labelInfo, into: &secret)                        // res master
        for _ in 0..<kind.sealedTickets {
            hmac(secret, shortLabelInfo, into: &scratch)               // the ticket's PSK
            benchBlackHole(try AES.GCM.seal(inputs.ticketPlaintext, using: inputs.ticketKey, nonce: inputs.nonce))
            benchBlackHole(try AES.GCM.seal(inputs.statelessTicketMessage, using: inputs.recordKey, nonce: inputs.nonce))
        }
        for _ in 0..<kind.storedTickets {
            hmac(secret, shortLabelInfo, into: &scratch)
            benchBlackHole(try AES.GCM.seal(inputs.statefulTicketMessage, using: inputs.recordKey, nonce: inputs.nonce))
        }
        benchBlackHole(scratch)
    }

    /// An abbreviated TLS 1.2 handshake: the key block from the session's master secret, the
    /// server's Finished sent, the client's checked.
    private func runTLS12() throws {
        var transcript = SHA256()
        transcript.update(data: inputs.clientHello)
        if kind.opensTicket { benchBlackHole(try AES.GCM.open(inputs.sealedTicket, using: inputs.ticketKey)) }
        transcript.update(data: inputs.serverHello)
        var a = [UInt8](repeating: 0, count: 32)
        var block = a
        let master = inputs.masterSecret12
        // P_SHA256 for 40 bytes (two AES-128 keys, two 4-byte salts): two rounds of A(i) and
        // HMAC(A(i) + seed); the A(i) + seed buffers are made once (same length, same cost).
        hmac(master, keyExpansionSeed, into: &a)
        hmac(master, aKeyExpansionSeed, into: &block)
        hmac(master, a, into: &a)
        hmac(master, aKeyExpansionSeed, into: &block)
        // Server Finished: one round for 12 bytes.
        benchBlackHole(transcript.finalize())
        hmac(master, finishedSeed, into: &a)
        hmac(master, aFinishedSeed, into: &block)
        transcript.update(data: inputs.finished12)
        benchBlackHole(try AES.GCM.seal(inputs.finished12, using: inputs.recordKey, nonce: inputs.nonce))
        benchBlackHole(try AES.GCM.open(inputs.sealedClientFinished12, using: inputs.recordKey))
        benchBlackHole(transcript.finalize())
        hmac(master, finishedSeed, into: &a)
        hmac(master, aFinishedSeed, into: &block)
        benchBlackHole(block)
    }

    /// HMAC-SHA-256 of `data` under `key` into `output` (32 bytes).
    private func hmac(_ key: [UInt8], _ data: [UInt8], into output: inout [UInt8]) {
        key.withUnsafeBytes { key in
            data.withUnsafeBytes { data in
                output.withUnsafeMutableBytes { output in
                    _ = BoringSSLHMAC.authenticate(hash: .sha256, key: key, data: data, into: output)
                }
            }
        }
    }
}
