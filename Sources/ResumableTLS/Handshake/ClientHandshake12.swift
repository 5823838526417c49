import Crypto
import Foundation

/// The client side of the TLS 1.2 handshake (RFC 5246 §7.3, RFC 8422 ECDHE, RFC 7627 EMS,
/// RFC 5746 indication, RFC 5077 tickets), taken over from the TLS 1.3 client once a ServerHello
/// negotiates TLS 1.2 (`ClientHandshake`).
///
/// Full:    ServerHello → Certificate → ServerKeyExchange → [CertificateRequest] →
///          ServerHelloDone → (chain verified) → [Certificate], ClientKeyExchange,
///          [CertificateVerify], ChangeCipherSpec, Finished → [NewSessionTicket] →
///          ChangeCipherSpec → Finished.
/// Resumed: ServerHello (echoing our session ID, RFC 5246 §7.4.1.3 / RFC 5077 §3.4) →
///          [NewSessionTicket] → ChangeCipherSpec → Finished → our ChangeCipherSpec, Finished.
final class ClientHandshake12 {
    /// What the ServerHello settled.
    private struct Agreement {
        var parameters: TLS12CipherSuiteParameters
        var clientRandom: [UInt8]
        var serverRandom: [UInt8]
        var sessionID: [UInt8]
        var extendedMasterSecret: Bool
        var applicationProtocol: String?
        var peerRecordSizeLimit: Int?
        /// The server said it will send a NewSessionTicket.
        var expectsTicket: Bool
    }

    /// Where the handshake stands, each state with the secrets it needs.
    private enum State {
        case waitServerHello
        case waitCertificate
        case waitServerKeyExchange
        case waitCertificateRequestOrDone(serverShare: TLS12ServerKeyExchange)
        case waitServerHelloDone(serverShare: TLS12ServerKeyExchange)
        case waitChainVerification(serverShare: TLS12ServerKeyExchange)
        case waitNewSessionTicket(master: SymmetricKey)
        case waitChangeCipherSpec(master: SymmetricKey)
        case waitFinished(master: SymmetricKey)
        case connected
    }

    private let shared: SharedConfiguration
    /// The configuration, read through the context's shared copy (no copy per connection).
    var configuration: TLSConfiguration { _read { yield shared.value } }
    private let clientHello: ClientHello
    private let contextID: UUID
    private var state = State.waitServerHello
    private var agreement: Agreement?
    private var transcript: TranscriptHash?
    /// The handshake messages themselves, while our CertificateVerify may need them (TLS 1.2
    /// signs the messages, RFC 5246 §7.4.8).
    private var transcriptBytes: [UInt8]
    private var peerChain: [[UInt8]] = []
    private var peerKey: TLSPublicKey?
    private var peerScheme: SignatureScheme?
    private var group: NamedGroup?
    private var certificateRequest: TLS12CertificateRequest?
    private var newTicket: TLS12NewSessionTicket?
    /// Both directions' record keys, derived once from the key block (RFC 5246 §6.3).
    private var keyBlock = TLS12KeyBlock()

    private func recordKeys(_ agreement: Agreement, master: SymmetricKey) -> (client: TLS12TrafficKeys, server: TLS12TrafficKeys) {
        keyBlock.keys(agreement.parameters, master: master, clientRandom: agreement.clientRandom, serverRandom: agreement.serverRandom)
    }

    private var now: Date
    /// The TLS 1.2 session offered (S11), if any.
    private let offeredSession: TLSSession?
    private var declineReason: ResumptionDeclineReason?
    /// The offered session, once the server resumed it.
    private(set) var resumedSession: TLSSession?

    /// Takes over after our ClientHello (`clientHelloBytes`) offered `offeredSession`.
    init(configuration: SharedConfiguration, clientHello: ClientHello, clientHelloBytes: [UInt8], offeredSession: TLSSession?,
         declineReason: ResumptionDeclineReason?, contextID: UUID, now: Date) {
        self.shared = configuration
        self.clientHello = clientHello
        self.transcriptBytes = clientHelloBytes
        self.offeredSession = offeredSession
        self.declineReason = declineReason
        self.contextID = contextID
        self.now = now
    }

    var parsingContext: HandshakeParsingContext { .tls12 }

    var peerSentRecordSizeLimit: Bool { agreement?.peerRecordSizeLimit != nil }

    var holdsHandshakeSecrets: Bool {
        switch state {
        case .waitServerHello, .connected: return false
        default: return true
        }
    }

