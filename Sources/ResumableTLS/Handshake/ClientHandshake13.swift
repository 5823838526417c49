import Crypto
import Foundation

/// The client side of the TLS 1.3 handshake (RFC 8446 §2, §4), one step per received message,
/// read top to bottom like the RFC: ClientHello → (HelloRetryRequest → ClientHello) →
/// ServerHello → EncryptedExtensions → [CertificateRequest] → Certificate → CertificateVerify →
/// Finished → [our Certificate, CertificateVerify] → our Finished.
final class ClientHandshake13 {
    /// Where the handshake stands, each state with the secrets it needs: our key shares until
    /// the ServerHello, the handshake secrets until the server's Finished, the master and our
    /// application secret until our Finished, then only the resumption master secret, for the
    /// tickets that follow (security review L7).
    private enum State {
        case idle
        case waitServerHello(keyShares: [KeyExchangePrivateKey])
        case waitEncryptedExtensions(HandshakeSecrets)
        case waitCertificateOrRequest(HandshakeSecrets)
        case waitCertificate(HandshakeSecrets)
        case waitCertificateVerify(HandshakeSecrets, serverKey: TLSPublicKey)
        case waitFinished(HandshakeSecrets)
        case waitChainVerification(FinishSecrets)
        case connected(resumptionMasterSecret: SymmetricKey)

        /// The state's name, for error messages (never its secrets).
        var name: String {
            switch self {
            case .idle: return "idle"
            case .waitServerHello: return "waitServerHello"
            case .waitEncryptedExtensions: return "waitEncryptedExtensions"
            case .waitCertificateOrRequest: return "waitCertificateOrRequest"
            case .waitCertificate: return "waitCertificate"
            case .waitCertificateVerify: return "waitCertificateVerify"
            case .waitFinished: return "waitFinished"
            case .waitChainVerification: return "waitChainVerification"
            case .connected: return "connected"
            }
        }
    }

    /// The secrets from the ServerHello to the server's Finished (RFC 8446 §7.1).
    private struct HandshakeSecrets {
        let schedule: KeySchedule.Handshake
        let clientHandshakeSecret: SymmetricKey
        let serverHandshakeSecret: SymmetricKey
    }

    /// What our second flight needs once the server's Finished verified.
    private struct FinishSecrets {
        let clientHandshakeSecret: SymmetricKey
        let master: KeySchedule.Master
        let clientApplicationSecret: SymmetricKey
    }

    private let shared: SharedConfiguration
    /// The configuration, read through the context's shared copy (no copy per connection).
    var configuration: TLSConfiguration { _read { yield shared.value } }
    private var state = State.idle
    private var clientHello: ClientHello?
    private var pendingTranscript = PendingTranscript()
    private var transcript: TranscriptHash?
    private var cipherSuite: CipherSuite?
    private var suite: TLS13CipherSuiteParameters?
    private var didHelloRetryRequest = false
    private var certificateRequest: CertificateRequest?
    private var peerChain: [[UInt8]] = []
    private var peerScheme: SignatureScheme?
    private var applicationProtocol: String?
    private var peerRecordSizeLimit: Int?
    /// Whether the peer sent record_size_limit (RFC 8449): only then does ours bind it.
    var peerSentRecordSizeLimit: Bool { peerRecordSizeLimit != nil }
    private var group: NamedGroup?
    private var sentChangeCipherSpec = false
    /// The TLS 1.3 session offered for resumption, if any (S11).
    private var offeredSession: TLSSession?
    /// The key schedule's early stage for `offeredSession`, made for its binder and kept for the
    /// ServerHello that accepts it (one HKDF-Extract of the PSK, not two).
    private var offeredEarly: KeySchedule.Early?
    /// The TLS 1.2 session offered (by session ID or ticket), if any; used if the server
    /// negotiates TLS 1.2.
    private var offeredTLS12Session: TLSSession?
    /// Why an offered session was not resumed, as far as the client can tell (S30).
    private var declineReason: ResumptionDeclineReason?
    /// The offered session, once the server accepted it.
    private(set) var resumedSession: TLSSession?
    /// What became of the early data the application gave (S29).
    private(set) var earlyDataStatus = EarlyDataStatus.notOffered
    /// Whether early data records went out (under the early keys).
    private(set) var sentEarlyData = false
    private var now = Date(timeIntervalSince1970: 0)

    init(configuration: SharedConfiguration) {
        self.shared = configuration
    }

    /// Whether handshake, master or application traffic secrets are still held here (false
    /// once our Finished is sent; security review L7).
    var holdsHandshakeSecrets: Bool {
        switch state {
        case .idle, .waitServerHello, .connected: return false
        default: return true
        }
    }

    /// How to parse the next handshake message: lengths depend on the negotiated hash.
    var parsingContext: HandshakeParsingContext {
        suite.map { .tls13(hashLength: $0.hash.digestLength) } ?? .initial
    }

