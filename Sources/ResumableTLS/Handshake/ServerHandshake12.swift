import Crypto
import Foundation

/// The server side of the TLS 1.2 handshake (RFC 5246 §7.3) with ECDHE (RFC 8422), the extended
/// master secret (RFC 7627), secure renegotiation indication (RFC 5746, renegotiation itself is
/// refused) and resumption by session ID (RFC 5246 §7.4.1.2) or ticket (RFC 5077).
///
/// Full:    ClientHello → ServerHello, Certificate, ServerKeyExchange, [CertificateRequest],
///          ServerHelloDone → [Certificate], ClientKeyExchange, [CertificateVerify],
///          ChangeCipherSpec, Finished → [NewSessionTicket], ChangeCipherSpec, Finished.
/// Resumed: ClientHello → ServerHello, [NewSessionTicket], ChangeCipherSpec, Finished →
///          ChangeCipherSpec, Finished.
final class ServerHandshake12 {
    /// What the ClientHello settled, fixed for the rest of the handshake.
    private struct Agreement {
        var parameters: TLS12CipherSuiteParameters
        var clientRandom: [UInt8]
        var serverRandom: [UInt8]
        var extendedMasterSecret: Bool
        var serverName: String?
        var applicationProtocol: String?
        var peerRecordSizeLimit: Int?
        /// The client sent session_ticket: it accepts a NewSessionTicket (RFC 5077 §3.2).
        var clientAcceptsTickets: Bool
        var resumption: ResumptionDecision
        var mechanism: ResumptionMechanism?
    }

    /// Where the handshake stands, each state with the secrets it needs and no more.
    private enum State {
        case waitClientHello
        case waitClientCertificate(ephemeral: KeyExchangePrivateKey)
        case waitClientKeyExchange(ephemeral: KeyExchangePrivateKey)
        case waitCertificateVerify(master: SymmetricKey)
        case waitChangeCipherSpec(master: SymmetricKey)
        case waitFinished(master: SymmetricKey)
        case waitChainVerification(master: SymmetricKey)
        case connected
    }

    private let shared: SharedConfiguration
    /// The configuration, read through the context's shared copy (no copy per connection).
    private var configuration: TLSConfiguration { _read { yield shared.value } }
    private let policy: ServerResumptionPolicy
    private let contextID: UUID
    /// Answers about offered session IDs and tickets, and issues tickets (S21–S25).
    private let sessions: any ServerSessionSource
    /// Whether the server's range includes TLS 1.3: then its random carries the downgrade
    /// sentinel (RFC 8446 §4.1.3).
    private let marksDowngrade: Bool
    private var state = State.waitClientHello
    private var agreement: Agreement?
    private var transcript: TranscriptHash?
    /// The handshake messages themselves, kept only while a client CertificateVerify may come:
    /// TLS 1.2 signs the messages, not their hash (RFC 5246 §7.4.8).
    private var transcriptBytes: [UInt8]?
    private var group: NamedGroup?
    private var peerChain: [[UInt8]] = []
    private var peerKey: TLSPublicKey?
    private var peerScheme: SignatureScheme?
    /// Both directions' record keys, derived once from the key block (RFC 5246 §6.3).
    private var keyBlock = TLS12KeyBlock()

    private func recordKeys(_ agreement: Agreement, master: SymmetricKey) -> (client: TLS12TrafficKeys, server: TLS12TrafficKeys) {
        keyBlock.keys(agreement.parameters, master: master, clientRandom: agreement.clientRandom, serverRandom: agreement.serverRandom)
    }

    private var now = Date(timeIntervalSince1970: 0)
    /// The session this handshake resumed, if it did.
    private(set) var resumedSession: TLSSession?
    /// Whether the client offered a ticket (for the stateless hit / miss statistics, S30).
    private(set) var clientOfferedTicket = false