    /// Why a TLS 1.2 `session` cannot be offered under `configuration`, or nil (S6, S16).
    static func whyNotOffered(_ session: TLSSession, configuration: TLSConfiguration, now: Date) -> ResumptionDeclineReason? {
        guard session.protocolVersion == .tls12, configuration.allows(.tls12) else { return .protocolVersion }
        guard session.isResumable else { return .notResumable }
        guard !session.isExpired(at: now) else { return .expired }
        guard now.timeIntervalSince(session.authenticationTime) <= configuration.maximumAuthenticationAge else { return .authenticationAge }
        if ClientHandshake13.needsServerNameCheck(session, configuration: configuration) { return .serverName }
        guard configuration.cipherSuites.contains(session.cipherSuite), session.cipherSuite.tls12Parameters != nil else { return .cipherSuite }
        if configuration.requireExtendedMasterSecret && !session.extendedMasterSecret { return .extendedMasterSecret }
        // A ticket-only session needs tickets on; a session-ID one needs its ID.
        if session.ticket.isEmpty || !configuration.tls12SessionTickets {
            guard (1...32).contains(session.sessionIDCount) else { return .notResumable }
        }
        return nil
    }

    func handle(_ message: HandshakeMessage, raw: ArraySlice<UInt8>, now: Date) throws -> [HandshakeAction] {
        self.now = now
        switch (state, message) {
        case (.waitServerHello, .serverHello(let hello)):
            return try handleServerHello(hello, raw: raw)
        case (.waitCertificate, .tls12Certificate(let certificate)):
            try handleCertificate(certificate, raw: raw)
            return []
        case (.waitServerKeyExchange, .tls12ServerKeyExchange(let exchange)):
            try handleServerKeyExchange(exchange, raw: raw)
            return []
        case (.waitCertificateRequestOrDone(let share), .tls12CertificateRequest(let request)):
            certificateRequest = request
            append(raw)
            state = .waitServerHelloDone(serverShare: share)
            return []
        case (.waitCertificateRequestOrDone(let share), .tls12ServerHelloDone), (.waitServerHelloDone(let share), .tls12ServerHelloDone):
            append(raw)
            state = .waitChainVerification(serverShare: share)
            return [.verifyPeerChain(PeerChainCheck(chain: peerChain, expectedServerName: configuration.serverName, owner: .server))]
        case (.waitNewSessionTicket(let master), .tls12NewSessionTicket(let ticket)):
            newTicket = ticket
            append(raw)
            state = .waitChangeCipherSpec(master: master)
            return []
        case (.waitFinished(let master), .finished(let finished)):
            return try handleServerFinished(finished, raw: raw, master: master)
        case (.connected, .tls12HelloRequest):
            // RFC 5746 §4.2 / RFC 5246 §7.4.1.1: we never renegotiate.
            throw TLSError.protocolViolation(alert: .noRenegotiation, reason: .renegotiationRefused)
        default:
            throw TLSError.unexpectedMessage("\(message.type) while the TLS 1.2 client is in \(state)")
        }
    }

    private func append(_ raw: some Collection<UInt8>) {
        transcript?.append(raw)
        transcriptBytes.append(contentsOf: raw)
    }

    /// The server's ChangeCipherSpec: its next records are protected.
    func handleChangeCipherSpec() throws -> [HandshakeAction] {
        let master: SymmetricKey
        switch state {
        case .waitChangeCipherSpec(let key): master = key
        case .waitNewSessionTicket:
            // RFC 5077 §3.3: a server that said it would send a ticket may send an empty one, but
            // not skip the message.
            throw TLSError.unexpectedMessage("ChangeCipherSpec before the promised NewSessionTicket")
        default:
            throw TLSError.unexpectedMessage("ChangeCipherSpec out of order in the TLS 1.2 handshake")
        }
        guard let agreement else { throw TLSError.internalError("no agreement") }
        state = .waitFinished(master: master)
        let keys = recordKeys(agreement, master: master)
        return [.setReadKeys(.tls12(keys.server))]
    }

    // MARK: ServerHello (RFC 5246 §7.4.1.3)