    /// The negotiated cipher suite parameters, once ServerHello arrived.
    var negotiatedSuite: TLS13CipherSuiteParameters? { suite }

    // MARK: ClientHello

    /// Builds the first ClientHello, offering `session` if it can still be resumed here;
    /// `certificateCoversServerName` says whether a session made for another server name was
    /// found valid for ours (`needsServerNameCheck`).
    /// With `earlyDataLength`, the application has that many bytes of early data to send: they
    /// go out under the early keys if the offered session allows them (`earlyDataRefusal`).
    func start(offering session: TLSSession?, now: Date, certificateCoversServerName: Bool = false,
               earlyDataLength: Int? = nil) throws -> [HandshakeAction] {
        guard case .idle = state else { throw TLSError.invalidState("handshake already started") }
        self.now = now
        let offersTLS13 = configuration.allows(.tls13)
        let offersTLS12 = configuration.allows(.tls12)
        if let session {
            if session.protocolVersion == .tls12 {
                declineReason = ClientHandshake12.whyNotOffered(session, configuration: configuration, now: now)
                if declineReason == nil { offeredTLS12Session = session }
            } else {
                declineReason = offersTLS13 ? Self.whyNotOffered(session, configuration: configuration, now: now,
                                                                 certificateCoversServerName: certificateCoversServerName) : .protocolVersion
                if declineReason == nil { offeredSession = session }
            }
            if declineReason == nil { declineReason = .declinedByServer }
        }
        var extensions: [Extension] = []
        extensions.reserveCapacity(16)
        var keyShares: [KeyExchangePrivateKey] = []
        if let name = configuration.serverName, !ServerNameLiteral.isIPAddress(name) {
            extensions.append(.serverName(name))
        }
        if offersTLS13 {
            let groups = shared.clientKeyShareGroups
            guard !groups.isEmpty else { throw TLSError.invalidState("no supported key-share group configured") }
            keyShares = try groups.map { try KeyExchangePrivateKey(group: $0) }
            extensions.append(.supportedVersionsClientHello(offersTLS12 ? [.tls13, .tls12] : [.tls13]))
        }
        extensions.append(.supportedGroups(CodePointList(configuration.groups)))
        extensions.append(.signatureAlgorithms(CodePointList(configuration.signatureSchemes)))
        if offersTLS13 {
            extensions.append(.keyShareClientHello(keyShares.map { KeyShareEntry(group: $0.group, keyExchange: $0.keyShare) }))
            // Servers send tickets only to clients that say how they would use them (RFC 8446 §4.2.9).
            if !configuration.pskKeyExchangeModes.isEmpty {
                extensions.append(.pskKeyExchangeModes(configuration.pskKeyExchangeModes))
            }
        }
        if offersTLS12 {
            // RFC 7627 EMS, RFC 5746 indication, RFC 8422 §5.1.2 point formats, RFC 5077 ticket.
            extensions.append(.extendedMasterSecret)
            extensions.append(.renegotiationInfo([]))
            extensions.append(.unknown(.ecPointFormats, [1, 0]))
            if configuration.tls12SessionTickets {
                extensions.append(.sessionTicket(offeredTLS12Session?.ticket ?? []))
            }
        }
        if !configuration.applicationProtocols.isEmpty {
            extensions.append(.applicationLayerProtocols(configuration.applicationProtocols.map { Array($0.utf8) }))
        }
        if let limit = configuration.recordSizeLimit {
            extensions.append(.recordSizeLimit(UInt16(limit)))
        }
        if let request = configuration.requestedTicketCount {
            extensions.append(.ticketRequest(newSessionCount: request.afterFullHandshake, resumptionCount: request.afterResumption))
        }
        var earlyDataSession: TLSSession?
        if let length = earlyDataLength {
            earlyDataStatus = .rejected
            if let session = offeredSession, Self.earlyDataRefusal(session, length: length, configuration: configuration) == nil {
                earlyDataSession = session
                earlyDataStatus = .accepted   // until the server says otherwise
                extensions.append(.earlyData)   // before pre_shared_key, which must be last
            }
        }
        if let session = offeredSession {
            extensions.append(pskOffer(for: session))
        }
        // A TLS 1.2 session is named by its session ID (RFC 5246 §7.4.1.2); with a ticket the ID
        // only lets us see the server accept it (RFC 5077 §3.4), so it must be non-empty.
        // Middlebox compatibility (RFC 8446 §D.4) is a TLS 1.3 matter; a TLS 1.2-only client
        // proposes a session ID only to resume (RFC 5246 §7.4.1.2).
        var sessionID = offersTLS13 && configuration.middleboxCompatibility ? HandshakeRandom.bytes(32) : []
        if let session = offeredTLS12Session {
            sessionID = (1...32).contains(session.sessionIDCount) ? session.sessionID : HandshakeRandom.bytes(32)
        }
        var suites: [CipherSuite]
        if offeredTLS12Session == nil, offeredSession.map({ $0.cipherSuite == shared.tls13CipherSuites.first }) ?? true {
            suites = shared.clientCipherSuites   // the usual offer, made once per context
        } else {
            suites = offersTLS13 ? Self.offeredSuites(configuration.cipherSuites, resuming: offeredSession) : []
            if offersTLS12 {
                let tls12 = shared.tls12CipherSuites
                if let session = offeredTLS12Session {
                    suites += [session.cipherSuite] + tls12.filter { $0 != session.cipherSuite }
                } else {
                    suites += tls12
                }
            }
        }
        let hello = ClientHello(
            random: HandshakeRandom.bytes(32),
            legacySessionID: sessionID,
            cipherSuites: CodePointList(suites),
            extensions: ExtensionList(extensions))
        clientHello = hello
        var bytes = try HandshakeMessage.clientHello(hello).encode()
        if let session = offeredSession {
            try patchBinder(in: &bytes, offer: hello.offeredPSKs, session: session, transcriptPrefix: nil)
        }
        pendingTranscript.append(bytes)
        state = .waitServerHello(keyShares: keyShares)
        var actions: [HandshakeAction] = [.send(bytes)]
        actions.reserveCapacity(4)
        if let session = earlyDataSession, let hash = session.hash, let parameters = session.cipherSuite.tls13Parameters {
            // RFC 8446 §D.4: the compatibility ChangeCipherSpec goes before the first protected record.
            if configuration.middleboxCompatibility {
                sentChangeCipherSpec = true
                actions.append(.sendChangeCipherSpec)
            }
            let early = offeredEarly ?? KeySchedule.Early(hash: hash, resuming: session)
            let secret = early.clientEarlyTrafficSecret(transcriptHash: hash.digest(bytes))
            actions.append(.setWriteKeys(.tls13(TrafficSecret(suite: parameters, secret: secret))))
            actions.append(.sendEarlyData)
            sentEarlyData = true
        } else if earlyDataLength != nil {
            actions.append(.earlyDataAnswered(accepted: false))
        }
        return actions
    }