    init(configuration: SharedConfiguration, contextID: UUID, sessions: any ServerSessionSource) {
        self.shared = configuration
        self.policy = ServerResumptionPolicy(shared: configuration, sessionIDContext: configuration.value.effectiveSessionIDContext)
        self.contextID = contextID
        self.sessions = sessions
        self.marksDowngrade = configuration.value.allows(.tls13)
    }

    var parsingContext: HandshakeParsingContext { .tls12 }

    var peerSentRecordSizeLimit: Bool { agreement?.peerRecordSizeLimit != nil }

    /// Whether the master secret is still held (security review L7: dropped once connected).
    var holdsHandshakeSecrets: Bool {
        switch state {
        case .waitClientHello, .connected: return false
        default: return true
        }
    }

    func handle(_ message: HandshakeMessage, raw: ArraySlice<UInt8>, now: Date) throws -> [HandshakeAction] {
        self.now = now
        switch (state, message) {
        case (.waitClientHello, .clientHello(let hello)):
            return try handleClientHello(hello, raw: raw)
        case (.waitClientCertificate(let ephemeral), .tls12Certificate(let certificate)):
            try handleClientCertificate(certificate, raw: raw, ephemeral: ephemeral)
            return []
        case (.waitClientKeyExchange(let ephemeral), .tls12ClientKeyExchange(let exchange)):
            try handleClientKeyExchange(exchange, raw: raw, ephemeral: ephemeral)
            return []
        case (.waitCertificateVerify(let master), .certificateVerify(let verify)):
            try handleClientCertificateVerify(verify, raw: raw)
            state = .waitChangeCipherSpec(master: master)
            return []
        case (.waitFinished(let master), .finished(let finished)):
            return try handleClientFinished(finished, raw: raw, master: master)
        case (.connected, .clientHello):
            // RFC 5746 §4.4 / RFC 5246 §7.2.2: renegotiation is refused, never performed.
            throw TLSError.protocolViolation(alert: .noRenegotiation, reason: .renegotiationRefused)
        default:
            throw TLSError.unexpectedMessage("\(message.type) while the TLS 1.2 server is in \(state)")
        }
    }

    /// The client's ChangeCipherSpec: from now on its records are protected (RFC 5246 §7.1).
    func handleChangeCipherSpec() throws -> [HandshakeAction] {
        guard case .waitChangeCipherSpec(let master) = state, let agreement else {
            throw TLSError.unexpectedMessage("ChangeCipherSpec out of order in the TLS 1.2 handshake")
        }
        state = .waitFinished(master: master)
        let keys = recordKeys(agreement, master: master)
        return [.setReadKeys(.tls12(keys.client))]
    }

    // MARK: ClientHello (RFC 5246 §7.4.1.2)

