import Crypto

/// The TLS 1.2 key schedule for the AEAD suites (RFC 5246 §6.3, §7.4.9, §8.1; RFC 7627 §4):
/// master secret, key block and Finished.
package enum TLS12KeySchedule {
    /// The master secret's length: 48 bytes (RFC 5246 §8.1).
    package static let masterSecretLength = 48
    /// Finished.verify_data's length: 12 bytes (RFC 5246 §7.4.9).
    package static let verifyDataLength = 12

    /// `master_secret = PRF(pre_master_secret, "extended master secret", session_hash)` with
    /// the transcript hash through ClientKeyExchange (RFC 7627 §4), or the RFC 5246 §8.1 form
    /// `PRF(pre_master_secret, "master secret", ClientHello.random + ServerHello.random)`.
    package static func masterSecret(
        hash: TLSHashAlgorithm, preMasterSecret: SymmetricKey, extended: Bool,
        sessionHash: some Collection<UInt8>, clientRandom: [UInt8], serverRandom: [UInt8]
    ) -> SymmetricKey {
        let bytes = extended
            ? TLS12PRF.compute(hash: hash, secret: preMasterSecret, label: "extended master secret", seed: sessionHash, length: masterSecretLength)
            : TLS12PRF.compute(hash: hash, secret: preMasterSecret, label: "master secret", seed: clientRandom, moreSeed: serverRandom, length: masterSecretLength)
        return SymmetricKey(data: bytes)
    }

    /// The record keys of both directions (RFC 5246 §6.3): `key_block = PRF(master_secret,
    /// "key expansion", server_random + client_random)`, cut into client_write_key,
    /// server_write_key, client_write_IV, server_write_IV (AEAD suites have no MAC keys).
    package static func keys(
        _ parameters: TLS12CipherSuiteParameters, masterSecret: SymmetricKey, clientRandom: [UInt8], serverRandom: [UInt8]
    ) -> (client: TLS12TrafficKeys, server: TLS12TrafficKeys) {
        let keyLength = parameters.aead.keyLength
        let ivLength = parameters.fixedIVLength
        var block = TLS12PRF.compute(
            hash: parameters.hash, secret: masterSecret, label: "key expansion",
            seed: serverRandom, moreSeed: clientRandom, length: 2 * (keyLength + ivLength))
        defer { for index in block.indices { block[index] = 0 } }
        let clientKey = SymmetricKey(data: block[0 ..< keyLength])
        let serverKey = SymmetricKey(data: block[keyLength ..< 2 * keyLength])
        let clientIV = Array(block[2 * keyLength ..< 2 * keyLength + ivLength])
        let serverIV = Array(block[2 * keyLength + ivLength ..< 2 * (keyLength + ivLength)])
        return (TLS12TrafficKeys(parameters: parameters, key: clientKey, fixedIV: clientIV),
                TLS12TrafficKeys(parameters: parameters, key: serverKey, fixedIV: serverIV))
    }

    /// `verify_data = PRF(master_secret, finished_label, Hash(handshake_messages))[0..11]`
    /// (RFC 5246 §7.4.9), with "client finished" or "server finished".
    package static func verifyData(hash: TLSHashAlgorithm, masterSecret: SymmetricKey, client: Bool, transcriptHash: some HashValueBytes) -> [UInt8] {
        TLS12PRF.compute(hash: hash, secret: masterSecret, label: client ? "client finished" : "server finished",
                         seed: transcriptHash, length: verifyDataLength)
    }

    /// Whether a received verify_data is right, compared in constant time (a mismatch is
    /// `decrypt_error`, RFC 5246 §7.4.9).
    package static func isValidVerifyData(_ received: some Collection<UInt8>, hash: TLSHashAlgorithm, masterSecret: SymmetricKey, client: Bool, transcriptHash: some HashValueBytes) -> Bool {
        let expected = verifyData(hash: hash, masterSecret: masterSecret, client: client, transcriptHash: transcriptHash)
        guard received.count == expected.count else { return false }
        var difference: UInt8 = 0
        for (ours, theirs) in zip(expected, received) { difference |= ours ^ theirs }
        return difference == 0
    }
}

/// One TLS 1.2 handshake's record keys, derived from the key block on first use (each side
/// needs them twice: for its own ChangeCipherSpec and for the peer's) and dropped once the
/// record layer holds them (security review L7).
struct TLS12KeyBlock {
    private var derived: (client: TLS12TrafficKeys, server: TLS12TrafficKeys)?

    /// Both directions' keys for `master` and the handshake's randoms.
    mutating func keys(_ parameters: TLS12CipherSuiteParameters, master: SymmetricKey,
                       clientRandom: [UInt8], serverRandom: [UInt8]) -> (client: TLS12TrafficKeys, server: TLS12TrafficKeys) {
        if let derived { return derived }
        let keys = TLS12KeySchedule.keys(parameters, masterSecret: master, clientRandom: clientRandom, serverRandom: serverRandom)
        derived = keys
        return keys
    }

    /// Forgets the keys.
    mutating func clear() { derived = nil }
}

/// One direction's record key and implicit IV from the TLS 1.2 key block.
package struct TLS12TrafficKeys: Sendable {
    package let parameters: TLS12CipherSuiteParameters
    package let key: SymmetricKey
    /// `[sender]_write_IV`: the 4-byte GCM salt or the 12-byte ChaCha20-Poly1305 IV.
    package let fixedIV: [UInt8]
}