    /// Why `session` cannot carry `length` bytes of early data, or nil if it can (RFC 8446
    /// §4.2.10): the ticket must allow that much, and ALPN must be able to come out as it was.
    static func earlyDataRefusal(_ session: TLSSession, length: Int, configuration: TLSConfiguration) -> String? {
        guard session.maxEarlyDataSize > 0 else { return "the ticket does not allow early data" }
        guard length <= Int(session.maxEarlyDataSize) else { return "more early data than the ticket allows (\(session.maxEarlyDataSize) bytes)" }
        guard session.cipherSuite.tls13Parameters != nil else { return "not a TLS 1.3 session" }
        if let alpn = session.applicationProtocol {
            guard configuration.applicationProtocols.contains(alpn) else { return "the session's ALPN protocol is not offered" }
        } else if !configuration.applicationProtocols.isEmpty {
            return "the session has no ALPN protocol and one is offered"
        }
        return nil
    }

    /// Whether a ServerHello without supported_versions may take this handshake to TLS 1.2: only
    /// the first ServerHello (not after a HelloRetryRequest) of a client that offered TLS 1.2.
    var mayNegotiateTLS12: Bool {
        guard case .waitServerHello = state else { return false }
        return !didHelloRetryRequest && configuration.allows(.tls12)
    }

    /// The TLS 1.2 handshake that continues from our ClientHello.
    func continuingInTLS12(contextID: UUID, now: Date) throws -> ClientHandshake12 {
        guard let clientHello else { throw TLSError.internalError("no ClientHello") }
        return ClientHandshake12(
            configuration: shared, clientHello: clientHello, clientHelloBytes: pendingTranscript.bytes,
            offeredSession: offeredTLS12Session, declineReason: offeredTLS12Session != nil ? .declinedByServer : declineReason,
            contextID: contextID, now: now)
    }

    // MARK: Resumption offer (RFC 8446 §4.2.11)

    /// Why `session` cannot be offered under `configuration` at `now`, or nil if it can (S6,
    /// S16): TLS 1.3, resumable, not expired, made for this server (below), and its hash used by
    /// one of our suites.
    ///
    /// RFC 8446 §4.6.1: a client "MUST only resume if the new SNI value is valid for the server
    /// certificate presented in the original session" (security review M4). With full
    /// verification, a session made for another name (compared case-insensitively) is offered
    /// only if its server certificate covers the new name and is still valid (checked
    /// asynchronously by the connection: `certificateCoversServerName`); otherwise
    /// `.serverName`. Without a name check (`insecureNoServerNameCheck`, no verification) a full
    /// handshake would accept any name, so resumption does too.
    static func whyNotOffered(_ session: TLSSession, configuration: TLSConfiguration, now: Date,
                              certificateCoversServerName: Bool = false) -> ResumptionDeclineReason? {
        guard session.protocolVersion == .tls13 else { return .protocolVersion }
        guard session.isResumable, !session.ticket.isEmpty else { return .notResumable }
        guard !session.isExpired(at: now) else { return .expired }
        guard now.timeIntervalSince(session.authenticationTime) <= configuration.maximumAuthenticationAge else {
            return .authenticationAge
        }
        if needsServerNameCheck(session, configuration: configuration), !certificateCoversServerName {
            return .serverName
        }
        guard !configuration.pskKeyExchangeModes.isEmpty else { return .noCommonPSKMode }
        guard let hash = session.hash, configuration.cipherSuites.contains(where: { $0.tls13Parameters?.hash == hash }) else {
            return .cipherSuite
        }
        return nil
    }