    private func handleClientHello(_ hello: ClientHello, raw: ArraySlice<UInt8>) throws -> [HandshakeAction] {
        // RFC 5246 §7.4.1.2: null compression must be offered, and is the only one we use.
        guard hello.legacyCompressionMethods.contains(0) else {
            throw TLSError.illegalParameter("ClientHello does not offer null compression")
        }
        try checkRenegotiationIndication(hello)
        let extendedMasterSecret = hello.extensions.contains(.extendedMasterSecret)
        if configuration.requireExtendedMasterSecret && !extendedMasterSecret {
            throw TLSError.protocolViolation(alert: .handshakeFailure, reason: .extendedMasterSecret("the client does not support the extended master secret"))
        }
        var serverName: String?
        if case .serverName(let name)? = hello.extensions[.serverName] { serverName = name }
        let applicationProtocol = try chooseApplicationProtocol(hello)
        var peerRecordSizeLimit: Int?
        if case .recordSizeLimit(let limit)? = hello.extensions[.recordSizeLimit] {
            guard limit >= UInt16(RecordLimits.minRecordSizeLimit) else {
                throw TLSError.illegalParameter("record_size_limit \(limit) below 64")
            }
            peerRecordSizeLimit = min(Int(limit), RecordLimits.maxPlaintextLength)
        }
        var ticketExtension: [UInt8]?
        if case .sessionTicket(let ticket)? = hello.extensions[.sessionTicket] { ticketExtension = ticket }

        let clientAcceptsTickets = ticketExtension != nil && configuration.tls12SessionTickets
        var resumption = ResumptionDecision.notOffered
        let found = try findSession(hello, ticket: ticketExtension, serverName: serverName, extendedMasterSecret: extendedMasterSecret,
                                    clientAcceptsTickets: clientAcceptsTickets, decision: &resumption)
        // A resumption uses the session's suite (RFC 5246 §7.4.1.3); only a full handshake
        // chooses a suite, a signature scheme and a group.
        let parameters: TLS12CipherSuiteParameters
        var full: (scheme: SignatureScheme, group: NamedGroup)?
        if let found, let sessionParameters = found.session.cipherSuite.tls12Parameters {
            parameters = sessionParameters
        } else {
            let (chosen, scheme) = try chooseSuite(hello, signatureSchemes: try readSignatureSchemes(hello))
            parameters = chosen
            full = (scheme, try chooseGroup(hello))
        }
        var random = HandshakeRandom.bytes(32)
        if marksDowngrade { random.replaceSubrange(24..<32, with: DowngradeSentinel.tls12.bytes) }
        agreement = Agreement(
            parameters: parameters, clientRandom: Array(hello.random), serverRandom: random,
            extendedMasterSecret: extendedMasterSecret, serverName: serverName,
            applicationProtocol: applicationProtocol, peerRecordSizeLimit: peerRecordSizeLimit,
            clientAcceptsTickets: clientAcceptsTickets, resumption: resumption, mechanism: found?.mechanism)
        var transcript = TranscriptHash(hash: parameters.hash)
        transcript.append(raw)
        self.transcript = transcript
        if let full {
            if configuration.clientAuthentication != .none { transcriptBytes = Array(raw) }
            return try sendFullHandshakeFlight(hello, group: full.group, scheme: full.scheme)
        }
        guard let found else { throw TLSError.internalError("neither a resumption nor a full handshake") }
        return try resume(found.session, hello: hello, renewTicket: found.renewTicket)
    }

    /// RFC 5746 §3.6: on an initial handshake the client's renegotiation_info must be empty.
    /// A client that sends neither it nor the SCSV is a legacy client, which we serve (as
    /// OpenSSL does) but never renegotiate with.
    private func checkRenegotiationIndication(_ hello: ClientHello) throws {
        if case .renegotiationInfo(let info)? = hello.extensions[.renegotiationInfo], !info.isEmpty {
            throw TLSError.protocolViolation(alert: .handshakeFailure, reason: .insecureRenegotiation("renegotiation_info not empty on an initial handshake"))
        }
    }

    private func clientSignalsSecureRenegotiation(_ hello: ClientHello) -> Bool {
        hello.extensions.contains(.renegotiationInfo) || hello.cipherSuites.contains(.emptyRenegotiationInfoSCSV)
    }

    /// signature_algorithms (RFC 5246 §7.4.1.4.1). Without it a TLS 1.2 client means SHA-1,
    /// which we do not sign with.
    private func readSignatureSchemes(_ hello: ClientHello) throws -> CodePointList<SignatureScheme> {
        guard case .signatureAlgorithms(let schemes)? = hello.extensions[.signatureAlgorithms] else {
            throw TLSError.protocolViolation(alert: .handshakeFailure, reason: .missingExtension("TLS 1.2 ClientHello without signature_algorithms (SHA-1 only)"))
        }
        return schemes
    }

