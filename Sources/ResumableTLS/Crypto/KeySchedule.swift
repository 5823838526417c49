import Crypto

/// The TLS 1.3 key schedule of RFC 8446 §7.1, as three stages that can only be walked in order:
///
///     KeySchedule.Early(hash:psk:)          early secret; binder keys, c e traffic, e exp master
///       .handshake(sharedSecret:)  ->  KeySchedule.Handshake   c/s hs traffic
///       .master()                  ->  KeySchedule.Master      c/s ap traffic, exp master, res master
///
/// Each stage is a value holding its one secret; the next stage is derived from it with the
/// `"derived"` step, so handshake code cannot reach a later secret without going through the
/// earlier ones. Static helpers cover the secrets that hang off the schedule: Finished keys and
/// verify_data (§4.4.4), PSK binders (§4.2.11.2), resumption PSKs (§4.6.1), KeyUpdate (§7.2)
/// and exporters (§7.5).
///
/// Secrets are held as swift-crypto `SymmetricKey`s, which zero their storage when released;
/// they leave a key only as wire values (verify_data, binders) or exporter output.
/// Transcript hashes are passed as the `TranscriptDigest` that `TranscriptHash` produces (or
/// any contiguous hash bytes, `HashValueBytes`, such as the RFC 8448 vectors).
package enum KeySchedule {
    /// The early stage: `Early Secret = HKDF-Extract(0, PSK)` (RFC 8446 §7.1).
    package struct Early: Sendable {
        /// The hash of the negotiated (or the PSK's) cipher suite.
        package let hash: TLSHashAlgorithm
        /// The Early Secret.
        package let earlySecret: SymmetricKey
        private let expander: HKDFExpander

        /// Starts the schedule. `psk` is the pre-shared key (a resumption PSK or an external
        /// PSK); `nil` means no PSK, and the RFC's `Hash.length` zero bytes are used.
        package init(hash: TLSHashAlgorithm, psk: SymmetricKey? = nil) {
            self.hash = hash
            let ikm = psk ?? hash.zeroKey
            self.earlySecret = hash.hkdfExtract(salt: nil, inputKeyMaterial: ikm)
            self.expander = HKDFExpander(hash: hash, pseudoRandomKey: earlySecret)
        }

        /// Starts the schedule with `session`'s resumption PSK, read where the session keeps
        /// it (no key object is made for the PSK on the way).
        package init(hash: TLSHashAlgorithm, resuming session: TLSSession) {
            self.hash = hash
            let extracted = session.withSecretBytes { psk in
                hash.zeroKey.withUnsafeBytes { salt in BoringSSLHMAC.key(hash: hash, rawKey: salt, data: psk, length: hash.digestLength) }
            }
            self.earlySecret = extracted ?? hash.hkdfExtract(salt: nil, inputKeyMaterial: session.secretKey)
            self.expander = HKDFExpander(hash: hash, pseudoRandomKey: earlySecret)
        }

        /// `binder_key = Derive-Secret(Early Secret, "ext binder" | "res binder", "")`
        /// (RFC 8446 §7.1). `external` selects `"ext binder"` (external PSK) over
        /// `"res binder"` (resumption PSK).
        package func binderKey(external: Bool) -> SymmetricKey {
            expander.deriveSecret(external ? "ext binder" : "res binder", transcriptHash: hash.emptyHash)
        }

        /// The PSK binder value (RFC 8446 §4.2.11.2): the Finished computation with the binder key
        /// as base key, over `Transcript-Hash(Truncate(ClientHello1))` (plus ClientHello1 and
        /// HelloRetryRequest before it after a retry). Pass that hash as `truncatedTranscriptHash`.
        package func binder(external: Bool, truncatedTranscriptHash: some HashValueBytes) -> [UInt8] {
            // The binder key, like the Finished key under it, only ever lives on the stack.
            let binder = expander.withExpandedLabel(external ? "ext binder" : "res binder", context: hash.emptyHash, length: hash.digestLength) {
                KeySchedule.verifyData(hash: hash, baseKeyBytes: $0, transcriptHash: truncatedTranscriptHash)
            }
            if let binder, let binder { return binder }
            return KeySchedule.verifyData(hash: hash, baseKey: binderKey(external: external), transcriptHash: truncatedTranscriptHash)
        }

        /// Whether `binder` is the correct binder for this PSK over `truncatedTranscriptHash`,
        /// compared in constant time (RFC 8446 §4.2.11.2).
        package func isValidBinder(_ binder: some HashValueBytes, external: Bool, truncatedTranscriptHash: some HashValueBytes) -> Bool {
            let valid = expander.withExpandedLabel(external ? "ext binder" : "res binder", context: hash.emptyHash, length: hash.digestLength) {
                KeySchedule.isValidVerifyData(binder, hash: hash, baseKeyBytes: $0, transcriptHash: truncatedTranscriptHash)
            }
            return valid ?? false
        }

        /// `client_early_traffic_secret = Derive-Secret(Early Secret, "c e traffic", ClientHello)`
        /// (RFC 8446 §7.1).
        package func clientEarlyTrafficSecret(transcriptHash: some HashValueBytes) -> SymmetricKey {
            expander.deriveSecret("c e traffic", transcriptHash: transcriptHash)
        }

        /// `early_exporter_master_secret = Derive-Secret(Early Secret, "e exp master", ClientHello)`
        /// (RFC 8446 §7.1).
        package func earlyExporterMasterSecret(transcriptHash: some HashValueBytes) -> SymmetricKey {
            expander.deriveSecret("e exp master", transcriptHash: transcriptHash)
        }

        /// `Derive-Secret(Early Secret, "derived", "")`, the salt of the handshake extract.
        package var derivedSecret: SymmetricKey {
            expander.deriveSecret("derived", transcriptHash: hash.emptyHash)
        }

        /// The next stage: `Handshake Secret = HKDF-Extract(Derive-Secret(., "derived", ""),
        /// (EC)DHE)` (RFC 8446 §7.1). `sharedSecret` is the (EC)DHE shared secret, or `nil` for
        /// `psk_ke` (the RFC's `Hash.length` zero bytes are used).
        package func handshake(sharedSecret: SymmetricKey?) -> Handshake {
            Handshake(hash: hash, handshakeSecret: expander.extractNextStage(inputKeyMaterial: sharedSecret ?? hash.zeroKey))
        }
    }

    /// The handshake stage: holds the Handshake Secret (RFC 8446 §7.1).
    package struct Handshake: Sendable {
        /// The hash of the negotiated cipher suite.
        package let hash: TLSHashAlgorithm
        /// The Handshake Secret.
        package let handshakeSecret: SymmetricKey
        private let expander: HKDFExpander

        init(hash: TLSHashAlgorithm, handshakeSecret: SymmetricKey) {
            self.hash = hash
            self.handshakeSecret = handshakeSecret
            self.expander = HKDFExpander(hash: hash, pseudoRandomKey: handshakeSecret)
        }

        /// `client_handshake_traffic_secret = Derive-Secret(Handshake Secret, "c hs traffic",
        /// ClientHello...ServerHello)` (RFC 8446 §7.1).
        package func clientHandshakeTrafficSecret(transcriptHash: some HashValueBytes) -> SymmetricKey {
            expander.deriveSecret("c hs traffic", transcriptHash: transcriptHash)
        }

        /// `server_handshake_traffic_secret = Derive-Secret(Handshake Secret, "s hs traffic",
        /// ClientHello...ServerHello)` (RFC 8446 §7.1).
        package func serverHandshakeTrafficSecret(transcriptHash: some HashValueBytes) -> SymmetricKey {
            expander.deriveSecret("s hs traffic", transcriptHash: transcriptHash)
        }

        /// `Derive-Secret(Handshake Secret, "derived", "")`, the salt of the master extract.
        package var derivedSecret: SymmetricKey {
            expander.deriveSecret("derived", transcriptHash: hash.emptyHash)
        }

        /// The next stage: `Master Secret = HKDF-Extract(Derive-Secret(., "derived", ""), 0)`
        /// (RFC 8446 §7.1).
        package func master() -> Master {
            Master(hash: hash, masterSecret: expander.extractNextStage(inputKeyMaterial: hash.zeroKey))
        }
    }

    /// The master stage: holds the Master Secret (RFC 8446 §7.1).
    package struct Master: Sendable {
        /// The hash of the negotiated cipher suite.
        package let hash: TLSHashAlgorithm
        /// The Master Secret.
        package let masterSecret: SymmetricKey
        private let expander: HKDFExpander

        init(hash: TLSHashAlgorithm, masterSecret: SymmetricKey) {
            self.hash = hash
            self.masterSecret = masterSecret
            self.expander = HKDFExpander(hash: hash, pseudoRandomKey: masterSecret)
        }

        /// `client_application_traffic_secret_0 = Derive-Secret(Master Secret, "c ap traffic",
        /// ClientHello...server Finished)` (RFC 8446 §7.1).
        package func clientApplicationTrafficSecret(transcriptHash: some HashValueBytes) -> SymmetricKey {
            expander.deriveSecret("c ap traffic", transcriptHash: transcriptHash)
        }

        /// `server_application_traffic_secret_0 = Derive-Secret(Master Secret, "s ap traffic",
        /// ClientHello...server Finished)` (RFC 8446 §7.1).
        package func serverApplicationTrafficSecret(transcriptHash: some HashValueBytes) -> SymmetricKey {
            expander.deriveSecret("s ap traffic", transcriptHash: transcriptHash)
        }

        /// `exporter_master_secret = Derive-Secret(Master Secret, "exp master",
        /// ClientHello...server Finished)` (RFC 8446 §7.1).
        package func exporterMasterSecret(transcriptHash: some HashValueBytes) -> SymmetricKey {
            expander.deriveSecret("exp master", transcriptHash: transcriptHash)
        }

        /// `resumption_master_secret = Derive-Secret(Master Secret, "res master",
        /// ClientHello...client Finished)` (RFC 8446 §7.1).
        package func resumptionMasterSecret(transcriptHash: some HashValueBytes) -> SymmetricKey {
            expander.deriveSecret("res master", transcriptHash: transcriptHash)
        }
    }
}