    private func handleServerHello(_ hello: ServerHello, raw: ArraySlice<UInt8>) throws -> [HandshakeAction] {
        guard hello.legacyVersion == .tls12 else {
            throw TLSError.protocolViolation(alert: .protocolVersion, reason: .noCommonVersion("ServerHello version \(hello.legacyVersion)"))
        }
        // RFC 8446 §4.1.3: a TLS 1.3-capable client refuses a downgrade-marked TLS 1.2 ServerHello.
        if configuration.allows(.tls13), hello.downgradeSentinel != nil {
            throw TLSError.protocolViolation(alert: .illegalParameter, reason: .downgradeDetected)
        }
        guard hello.legacyCompressionMethod == 0 else { throw TLSError.illegalParameter("non-null compression method") }
        guard clientHello.cipherSuites.contains(hello.cipherSuite), let parameters = hello.cipherSuite.tls12Parameters else {
            throw TLSError.illegalParameter("server selected cipher suite \(hello.cipherSuite), which was not offered")
        }
        var extendedMasterSecret = false
        var secureRenegotiation = false
        var applicationProtocol: String?
        var peerRecordSizeLimit: Int?
        var expectsTicket = false
        for ext in hello.extensions {
            // RFC 5246 §7.4.1.4: only what we offered may come back.
            guard clientHello.extensions.contains(ext.type) else {
                throw TLSError.protocolViolation(alert: .unsupportedExtension, reason: .unsolicitedExtension("\(ext.type) in ServerHello was not offered"))
            }
            switch ext {
            case .renegotiationInfo(let info):
                guard info.isEmpty else {
                    throw TLSError.protocolViolation(alert: .handshakeFailure, reason: .insecureRenegotiation("renegotiation_info not empty on an initial handshake"))
                }
                secureRenegotiation = true
            case .extendedMasterSecret: extendedMasterSecret = true
            case .selectedApplicationProtocol(let name):
                guard let protocolName = String(validating: name, as: UTF8.self),
                      configuration.applicationProtocols.contains(protocolName) else {
                    throw TLSError.illegalParameter("server selected an ALPN protocol that was not offered")
                }
                applicationProtocol = protocolName
            case .sessionTicket(let body):
                guard body.isEmpty else { throw TLSError.decodeError("session_ticket in ServerHello must be empty") }
                expectsTicket = true
            case .recordSizeLimit(let limit):
                guard limit >= UInt16(RecordLimits.minRecordSizeLimit) else { throw TLSError.illegalParameter("record_size_limit below 64") }
                peerRecordSizeLimit = min(Int(limit), RecordLimits.maxPlaintextLength)
            case .serverNameAcknowledged, .unknown: continue
            case .supportedVersionsSelected, .keyShareServerHello, .preSharedKeySelected:
                throw TLSError.illegalParameter("\(ext.type) in a TLS 1.2 ServerHello")
            default: continue
            }
        }
        // RFC 5746 §3.4: we do not talk to servers that cannot say renegotiation is secure
        // (OpenSSL 3.0's default too: no SSL_OP_LEGACY_SERVER_CONNECT).
        guard secureRenegotiation else {
            throw TLSError.protocolViolation(alert: .handshakeFailure, reason: .insecureRenegotiation("server does not support secure renegotiation (RFC 5746)"))
        }
        if configuration.requireExtendedMasterSecret && !extendedMasterSecret {
            throw TLSError.protocolViolation(alert: .handshakeFailure, reason: .extendedMasterSecret("server does not support the extended master secret"))
        }
        let agreement = Agreement(
            parameters: parameters, clientRandom: Array(clientHello.random), serverRandom: Array(hello.random),
            sessionID: Array(hello.legacySessionIDEcho), extendedMasterSecret: extendedMasterSecret,
            applicationProtocol: applicationProtocol, peerRecordSizeLimit: peerRecordSizeLimit, expectsTicket: expectsTicket)
        self.agreement = agreement
        var transcript = TranscriptHash(hash: parameters.hash)
        transcript.append(transcriptBytes)
        self.transcript = transcript
        append(raw)

        // RFC 5246 §7.4.1.3, RFC 5077 §3.4: the server resumes by echoing our session ID.
        if let session = offeredSession, !clientHello.legacySessionID.isEmpty, hello.legacySessionIDEcho.elementsEqual(clientHello.legacySessionID) {
            guard hello.cipherSuite == session.cipherSuite else {
                throw TLSError.illegalParameter("resumed session with another cipher suite")
            }
            // RFC 7627 §5.3: EMS must be as it was.
            guard session.extendedMasterSecret == extendedMasterSecret else {
                throw TLSError.protocolViolation(alert: .handshakeFailure, reason: .extendedMasterSecret("resumption changed the extended master secret state"))
            }
            resumedSession = session
            let master = session.secretKey
            state = expectsTicket ? .waitNewSessionTicket(master: master) : .waitChangeCipherSpec(master: master)
            return []
        }
        state = .waitCertificate
        return []
    }