    /// Our preferred TLS 1.2 suite among the client's that our key can authenticate, and the
    /// signature scheme it will sign the ServerKeyExchange with.
    private func chooseSuite(_ hello: ClientHello, signatureSchemes: CodePointList<SignatureScheme>) throws -> (TLS12CipherSuiteParameters, SignatureScheme) {
        guard let key = configuration.privateKey, configuration.certificateChain != nil else {
            throw TLSError.internalError("a server without a certificate")
        }
        let offered = Set(hello.cipherSuites)
        let ours = key.tls12SignatureSchemes
        guard let scheme = signatureSchemes.first(where: ours.contains) else {
            throw TLSError.protocolViolation(alert: .handshakeFailure, reason: .noCommonSignatureScheme)
        }
        let authentication: TLS12CipherSuiteParameters.Authentication = scheme.isRSA ? .rsa : .ecdsa
        for suite in configuration.cipherSuites where offered.contains(suite) {
            if let parameters = suite.tls12Parameters, parameters.authentication == authentication {
                return (parameters, scheme)
            }
        }
        throw TLSError.protocolViolation(alert: .handshakeFailure, reason: .noCommonCipherSuite)
    }

    /// The ECDHE group (RFC 8422 §5.1.1): our preference among the client's supported_groups
    /// (secp256r1 when it sent none, RFC 8422 §4); ec_point_formats must allow uncompressed.
    private func chooseGroup(_ hello: ClientHello) throws -> NamedGroup {
        if case .unknown(_, let body)? = hello.extensions[.ecPointFormats] {
            guard let length = body.first, Int(length) == body.count - 1, length > 0 else {
                throw TLSError.decodeError("malformed ec_point_formats")
            }
            guard body.dropFirst().contains(0) else {
                throw TLSError.illegalParameter("ec_point_formats without uncompressed")
            }
        }
        let ours = shared.keyExchangeGroups
        guard case .supportedGroups(let groups)? = hello.extensions[.supportedGroups] else {
            guard ours.contains(.secp256r1) else {
                throw TLSError.protocolViolation(alert: .handshakeFailure, reason: .noCommonGroup)
            }
            return .secp256r1
        }
        let offered = Set(groups)
        guard let group = ours.first(where: offered.contains) else {
            throw TLSError.protocolViolation(alert: .handshakeFailure, reason: .noCommonGroup)
        }
        return group
    }

    /// ALPN (RFC 7301 §3.2): our first choice the client offers.
    private func chooseApplicationProtocol(_ hello: ClientHello) throws -> String? {
        guard case .applicationLayerProtocols(let offered)? = hello.extensions[.applicationLayerProtocolNegotiation],
              !configuration.applicationProtocols.isEmpty else { return nil }
        let offeredNames = Set(offered.compactMap { String(validating: $0, as: UTF8.self) })
        guard let selected = configuration.applicationProtocols.first(where: offeredNames.contains) else {
            throw TLSError.protocolViolation(alert: .noApplicationProtocol, reason: .noCommonApplicationProtocol)
        }
        return selected
    }

    // MARK: Resumption (RFC 5246 §7.4.1.2, RFC 5077 §3.1, RFC 7627 §5.3)

    /// The session to resume: the ticket's if the client sent one, else the session ID's.
    private func findSession(
        _ hello: ClientHello, ticket: [UInt8]?, serverName: String?, extendedMasterSecret: Bool, clientAcceptsTickets: Bool,
        decision: inout ResumptionDecision
    ) throws -> (session: TLSSession, renewTicket: Bool, mechanism: ResumptionMechanism)? {
        let identity: [UInt8]
        let mechanism: ResumptionMechanism
        if let ticket, !ticket.isEmpty {
            identity = ticket
            mechanism = .ticket
            clientOfferedTicket = true
        } else if !hello.legacySessionID.isEmpty {
            identity = Array(hello.legacySessionID)
            mechanism = .sessionID
        } else {
            return nil
        }
        guard let session = sessions.redeem(identity, now: now) else {
            decision = .declined([sessions.missingReason(identity)])
            return nil
        }
        if let reason = try whyNotResumable(session, hello: hello, serverName: serverName, extendedMasterSecret: extendedMasterSecret) {
            decision = .declined([reason])
            return nil
        }
        if mechanism == .ticket, !sessions.claim(identity, session: session, now: now) {
            decision = .declined([.replayed])
            return nil
        }
        decision = .resumed(identityIndex: 0)
        // RFC 5077 §3.3: a ticket is renewed when it was used up (stateful tickets are single
        // use) or sealed under a key that no longer encrypts, or always if configured.
        let renew = mechanism == .ticket && clientAcceptsTickets
            && (configuration.tls12TicketRenewal == .always || sessions.ticketNeedsRenewal(identity))
        return (session, renew, mechanism)
    }