    /// Whether `session`'s certificate must be checked against our server name before it is
    /// offered: with full verification, for a session made for another name.
    static func needsServerNameCheck(_ session: TLSSession, configuration: TLSConfiguration) -> Bool {
        guard configuration.certificateVerification.requiresServerName, let name = configuration.serverName else { return false }
        return !ServerNameLiteral.sameName(session.serverName, name)
    }

    /// Our TLS 1.3 suites, with the resumed session's own suite first: servers that follow the
    /// client's order (OpenSSL does) would otherwise pick a suite of another hash and decline
    /// the PSK.
    static func offeredSuites(_ configured: [CipherSuite], resuming session: TLSSession?) -> [CipherSuite] {
        let suites = configured.filter { $0.tls13Parameters != nil }
        guard let session, suites.contains(session.cipherSuite) else { return suites }
        return [session.cipherSuite] + suites.filter { $0 != session.cipherSuite }
    }

    /// The pre_shared_key extension for `session`, with a zero binder to be patched.
    private func pskOffer(for session: TLSSession) -> Extension {
        let ageMilliseconds = UInt64(max(0, now.timeIntervalSince(session.creationTime)) * 1000)
        let obfuscatedAge = UInt32(truncatingIfNeeded: ageMilliseconds) &+ session.ticketAgeAdd
        let binderLength = session.hash?.digestLength ?? 32
        return .preSharedKeyOffer(OfferedPSKs(
            identities: [PSKIdentity(identity: session.ticket, obfuscatedTicketAge: obfuscatedAge)],
            binders: [[UInt8](repeating: 0, count: binderLength)]))
    }

    /// Computes the binder over the truncated ClientHello (after `transcriptPrefix`, the
    /// HelloRetryRequest transcript, if any) and writes it into the encoded message.
    /// `offer` is the one the message was encoded from (with its placeholder binder).
    private func patchBinder(in message: inout [UInt8], offer: OfferedPSKs?, session: TLSSession, transcriptPrefix: TranscriptHash?) throws {
        guard let hash = session.hash else { throw TLSError.internalError("session without a TLS 1.3 hash") }
        guard let offer else { throw TLSError.internalError("ClientHello without its PSK offer") }
        let truncated = try ClientHello.truncatedForBinders(message[...], offer: offer)
        let transcriptHash = transcriptPrefix.map { $0.hash(appending: truncated) } ?? hash.digest(truncated)
        let early = KeySchedule.Early(hash: hash, resuming: session)
        offeredEarly = early
        let binder = early.binder(external: false, truncatedTranscriptHash: transcriptHash)
        try ClientHello.patchBinders(in: &message, with: [binder])
    }

    // MARK: Receiving

    func handle(_ message: HandshakeMessage, raw: ArraySlice<UInt8>) throws -> [HandshakeAction] {
        switch (state, message) {
        case (.waitServerHello(let keyShares), .serverHello(let hello)):
            return try hello.isHelloRetryRequest
                ? handleHelloRetryRequest(hello, raw: raw, keyShares: keyShares) : handleServerHello(hello, raw: raw, keyShares: keyShares)
        case (.waitEncryptedExtensions(let secrets), .encryptedExtensions(let extensions)):
            return try handleEncryptedExtensions(extensions, raw: raw, secrets: secrets)
        case (.waitCertificateOrRequest(let secrets), .certificateRequest(let request)):
            guard request.certificateRequestContext.isEmpty else {
                throw TLSError.illegalParameter("certificate_request_context must be empty during the handshake")
            }
            certificateRequest = request
            transcript?.append(raw)
            state = .waitCertificate(secrets)
            return []
        case (.waitCertificateOrRequest(let secrets), .certificate(let certificate)), (.waitCertificate(let secrets), .certificate(let certificate)):
            return try handleCertificate(certificate, raw: raw, secrets: secrets)
        case (.waitCertificateVerify(let secrets, let serverKey), .certificateVerify(let verify)):
            return try handleCertificateVerify(verify, raw: raw, secrets: secrets, serverKey: serverKey)
        case (.waitFinished(let secrets), .finished(let finished)):
            return try handleFinished(finished, raw: raw, secrets: secrets)
        default:
            throw TLSError.unexpectedMessage("\(message.type) while the client is in \(state.name)")
        }
    }