    private func handleCertificate(_ message: TLS12Certificate, raw: ArraySlice<UInt8>) throws {
        guard let leaf = message.certificates.first else { throw TLSError.decodeError("server sent an empty Certificate") }
        peerKey = try TLSPublicKey(certificateDER: leaf)
        peerChain = message.certificates
        append(raw)
        state = .waitServerKeyExchange
    }

    /// RFC 8422 §5.4: an offered, supported group, and a signature by the certificate's key over
    /// both randoms and the parameters, with a scheme we offered that fits the suite.
    private func handleServerKeyExchange(_ message: TLS12ServerKeyExchange, raw: ArraySlice<UInt8>) throws {
        guard let agreement, let key = peerKey else { throw TLSError.internalError("ServerKeyExchange without a certificate") }
        guard configuration.groups.contains(message.group), KeyExchangePrivateKey.supports(message.group) else {
            throw TLSError.illegalParameter("ServerKeyExchange group \(message.group) was not offered")
        }
        try KeyExchangePrivateKey.checkKeyShareFormat(message.publicPoint, group: message.group)
        let scheme = message.signatureAlgorithm
        // RFC 8422 §5.1.1: Ed25519 signs for the ECDHE_ECDSA suites, as ECDSA does.
        guard configuration.signatureSchemes.contains(scheme), scheme != .ed448,
              (scheme.isRSA ? TLS12CipherSuiteParameters.Authentication.rsa : .ecdsa) == agreement.parameters.authentication else {
            throw TLSError.illegalParameter("ServerKeyExchange signed with \(scheme), which was not offered or does not fit the suite")
        }
        try key.verifyTLS12Signature(message.signature, over: agreement.clientRandom + agreement.serverRandom + (try message.signedParamsBytes), scheme: scheme)
        peerScheme = scheme
        group = message.group
        append(raw)
        state = .waitCertificateRequestOrDone(serverShare: message)
    }

    /// Continues after the server's chain was verified: our second flight.
    func peerChainVerified() throws -> [HandshakeAction] {
        guard case .waitChainVerification(let share) = state, let agreement else {
            throw TLSError.invalidState("no verification pending")
        }
        var actions: [HandshakeAction] = []
        actions.reserveCapacity(8)
        var signingKey: TLSPrivateKey?
        if certificateRequest != nil {
            // RFC 5246 §7.4.6: an empty Certificate when we have none.
            let chain = configuration.certificateChain
            try send(.tls12Certificate(TLS12Certificate(certificates: chain?.certificatesDER ?? [])), into: &actions)
            if chain != nil { signingKey = configuration.privateKey }
        }
        let ephemeral = try KeyExchangePrivateKey(group: share.group)
        let preMasterSecret = try ephemeral.sharedSecret(peerKeyShare: share.publicPoint)
        try send(.tls12ClientKeyExchange(TLS12ClientKeyExchange(publicPoint: ephemeral.keyShare)), into: &actions)
        guard let sessionHash = transcript?.currentHash() else { throw TLSError.internalError("no transcript") }
        let master = TLS12KeySchedule.masterSecret(
            hash: agreement.parameters.hash, preMasterSecret: preMasterSecret, extended: agreement.extendedMasterSecret,
            sessionHash: sessionHash, clientRandom: agreement.clientRandom, serverRandom: agreement.serverRandom)
        if let key = signingKey, let request = certificateRequest {
            guard let scheme = request.signatureAlgorithms.first(where: key.tls12SignatureSchemes.contains) else {
                throw TLSError.protocolViolation(alert: .handshakeFailure, reason: .noCommonSignatureScheme)
            }
            let signature = try key.sign(transcriptBytes, scheme: scheme)
            try send(.certificateVerify(CertificateVerify(algorithm: scheme, signature: signature)), into: &actions)
        }
        transcriptBytes = []
        actions += try sendChangeCipherSpecAndFinished(master: master)
        state = agreement.expectsTicket ? .waitNewSessionTicket(master: master) : .waitChangeCipherSpec(master: master)
        return actions
    }

    private func send(_ message: HandshakeMessage, into actions: inout [HandshakeAction]) throws {
        let bytes = try message.encode()
        append(bytes)
        actions.append(.send(bytes))
    }