    private func whyNotResumable(_ session: TLSSession, hello: ClientHello, serverName: String?, extendedMasterSecret: Bool) throws -> ResumptionDeclineReason? {
        if let reason = policy.whyNotResumable(session, version: .tls12, serverName: serverName, now: now) {
            return reason
        }
        // RFC 5246 §7.4.1.2: the resumed session's suite must be offered again (and allowed here).
        guard hello.cipherSuites.contains(session.cipherSuite), configuration.cipherSuites.contains(session.cipherSuite),
              session.cipherSuite.tls12Parameters != nil else { return .cipherSuite }
        // RFC 7627 §5.3.
        if session.extendedMasterSecret && !extendedMasterSecret {
            throw TLSError.protocolViolation(alert: .handshakeFailure, reason: .extendedMasterSecret("resumption of an extended-master-secret session without the extension"))
        }
        if !session.extendedMasterSecret && extendedMasterSecret { return .extendedMasterSecret }
        if !session.extendedMasterSecret && configuration.requireExtendedMasterSecret { return .extendedMasterSecret }
        return nil
    }

    /// The abbreviated handshake: ServerHello echoing the client's session ID (RFC 5077 §3.4
    /// for a ticket), [NewSessionTicket], ChangeCipherSpec, Finished.
    private func resume(_ resumed: TLSSession, hello: ClientHello, renewTicket: Bool) throws -> [HandshakeAction] {
        // The agreement already has the resumed session's suite (RFC 5246 §7.4.1.3).
        guard let agreement, var transcript else { throw TLSError.internalError("resumption without an agreement") }
        let parameters = agreement.parameters
        resumedSession = resumed
        let master = resumed.secretKey
        var extensions = serverHelloExtensions(hello, full: false, sendsTicket: renewTicket)
        if !resumed.extendedMasterSecret { extensions.removeAll { $0 == .extendedMasterSecret } }
        let serverHello = ServerHello(
            random: agreement.serverRandom, legacySessionIDEcho: hello.legacySessionID,
            cipherSuite: parameters.suite, extensions: ExtensionList(extensions))
        var actions: [HandshakeAction] = []
        actions.reserveCapacity(8)
        let helloBytes = try HandshakeMessage.serverHello(serverHello).encode()
        transcript.append(helloBytes)
        actions.append(.send(helloBytes))
        self.transcript = transcript
        if renewTicket {
            actions += try newTicket(for: resumed)
        }
        actions += try sendChangeCipherSpecAndFinished(master: master)
        state = .waitChangeCipherSpec(master: master)
        return actions
    }

    // MARK: Full handshake

    private func serverHelloExtensions(_ hello: ClientHello, full: Bool, sendsTicket: Bool) -> [Extension] {
        guard let agreement else { return [] }
        var extensions: [Extension] = []
        extensions.reserveCapacity(8)
        if clientSignalsSecureRenegotiation(hello) { extensions.append(.renegotiationInfo([])) }
        if agreement.extendedMasterSecret { extensions.append(.extendedMasterSecret) }
        // RFC 6066 §3: acknowledged on a full handshake only.
        if full, agreement.serverName != nil { extensions.append(.serverNameAcknowledged) }
        if let protocolName = agreement.applicationProtocol { extensions.append(.selectedApplicationProtocol(Array(protocolName.utf8))) }
        if sendsTicket { extensions.append(.sessionTicket([])) }
        if agreement.peerRecordSizeLimit != nil, let limit = configuration.recordSizeLimit {
            extensions.append(.recordSizeLimit(UInt16(min(limit, RecordLimits.maxPlaintextLength))))
        }
        // RFC 8422 §5.2: answer ec_point_formats with the one format we parse.
        if hello.extensions.contains(.ecPointFormats) { extensions.append(.unknown(.ecPointFormats, [1, 0])) }
        return extensions
    }