    private func commonServerHelloChecks(_ hello: ServerHello) throws {
        guard hello.legacyVersion == .tls12 else {
            throw TLSError.protocolViolation(alert: .protocolVersion, reason: .noCommonVersion("ServerHello legacy_version \(hello.legacyVersion)"))
        }
        guard case .supportedVersionsSelected(let version)? = hello.extensions[.supportedVersions] else {
            // A TLS 1.2 server. If its random carries the downgrade sentinel, someone tampered.
            if hello.downgradeSentinel != nil {
                throw TLSError.protocolViolation(alert: .illegalParameter, reason: .downgradeDetected)
            }
            throw TLSError.protocolViolation(alert: .protocolVersion, reason: .noCommonVersion("server did not negotiate TLS 1.3"))
        }
        guard version == .tls13 else {
            throw TLSError.illegalParameter("server selected \(version), which was not offered")
        }
        guard let offered = clientHello, hello.legacySessionIDEcho.elementsEqual(offered.legacySessionID) else {
            throw TLSError.illegalParameter("legacy_session_id_echo does not match")
        }
        guard hello.legacyCompressionMethod == 0 else {
            throw TLSError.illegalParameter("non-null compression method")
        }
        guard offered.cipherSuites.contains(hello.cipherSuite), hello.cipherSuite.tls13Parameters != nil else {
            throw TLSError.illegalParameter("server selected cipher suite \(hello.cipherSuite), which was not offered")
        }
        for ext in hello.extensions {
            switch ext.type {
            case .supportedVersions, .keyShare, .preSharedKey, .cookie: continue
            default: throw TLSError.protocolViolation(alert: .unsupportedExtension, reason: .unsolicitedExtension("\(ext.type) in ServerHello"))
            }
        }
    }

    private func handleHelloRetryRequest(_ hello: ServerHello, raw: ArraySlice<UInt8>, keyShares: [KeyExchangePrivateKey]) throws -> [HandshakeAction] {
        var keyShares = keyShares
        guard !didHelloRetryRequest else { throw TLSError.unexpectedMessage("second HelloRetryRequest") }
        try commonServerHelloChecks(hello)
        guard var offered = clientHello, let parameters = hello.cipherSuite.tls13Parameters else {
            throw TLSError.internalError("no ClientHello")
        }
        didHelloRetryRequest = true
        cipherSuite = hello.cipherSuite
        suite = parameters
        var transcript = pendingTranscript.start(hash: parameters.hash)
        transcript.replaceClientHelloWithMessageHash()
        transcript.append(raw)

        var extensions = offered.extensions.extensions
        var changed = false
        if case .keyShareHelloRetryRequest(let selected)? = hello.extensions[.keyShare] {
            guard configuration.groups.contains(selected), KeyExchangePrivateKey.supports(selected) else {
                throw TLSError.illegalParameter("HelloRetryRequest selected \(selected), which was not offered")
            }
            guard !keyShares.contains(where: { $0.group == selected }) else {
                throw TLSError.illegalParameter("HelloRetryRequest asked for \(selected), which already had a share")
            }
            let share = try KeyExchangePrivateKey(group: selected)
            keyShares = [share]
            extensions = extensions.map {
                $0.type == .keyShare ? .keyShareClientHello([KeyShareEntry(group: selected, keyExchange: share.keyShare)]) : $0
            }
            changed = true
        }
        extensions.removeAll { $0.type == .cookie || $0.type == .earlyData }
        if case .cookie(let cookie)? = hello.extensions[.cookie] {
            // Before pre_shared_key, which must stay last.
            let insertAt = extensions.firstIndex { $0.type == .preSharedKey } ?? extensions.endIndex
            extensions.insert(.cookie(cookie), at: insertAt)
            changed = true
        }
        guard changed else { throw TLSError.illegalParameter("HelloRetryRequest that would not change the ClientHello") }
        extensions.removeAll { $0.type == .preSharedKey }
        if let session = offeredSession {
            if session.hash == parameters.hash {
                extensions.append(pskOffer(for: session))
            } else {
                offeredSession = nil // RFC 8446 §4.1.4: a PSK of another hash is dropped
                declineReason = .cipherSuite
            }
        }
        offered.extensions = ExtensionList(extensions)
        clientHello = offered
        var bytes = try HandshakeMessage.clientHello(offered).encode()
        if let session = offeredSession {
            try patchBinder(in: &bytes, offer: offered.offeredPSKs, session: session, transcriptPrefix: transcript)
        }
        transcript.append(bytes)
        self.transcript = transcript
        var actions: [HandshakeAction] = []
        if earlyDataStatus == .accepted {
            // RFC 8446 §4.2.10: a HelloRetryRequest declines early data; the second
            // ClientHello goes in the clear.
            earlyDataStatus = .rejected
            actions += [.earlyDataAnswered(accepted: false), .dropWriteKeys]
        }
        if configuration.middleboxCompatibility && !sentChangeCipherSpec {
            sentChangeCipherSpec = true
            actions.append(.sendChangeCipherSpec)
        }
        actions.append(.send(bytes))
        state = .waitServerHello(keyShares: keyShares)
        return actions
    }