    private func sendChangeCipherSpecAndFinished(master: SymmetricKey) throws -> [HandshakeAction] {
        guard let agreement, let transcript else { throw TLSError.internalError("no agreement") }
        let keys = recordKeys(agreement, master: master)
        let verifyData = TLS12KeySchedule.verifyData(hash: agreement.parameters.hash, masterSecret: master,
                                                     client: true, transcriptHash: transcript.currentHash())
        var actions: [HandshakeAction] = [.sendChangeCipherSpec, .setWriteKeys(.tls12(keys.client))]
        actions.reserveCapacity(8)
        try send(.finished(Finished(verifyData: verifyData)), into: &actions)
        return actions
    }

    private func handleServerFinished(_ message: Finished, raw: ArraySlice<UInt8>, master: SymmetricKey) throws -> [HandshakeAction] {
        guard let agreement, let transcript else { throw TLSError.internalError("Finished without an agreement") }
        guard TLS12KeySchedule.isValidVerifyData(message.verifyData, hash: agreement.parameters.hash, masterSecret: master,
                                                 client: false, transcriptHash: transcript.currentHash()) else {
            throw TLSError.protocolViolation(alert: .decryptError, reason: .finishedMismatch)
        }
        append(raw)
        var actions: [HandshakeAction] = []
        actions.reserveCapacity(8)
        if resumedSession != nil {
            // Abbreviated handshake: the server finished first; we answer.
            actions += try sendChangeCipherSpecAndFinished(master: master)
        }
        if let session = makeSession(master: master) {
            actions.append(.newSession(session))
        }
        state = .connected
        self.transcript = nil
        transcriptBytes = []
        keyBlock.clear()   // the record layer holds the keys now (security review L7)
        actions.append(.completed(NegotiatedParameters(
            version: .tls12, cipherSuite: agreement.parameters.suite, group: resumedSession?.group ?? group,
            applicationProtocol: agreement.applicationProtocol, serverName: configuration.serverName,
            peerSignatureScheme: peerScheme, peerCertificates: resumedSession?.peerCertificates ?? peerChain,
            didHelloRetryRequest: false, isResumed: resumedSession != nil,
            peerRecordSizeLimit: agreement.peerRecordSizeLimit ?? RecordLimits.maxPlaintextLength,
            resumption: resumedSession != nil ? .resumed(identityIndex: 0) : declineReason.map { .declined([$0]) } ?? .notOffered,
            resumptionMechanism: resumedSession.map { _ in clientHello.extensions.contains(.sessionTicket) && offeredTicket ? .ticket : .sessionID },
            extendedMasterSecret: agreement.extendedMasterSecret)))
        return actions
    }

    private var offeredTicket: Bool {
        if case .sessionTicket(let ticket)? = clientHello.extensions[.sessionTicket] { return !ticket.isEmpty }
        return false
    }

    /// The session this connection leaves (S9, S10): a new ticket's (RFC 5077 §3.3; an empty
    /// ticket means none), else the full handshake's session under the server's session ID, else
    /// nothing new after a resumption without a ticket (the resumed session stays current).
    private func makeSession(master: SymmetricKey) -> TLSSession? {
        guard let agreement else { return nil }
        let ticket = newTicket?.ticket ?? []
        if resumedSession != nil && ticket.isEmpty { return nil }
        if ticket.isEmpty && agreement.sessionID.isEmpty { return nil }
        let base = resumedSession
        let lifetime = newTicket.map { TimeInterval($0.ticketLifetimeHint) }.flatMap { $0 > 0 ? $0 : nil } ?? configuration.sessionTimeout
        return TLSSession(
            protocolVersion: .tls12, cipherSuite: agreement.parameters.suite, secret: master.tlsBytes,
            sessionID: ticket.isEmpty ? agreement.sessionID : Array(TLSSession.sessionID(forTicket: ticket)),
            ticket: ticket, ticketLifetime: newTicket?.ticketLifetimeHint ?? 0, creationTime: now,
            timeout: min(lifetime, configuration.sessionTimeout),
            serverName: configuration.serverName, applicationProtocol: agreement.applicationProtocol,
            sessionIDContext: configuration.sessionIDContext, peerCertificates: base?.peerCertificates ?? peerChain,
            group: base?.group ?? group, contextID: contextID, authenticationTime: base?.authenticationTime,
            extendedMasterSecret: agreement.extendedMasterSecret)
    }
}