    private func sendFullHandshakeFlight(_ hello: ClientHello, group: NamedGroup, scheme: SignatureScheme) throws -> [HandshakeAction] {
        guard let agreement, var transcript, let key = configuration.privateKey, let chain = configuration.certificateChain else {
            throw TLSError.internalError("full handshake without an agreement")
        }
        self.group = group
        // A fresh session ID names the session in the cache, unless a ticket will carry it
        // (RFC 5077 §3.4 lets the server leave the ID empty then).
        let sessionID = agreement.clientAcceptsTickets ? [] : HandshakeRandom.bytes(32)
        pendingSessionID = sessionID
        let serverHello = ServerHello(
            random: agreement.serverRandom, legacySessionIDEcho: sessionID[...], cipherSuite: agreement.parameters.suite,
            extensions: ExtensionList(serverHelloExtensions(hello, full: true, sendsTicket: agreement.clientAcceptsTickets)))
        let ephemeral = try KeyExchangePrivateKey(group: group)
        var exchange = TLS12ServerKeyExchange(group: group, publicPoint: ephemeral.keyShare, signatureAlgorithm: scheme, signature: [])
        exchange.signature = try key.sign(agreement.clientRandom + agreement.serverRandom + (try exchange.signedParamsBytes), scheme: scheme)
        var messages: [HandshakeMessage] = [
            .serverHello(serverHello),
            .tls12Certificate(TLS12Certificate(certificates: chain.certificatesDER)),
            .tls12ServerKeyExchange(exchange),
        ]
        if configuration.clientAuthentication != .none {
            let offered = configuration.signatureSchemes.filter { $0 != .ed448 }
            messages.append(.tls12CertificateRequest(TLS12CertificateRequest(
                certificateTypes: [64, 1], signatureAlgorithms: offered)))
        }
        messages.append(.tls12ServerHelloDone(TLS12ServerHelloDone()))
        var actions: [HandshakeAction] = []
        actions.reserveCapacity(8)
        for message in messages {
            let bytes = try message.encode()
            transcript.append(bytes)
            transcriptBytes?.append(contentsOf: bytes)
            actions.append(.send(bytes))
        }
        self.transcript = transcript
        state = configuration.clientAuthentication != .none ? .waitClientCertificate(ephemeral: ephemeral) : .waitClientKeyExchange(ephemeral: ephemeral)
        return actions
    }

    private var pendingSessionID: [UInt8] = []

    private func handleClientCertificate(_ message: TLS12Certificate, raw: ArraySlice<UInt8>, ephemeral: KeyExchangePrivateKey) throws {
        transcript?.append(raw)
        transcriptBytes?.append(contentsOf: raw)
        if let leaf = message.certificates.first {
            peerKey = try TLSPublicKey(certificateDER: leaf)
            peerChain = message.certificates
        } else if configuration.clientAuthentication == .required {
            // RFC 5246 §7.4.6: a server that requires one may abort with handshake_failure.
            throw TLSError.protocolViolation(alert: .handshakeFailure, reason: .certificateRequired)
        }
        state = .waitClientKeyExchange(ephemeral: ephemeral)
    }