    private func handleServerHello(_ hello: ServerHello, raw: ArraySlice<UInt8>, keyShares: [KeyExchangePrivateKey]) throws -> [HandshakeAction] {
        try commonServerHelloChecks(hello)
        if didHelloRetryRequest, hello.cipherSuite != cipherSuite {
            throw TLSError.illegalParameter("ServerHello cipher suite differs from the HelloRetryRequest's")
        }
        guard let parameters = hello.cipherSuite.tls13Parameters else { throw TLSError.internalError("no suite") }
        var early: KeySchedule.Early?
        if case .preSharedKeySelected(let index)? = hello.extensions[.preSharedKey] {
            guard let session = offeredSession, index == 0 else {
                throw TLSError.illegalParameter("server selected PSK \(index), which was not offered")
            }
            guard session.hash == parameters.hash else {
                throw TLSError.illegalParameter("server selected a suite whose hash differs from the PSK's")
            }
            resumedSession = session
            early = offeredEarly ?? KeySchedule.Early(hash: parameters.hash, resuming: session)
        }
        offeredEarly = nil
        var sharedSecret: SymmetricKey?
        if case .keyShareServerHello(let entry)? = hello.extensions[.keyShare] {
            guard let share = keyShares.first(where: { $0.group == entry.group }) else {
                throw TLSError.illegalParameter("server key_share for \(entry.group), which we sent no share for")
            }
            sharedSecret = try share.sharedSecret(peerKeyShare: entry.keyExchange)
            group = entry.group
        } else if resumedSession == nil || !configuration.pskKeyExchangeModes.contains(.pskKE) {
            // Without a key share only psk_ke works, and only if we offered it (RFC 8446 §4.2.9).
            throw TLSError.protocolViolation(alert: .missingExtension, reason: .missingExtension("ServerHello without key_share"))
        }
        cipherSuite = hello.cipherSuite
        suite = parameters
        var transcript = transcript ?? pendingTranscript.start(hash: parameters.hash)
        transcript.append(raw)
        let schedule = (early ?? KeySchedule.Early(hash: parameters.hash)).handshake(sharedSecret: sharedSecret)
        let hash = transcript.currentHash()
        let clientSecret = schedule.clientHandshakeTrafficSecret(transcriptHash: hash)
        let serverSecret = schedule.serverHandshakeTrafficSecret(transcriptHash: hash)
        self.transcript = transcript
        state = .waitEncryptedExtensions(HandshakeSecrets(schedule: schedule, clientHandshakeSecret: clientSecret, serverHandshakeSecret: serverSecret))
        return [.setReadKeys(.tls13(TrafficSecret(suite: parameters, secret: serverSecret)))]
    }

    private func handleEncryptedExtensions(_ message: EncryptedExtensions, raw: ArraySlice<UInt8>, secrets: HandshakeSecrets) throws -> [HandshakeAction] {
        var earlyDataAccepted = false
        for ext in message.extensions {
            switch ext {
            case .selectedApplicationProtocol(let name):
                // RFC 8446 §4.2: an extension we did not offer is unsupported_extension (L11).
                guard clientHello?.extensions.contains(.applicationLayerProtocolNegotiation) == true else {
                    throw TLSError.protocolViolation(alert: .unsupportedExtension, reason: .unsolicitedExtension("ALPN answered but not offered"))
                }
                guard let protocolName = String(validating: name, as: UTF8.self),
                      configuration.applicationProtocols.contains(protocolName) else {
                    throw TLSError.illegalParameter("server selected an ALPN protocol that was not offered")
                }
                applicationProtocol = protocolName
            case .serverNameAcknowledged:
                guard clientHello?.extensions.contains(.serverName) == true else {
                    throw TLSError.protocolViolation(alert: .unsupportedExtension, reason: .unsolicitedExtension("server_name acknowledged but not sent"))
                }
            case .recordSizeLimit(let limit):
                guard clientHello?.extensions.contains(.recordSizeLimit) == true else {
                    throw TLSError.protocolViolation(alert: .unsupportedExtension, reason: .unsolicitedExtension("record_size_limit answered but not sent"))
                }
                peerRecordSizeLimit = Int(limit)
            case .supportedGroups:
                continue // the server's preferences, informational (RFC 8446 §4.2.7)
            case .ticketRequestExpectedCount:
                guard configuration.requestedTicketCount != nil else {
                    throw TLSError.protocolViolation(alert: .unsupportedExtension, reason: .unsolicitedExtension("ticket_request answered but not sent"))
                }
            case .earlyData:
                guard earlyDataStatus == .accepted, clientHello?.extensions.contains(.earlyData) == true else {
                    throw TLSError.protocolViolation(alert: .unsupportedExtension, reason: .unsolicitedExtension("early_data accepted but not offered"))
                }
                // RFC 8446 §4.2.10: only with the first PSK, which is the only one we offer.
                guard resumedSession != nil else { throw TLSError.illegalParameter("early_data accepted without the PSK") }
                earlyDataAccepted = true
            default:
                throw TLSError.protocolViolation(alert: .unsupportedExtension, reason: .unsolicitedExtension("\(ext.type) in EncryptedExtensions"))
            }
        }
        transcript?.append(raw)
        // A PSK handshake authenticates by the PSK: no Certificate or CertificateVerify follow.
        state = resumedSession == nil ? .waitCertificateOrRequest(secrets) : .waitFinished(secrets)
        guard earlyDataStatus == .accepted else { return [] }
        if !earlyDataAccepted { earlyDataStatus = .rejected }
        return [.earlyDataAnswered(accepted: earlyDataAccepted)]
    }

    private func handleCertificate(_ message: CertificateMessage, raw: ArraySlice<UInt8>, secrets: HandshakeSecrets) throws -> [HandshakeAction] {
        guard message.certificateRequestContext.isEmpty else {
            throw TLSError.illegalParameter("server Certificate with a request context")
        }
        guard let leaf = message.certificateList.first else {
            throw TLSError.decodeError("server sent an empty Certificate")
        }
        // We ask for no per-certificate extension (status_request, SCT): any is unsolicited (§4.4.2).
        guard message.certificateList.allSatisfy({ $0.extensions.isEmpty }) else {
            throw TLSError.protocolViolation(alert: .unsupportedExtension, reason: .unsolicitedExtension("CertificateEntry extension we did not ask for"))
        }
        let serverKey = try TLSPublicKey(certificateDER: leaf.certificateData)
        peerChain = message.certificateList.map(\.certificateData)
        transcript?.append(raw)
        state = .waitCertificateVerify(secrets, serverKey: serverKey)
        return []
    }

    private func handleCertificateVerify(_ message: CertificateVerify, raw: ArraySlice<UInt8>, secrets: HandshakeSecrets, serverKey: TLSPublicKey) throws -> [HandshakeAction] {
        guard var transcript else { throw TLSError.internalError("no transcript") }
        try serverKey.verifyCertificateVerify(
            message, signer: .server, transcriptHash: transcript.currentHash(),
            offeredSchemes: configuration.signatureSchemes)
        peerScheme = message.algorithm
        transcript.append(raw)
        self.transcript = transcript
        state = .waitFinished(secrets)
        return []
    }

    private func handleFinished(_ message: Finished, raw: ArraySlice<UInt8>, secrets: HandshakeSecrets) throws -> [HandshakeAction] {
        guard var transcript, let suite else { throw TLSError.internalError("Finished before keys") }
        guard KeySchedule.isValidVerifyData(message.verifyData, hash: suite.hash, baseKey: secrets.serverHandshakeSecret,
                                            transcriptHash: transcript.currentHash()) else {
            throw TLSError.protocolViolation(alert: .decryptError, reason: .finishedMismatch)
        }
        transcript.append(raw)
        let master = secrets.schedule.master()
        let hash = transcript.currentHash()
        let serverApplicationSecret = master.serverApplicationTrafficSecret(transcriptHash: hash)
        self.transcript = transcript
        let finishing = FinishSecrets(clientHandshakeSecret: secrets.clientHandshakeSecret, master: master,
                                      clientApplicationSecret: master.clientApplicationTrafficSecret(transcriptHash: hash))
        var actions: [HandshakeAction] = [.setReadKeys(.tls13(TrafficSecret(suite: suite, secret: serverApplicationSecret)))]
        actions.reserveCapacity(8)
        if let resumed = resumedSession {
            peerChain = resumed.peerCertificates
            return try actions + finish(finishing)
        }
        state = .waitChainVerification(finishing)
        actions.append(.verifyPeerChain(PeerChainCheck(
            chain: peerChain, expectedServerName: configuration.serverName, owner: .server)))
        return actions
    }

    /// Continues after the server's chain was verified.
    func peerChainVerified() throws -> [HandshakeAction] {
        guard case .waitChainVerification(let finishing) = state else { throw TLSError.invalidState("no verification pending") }
        return try finish(finishing)
    }