    private func handleClientKeyExchange(_ message: TLS12ClientKeyExchange, raw: ArraySlice<UInt8>, ephemeral: KeyExchangePrivateKey) throws {
        guard let agreement, var transcript else { throw TLSError.internalError("ClientKeyExchange without an agreement") }
        try KeyExchangePrivateKey.checkKeyShareFormat(message.publicPoint, group: ephemeral.group)
        let preMasterSecret = try ephemeral.sharedSecret(peerKeyShare: message.publicPoint)
        transcript.append(raw)
        transcriptBytes?.append(contentsOf: raw)
        // RFC 7627 §4: the session hash covers the messages up to and including ClientKeyExchange.
        let master = TLS12KeySchedule.masterSecret(
            hash: agreement.parameters.hash, preMasterSecret: preMasterSecret, extended: agreement.extendedMasterSecret,
            sessionHash: transcript.currentHash(), clientRandom: agreement.clientRandom, serverRandom: agreement.serverRandom)
        self.transcript = transcript
        state = peerKey != nil ? .waitCertificateVerify(master: master) : .waitChangeCipherSpec(master: master)
    }

    private func handleClientCertificateVerify(_ message: CertificateVerify, raw: ArraySlice<UInt8>) throws {
        guard let key = peerKey, let signed = transcriptBytes else { throw TLSError.internalError("CertificateVerify without a client key") }
        guard configuration.signatureSchemes.contains(message.algorithm) else {
            throw TLSError.illegalParameter("client CertificateVerify uses \(message.algorithm), which was not requested")
        }
        try key.verifyTLS12Signature(message.signature, over: signed, scheme: message.algorithm)
        peerScheme = message.algorithm
        transcript?.append(raw)
        transcriptBytes = nil
    }

    private func handleClientFinished(_ message: Finished, raw: ArraySlice<UInt8>, master: SymmetricKey) throws -> [HandshakeAction] {
        guard let agreement, var transcript else { throw TLSError.internalError("Finished without an agreement") }
        guard TLS12KeySchedule.isValidVerifyData(message.verifyData, hash: agreement.parameters.hash, masterSecret: master,
                                                 client: true, transcriptHash: transcript.currentHash()) else {
            throw TLSError.protocolViolation(alert: .decryptError, reason: .finishedMismatch)
        }
        transcript.append(raw)
        self.transcript = transcript
        transcriptBytes = nil
        if resumedSession != nil {
            state = .connected
            return [complete()]
        }
        if !peerChain.isEmpty {
            state = .waitChainVerification(master: master)
            return [.verifyPeerChain(PeerChainCheck(chain: peerChain, expectedServerName: nil, owner: .client))]
        }
        return try finishFullHandshake(master: master)
    }

    /// Continues after the client's chain was verified.
    func peerChainVerified() throws -> [HandshakeAction] {
        guard case .waitChainVerification(let master) = state else { throw TLSError.invalidState("no verification pending") }
        return try finishFullHandshake(master: master)
    }

    /// The new session (cached under its ID, or in a ticket), then our ChangeCipherSpec and
    /// Finished: the session exists before the handshake completes (S9, S19).
    private func finishFullHandshake(master: SymmetricKey) throws -> [HandshakeAction] {
        guard let agreement else { throw TLSError.internalError("no agreement") }
        let made = TLSSession(
            protocolVersion: .tls12, cipherSuite: agreement.parameters.suite, secret: master.tlsBytes,
            sessionID: pendingSessionID, creationTime: now, timeout: configuration.sessionTimeout,
            serverName: agreement.serverName, applicationProtocol: agreement.applicationProtocol,
            sessionIDContext: policy.sessionIDContext, peerCertificates: peerChain, group: group,
            contextID: contextID, authenticationTime: now, extendedMasterSecret: agreement.extendedMasterSecret)
        var actions: [HandshakeAction] = []
        actions.reserveCapacity(8)
        if agreement.clientAcceptsTickets {
            actions += try newTicket(for: made)
        } else {
            actions.append(.newSession(made))
        }
        actions += try sendChangeCipherSpecAndFinished(master: master)
        state = .connected
        actions.append(complete())
        return actions
    }

    /// A NewSessionTicket for `base` (RFC 5077 §3.3), sealed or stored by the ticket authority.
    /// One that cannot be issued is sent empty (the client keeps no ticket; RFC 5077 §3.3), so
    /// a failure costs a future resumption, never this connection (security review L4).
    private func newTicket(for base: TLSSession) throws -> [HandshakeAction] {
        // A renewed ticket keeps the authentication time (security review M3) and lives no longer.
        let timeout = min(configuration.sessionTimeout, max(0, base.authenticationTime
            .addingTimeInterval(configuration.maximumAuthenticationAge).timeIntervalSince(now).rounded(.down)))
        var actions: [HandshakeAction] = []
        actions.reserveCapacity(8)
        let message: TLS12NewSessionTicket
        let issued = try? sessions.issueTicket { sessionID, ticket in
            // The master secret goes from the base session's storage straight into the new one.
            base.withSecretBytes { secret in TLSSession(
                protocolVersion: .tls12, cipherSuite: base.cipherSuite, secret: secret, sessionID: sessionID, ticket: ticket,
                creationTime: now, timeout: timeout,
                serverName: base.serverName, applicationProtocol: base.applicationProtocol,
                sessionIDContext: base.sessionIDContext, peerCertificates: base.peerCertificates, group: base.group,
                contextID: contextID, authenticationTime: base.authenticationTime, extendedMasterSecret: base.extendedMasterSecret) }
        }
        if let issued {
            message = TLS12NewSessionTicket(ticketLifetimeHint: UInt32(min(issued.timeout, TimeInterval(UInt32.max))), ticket: issued.ticket)
            actions.append(.newSession(issued))
        } else {
            message = TLS12NewSessionTicket(ticketLifetimeHint: 0, ticket: [])
        }
        let bytes = try HandshakeMessage.tls12NewSessionTicket(message).encode()
        transcript?.append(bytes)
        actions.insert(.send(bytes), at: 0)
        return actions
    }

    private func sendChangeCipherSpecAndFinished(master: SymmetricKey) throws -> [HandshakeAction] {
        guard let agreement, var transcript else { throw TLSError.internalError("no agreement") }
        let keys = recordKeys(agreement, master: master)
        let verifyData = TLS12KeySchedule.verifyData(hash: agreement.parameters.hash, masterSecret: master,
                                                     client: false, transcriptHash: transcript.currentHash())
        let finished = try HandshakeMessage.finished(Finished(verifyData: verifyData)).encode()
        transcript.append(finished)
        self.transcript = transcript
        return [.sendChangeCipherSpec, .setWriteKeys(.tls12(keys.server)), .send(finished)]
    }

    private func complete() -> HandshakeAction {
        state = .connected
        transcript = nil
        keyBlock.clear()   // the record layer holds the keys now (security review L7)
        let agreement = self.agreement
        return .completed(NegotiatedParameters(
            version: .tls12, cipherSuite: agreement?.parameters.suite ?? .ecdheECDSAWithAES128GCMSHA256,
            group: resumedSession == nil ? group : resumedSession?.group,
            applicationProtocol: agreement?.applicationProtocol, serverName: agreement?.serverName,
            peerSignatureScheme: peerScheme, peerCertificates: resumedSession?.peerCertificates ?? peerChain,
            didHelloRetryRequest: false, isResumed: resumedSession != nil,
            peerRecordSizeLimit: agreement?.peerRecordSizeLimit ?? RecordLimits.maxPlaintextLength,
            resumption: agreement?.resumption ?? .notOffered, resumptionMechanism: agreement?.mechanism,
            extendedMasterSecret: resumedSession?.extendedMasterSecret ?? agreement?.extendedMasterSecret ?? false))
    }

}

extension SignatureScheme {
    /// Whether the scheme signs with an RSA key (PKCS#1 v1.5 or PSS).
    var isRSA: Bool {
        [.rsaPKCS1SHA256, .rsaPKCS1SHA384, .rsaPKCS1SHA512, .rsaPSSRSAESHA256, .rsaPSSRSAESHA384, .rsaPSSRSAESHA512].contains(self)
    }
}