    /// Our second flight: [Certificate, CertificateVerify,] Finished, then application keys.
    private func finish(_ secrets: FinishSecrets) throws -> [HandshakeAction] {
        guard var transcript, let suite else { throw TLSError.internalError("finish before keys") }
        let clientSecret = secrets.clientHandshakeSecret
        let master = secrets.master
        let clientApplicationSecret = secrets.clientApplicationSecret
        var actions: [HandshakeAction] = []
        actions.reserveCapacity(6)
        if configuration.middleboxCompatibility && !sentChangeCipherSpec {
            sentChangeCipherSpec = true
            actions.append(.sendChangeCipherSpec)
        }
        if earlyDataStatus == .accepted {
            // RFC 8446 §4.5: EndOfEarlyData, still under the early keys, ends the early data.
            let endOfEarlyData = try HandshakeMessage.endOfEarlyData(EndOfEarlyData()).encode()
            transcript.append(endOfEarlyData)
            actions.append(.send(endOfEarlyData))
        }
        actions.append(.setWriteKeys(.tls13(TrafficSecret(suite: suite, secret: clientSecret))))
        if let request = certificateRequest {
            let chain = configuration.certificateChain
            let certificate = CertificateMessage(
                certificateRequestContext: request.certificateRequestContext,
                certificateList: chain?.certificateEntries ?? [])
            let certificateBytes = try HandshakeMessage.certificate(certificate).encode()
            transcript.append(certificateBytes)
            actions.append(.send(certificateBytes))
            if chain != nil, let key = configuration.privateKey {
                guard let scheme = key.selectSignatureScheme(peerSignatureAlgorithms: request.signatureAlgorithms) else {
                    throw TLSError.protocolViolation(alert: .handshakeFailure, reason: .noCommonSignatureScheme)
                }
                let verify = try key.certificateVerify(scheme: scheme, signer: .client, transcriptHash: transcript.currentHash())
                let verifyBytes = try HandshakeMessage.certificateVerify(verify).encode()
                transcript.append(verifyBytes)
                actions.append(.send(verifyBytes))
            }
        }
        let verifyData = KeySchedule.verifyData(hash: suite.hash, baseKey: clientSecret, transcriptHash: transcript.currentHash())
        let finishedBytes = try HandshakeMessage.finished(Finished(verifyData: verifyData)).encode()
        transcript.append(finishedBytes)
        actions.append(.send(finishedBytes))
        actions.append(.setWriteKeys(.tls13(TrafficSecret(suite: suite, secret: clientApplicationSecret))))
        self.transcript = transcript
        state = .connected(resumptionMasterSecret: master.resumptionMasterSecret(transcriptHash: transcript.currentHash()))
        // RFC 8446 §7.2 (security review L7): only the resumption master secret is kept now;
        // the record layer holds the current traffic secrets.
        actions.append(.completed(NegotiatedParameters(
            version: .tls13, cipherSuite: cipherSuite ?? .tlsAES128GCMSHA256, group: group,
            applicationProtocol: applicationProtocol, serverName: configuration.serverName,
            peerSignatureScheme: peerScheme, peerCertificates: peerChain,
            didHelloRetryRequest: didHelloRetryRequest, isResumed: resumedSession != nil,
            peerRecordSizeLimit: peerRecordSizeLimit ?? (RecordLimits.maxPlaintextLength + 1),
            resumption: resumedSession != nil ? .resumed(identityIndex: 0) : declineReason.map { .declined([$0]) } ?? .notOffered,
            resumptionMechanism: resumedSession != nil ? .psk : nil, earlyData: earlyDataStatus)))
        return actions
    }

    // MARK: Tickets (RFC 8446 §4.6.1)

    /// Turns a NewSessionTicket into a resumable session (S9, S10): the PSK comes from the
    /// resumption master secret and the ticket's nonce; the session ID is SHA-256 of the
    /// ticket, as OpenSSL's client sets it.
    func session(from ticket: TLS13NewSessionTicket, now: Date, contextID: UUID, negotiated: NegotiatedParameters) throws -> TLSSession {
        guard case .connected(let resumptionMasterSecret) = state, let suite, let cipherSuite else {
            throw TLSError.unexpectedMessage("NewSessionTicket before the handshake completed")
        }
        // The PSK goes from the stack into the session, never into an array.
        return try KeySchedule.withResumptionPSK(hash: suite.hash, resumptionMasterSecret: resumptionMasterSecret, ticketNonce: ticket.ticketNonce) { psk in TLSSession(
            protocolVersion: .tls13, cipherSuite: cipherSuite,
            secret: psk,
            sessionIDBytes: TLSSession.sessionID(forTicket: ticket.ticket),
            ticket: ticket.ticket, ticketLifetime: ticket.ticketLifetime, ticketAgeAdd: ticket.ticketAgeAdd,
            ticketNonceBytes: ticket.ticketNonce, creationTime: now,
            timeout: TimeInterval(ticket.ticketLifetime),
            serverName: configuration.serverName, applicationProtocol: negotiated.applicationProtocol,
            maxEarlyDataSize: ticket.maxEarlyDataSize ?? 0, sessionIDContext: configuration.sessionIDContext,
            peerCertificates: negotiated.peerCertificates, group: negotiated.group, contextID: contextID,
            authenticationTime: resumedSession?.authenticationTime, extendedMasterSecret: false, isResumable: true) }
    }
}
