import Crypto
import Foundation

/// The server side of the TLS 1.3 handshake (RFC 8446 §2, §4): ClientHello → [HelloRetryRequest
/// → ClientHello] → ServerHello, EncryptedExtensions, [CertificateRequest], Certificate,
/// CertificateVerify, Finished → [client Certificate, CertificateVerify] → client Finished.
final class ServerHandshake13 {
    /// Where the handshake stands, each state with what it needs and nothing more: the first
    /// ClientHello and cookie while a second one is awaited, the handshake and application
    /// secrets until the client's Finished, then only the resumption master secret until the
    /// tickets are made (security review L7).
    private enum State {
        case waitClientHello
        case waitSecondClientHello(RetryRequest)
        /// Accepted early data arrives until the client's EndOfEarlyData (S29).
        case waitEndOfEarlyData(HandshakeSecrets)
        case waitClientCertificate(HandshakeSecrets)
        case waitClientCertificateVerify(HandshakeSecrets, clientKey: TLSPublicKey)
        case waitClientFinished(HandshakeSecrets)
        case waitChainVerification(resumptionMasterSecret: SymmetricKey)
        /// The tickets are made: nothing secret is kept.
        case connected

        /// The state's name, for error messages (never its secrets).
        var name: String {
            switch self {
            case .waitClientHello: return "waitClientHello"
            case .waitSecondClientHello: return "waitSecondClientHello"
            case .waitEndOfEarlyData: return "waitEndOfEarlyData"
            case .waitClientCertificate: return "waitClientCertificate"
            case .waitClientCertificateVerify: return "waitClientCertificateVerify"
            case .waitClientFinished: return "waitClientFinished"
            case .waitChainVerification: return "waitChainVerification"
            case .connected: return "connected"
            }
        }
    }

    /// What a HelloRetryRequest asked for, kept for the second ClientHello (RFC 8446 §4.1.2).
    private struct RetryRequest {
        let firstClientHello: ClientHello
        let cookie: [UInt8]?
    }

    /// The secrets between our Finished and the client's (RFC 8446 §7.1).
    private struct HandshakeSecrets {
        let clientHandshakeSecret: SymmetricKey
        let clientApplicationSecret: SymmetricKey
        let master: KeySchedule.Master
    }

    private let shared: SharedConfiguration
    /// The configuration, read through the context's shared copy (no copy per connection).
    private var configuration: TLSConfiguration { _read { yield shared.value } }
    /// `configuration.effectiveSessionIDContext`, hashed once per handshake (S5, M3).
    private let sessionIDContext: [UInt8]
    private var state = State.waitClientHello
    private var transcript: TranscriptHash?
    private var cipherSuite: CipherSuite?
    private var suite: TLS13CipherSuiteParameters?
    private var group: NamedGroup?
    private var didHelloRetryRequest = false
    private var serverName: String?
    private var applicationProtocol: String?
    private var peerRecordSizeLimit: Int?
    /// Whether the peer sent record_size_limit (RFC 8449): only then does ours bind it.
    var peerSentRecordSizeLimit: Bool { peerRecordSizeLimit != nil }
    private var peerChain: [[UInt8]] = []
    private var peerScheme: SignatureScheme?
    /// The session the client resumed, if it did.
    private(set) var resumedSession: TLSSession?
    /// Whether the client offered a PSK (for the hit / miss statistics, S30).
    private(set) var clientOfferedPSK = false
    /// What was decided about the client's PSKs, with a reason per identity examined (S30).
    private(set) var resumptionDecision: ResumptionDecision = .notOffered
    /// The PSK modes both sides allow; tickets are sent only if there is one.
    private var commonPSKModes: [PSKKeyExchangeMode] = []
    /// The client's ticket_request (RFC 9149), if it sent one.
    private var ticketRequest: (newSessionCount: UInt8, resumptionCount: UInt8)?
    private var ticketsIssued: UInt64 = 0
    /// Answers about offered PSKs and issues tickets (S14, S24, S25).
    private let sessions: any ServerSessionSource
    /// What keeps accepted early data from being replayed (S29, RFC 8446 §8).
    private let earlyDataReplay: EarlyDataReplayProtection
    /// What became of the client's early data (S29).
    private(set) var earlyDataStatus = EarlyDataStatus.notOffered
    private let contextID: UUID
    private var now = Date(timeIntervalSince1970: 0)

    /// A server handshake; `sessions` turns a PSK identity (a ticket) into the session it
    /// stands for (the context's ticket keys or cache), may decline a chosen ticket as already
    /// used (S14), and turns a session into its ticket (sealing it, or naming it by an ID) for
    /// the NewSessionTickets that follow the handshake.
    init(
        configuration: SharedConfiguration,
        contextID: UUID = UUID(),
        sessions: any ServerSessionSource,
        earlyDataReplay: EarlyDataReplayProtection = .singleUseTickets
    ) {
        self.shared = configuration
        self.sessionIDContext = configuration.value.effectiveSessionIDContext
        self.contextID = contextID
        self.sessions = sessions
        self.earlyDataReplay = earlyDataReplay
    }

    var parsingContext: HandshakeParsingContext {
        suite.map { .tls13(hashLength: $0.hash.digestLength) } ?? .initial
    }

    /// Whether handshake, master or application traffic secrets are still held here (false
    /// once the client's Finished verified; security review L7).
    var holdsHandshakeSecrets: Bool {
        switch state {
        case .waitEndOfEarlyData, .waitClientCertificate, .waitClientCertificateVerify, .waitClientFinished: return true
        default: return false
        }
    }

    /// The negotiated cipher suite parameters, once a ServerHello was sent.
    var negotiatedSuite: TLS13CipherSuiteParameters? { suite }

    /// Whether the next message is the first ClientHello (its record may carry version 0x0301).
    var awaitingFirstClientHello: Bool {
        if case .waitClientHello = state { return true }
        return false
    }

    func handle(_ message: HandshakeMessage, raw: ArraySlice<UInt8>, now: Date) throws -> [HandshakeAction] {
        self.now = now
        switch (state, message) {
        case (.waitClientHello, .clientHello(let hello)):
            return try handleClientHello(hello, raw: raw, retry: nil)
        case (.waitSecondClientHello(let retry), .clientHello(let hello)):
            return try handleClientHello(hello, raw: raw, retry: retry)
        case (.waitEndOfEarlyData(let secrets), .endOfEarlyData):
            // RFC 8446 §4.5: the end of early data; the client's next messages are under its
            // handshake keys.
            guard let suite else { throw TLSError.internalError("EndOfEarlyData before keys") }
            transcript?.append(raw)
            state = .waitClientFinished(secrets)
            return [.earlyDataEnded, .setReadKeys(.tls13(TrafficSecret(suite: suite, secret: secrets.clientHandshakeSecret)))]
        case (.waitClientCertificate(let secrets), .certificate(let certificate)):
            return try handleClientCertificate(certificate, raw: raw, secrets: secrets)
        case (.waitClientCertificateVerify(let secrets, let clientKey), .certificateVerify(let verify)):
            return try handleClientCertificateVerify(verify, raw: raw, secrets: secrets, clientKey: clientKey)
        case (.waitClientFinished(let secrets), .finished(let finished)):
            return try handleClientFinished(finished, raw: raw, secrets: secrets)
        default:
            throw TLSError.unexpectedMessage("\(message.type) while the server is in \(state.name)")
        }
    }

    // MARK: ClientHello

    /// A ClientHello, first or second, in RFC 8446's order (§4.1.2, §4.2): check the version and
    /// the fields that must repeat, read what the client offers, agree on SNI and ALPN, look for
    /// a session to resume, ask for another key share if needed (§4.1.4), choose the certificate,
    /// then send ServerHello and the rest of our flight.
    private func handleClientHello(_ hello: ClientHello, raw: ArraySlice<UInt8>, retry: RetryRequest?) throws -> [HandshakeAction] {
        let isSecond = retry != nil
        try checkVersions(hello)
        if let retry {
            try checkSecondClientHello(hello, retry: retry)
        }
        let offersEarlyData = hello.extensions.contains(.earlyData)
        if isSecond, offersEarlyData {
            throw TLSError.illegalParameter("early_data in the second ClientHello")   // RFC 8446 §4.2.10
        }
        let offer = try readOffer(hello)
        var encryptedExtensions = try negotiateNameAndProtocol(hello)
        let resumption = try checkForResumption(hello, raw: raw, offer: offer)
        if case .ticketRequest(let newCount, let resumptionCount)? = hello.extensions[.ticketRequest] {
            ticketRequest = (newCount, resumptionCount)
        }

        if offer.share == nil && !(resumption != nil && resumption?.keyExchangeOnly == true) {
            guard !isSecond else {
                throw TLSError.illegalParameter("second ClientHello still has no key_share for the requested group")
            }
            guard let retryGroup = offer.ourGroups.first(where: offer.groups.contains) else {
                throw TLSError.protocolViolation(alert: .handshakeFailure, reason: .noCommonGroup)
            }
            var actions = try sendHelloRetryRequest(hello, raw: raw, suite: offer.suite, parameters: offer.parameters, group: retryGroup)
            if offersEarlyData {
                // RFC 8446 §4.2.10: early data is declined; skip it until the second ClientHello.
                earlyDataStatus = .rejected
                actions.append(.skipEarlyData(.applicationDataRecords, limit: earlyDataSkipLimit))
            }
            return actions
        }
        if isSecond, let share = offer.share, share.group != group {
            throw TLSError.illegalParameter("second ClientHello key_share is not for the requested group")
        }
        let signing = try pickCertificate(offer, resuming: resumption != nil)
        encryptedExtensions += acknowledgements(hello, resuming: resumption != nil)
        let (chosenSuite, parameters) = resumption.flatMap { r in r.suite.tls13Parameters.map { (r.suite, $0) } } ?? (offer.suite, offer.parameters)
        if isSecond, chosenSuite != cipherSuite {
            throw TLSError.illegalParameter("resumption would change the suite chosen in the HelloRetryRequest")
        }
        resumedSession = resumption?.session
        cipherSuite = chosenSuite
        suite = parameters
        var earlyData: EarlyDataHandling = .none
        if offersEarlyData {
            let limit = acceptableEarlyDataLimit(hello, resumption: resumption, suite: chosenSuite)
            earlyDataStatus = limit == nil ? .rejected : .accepted
            earlyData = limit.map { .accept(limit: $0) } ?? .skip(limit: earlyDataSkipLimit)
            if limit != nil { encryptedExtensions.append(.earlyData) }
        }
        return try sendServerFlight(
            hello, raw: raw, parameters: parameters, share: resumption?.keyExchangeOnly == true ? nil : offer.share,
            resumption: resumption, encryptedExtensions: encryptedExtensions, signing: signing, earlyData: earlyData)
    }

    /// What the server does with the client's early data.
    private enum EarlyDataHandling {
        case none
        /// Read it under the client's early traffic keys, up to `limit` bytes (S29).
        case accept(limit: Int)
        /// Skip it by trial decryption, up to `limit` bytes (RFC 8446 §4.2.10).
        case skip(limit: Int)
    }

    /// How much declined early data is skipped: the configured maximum, else 16 KiB (what
    /// OpenSSL and BoringSSL skip).
    private var earlyDataSkipLimit: Int { Int(configuration.earlyData?.maximumSize ?? 16_384) }

    /// The early data this resumption accepts, in bytes, or nil to decline it (RFC 8446
    /// §4.2.10, §8): early data on, the application allowing it, the first identity chosen,
    /// a ticket that allows early data, its suite and ALPN (SNI, context and expiry are the
    /// resumption's own checks), a ticket age within the freshness window, and no replay.
    private func acceptableEarlyDataLimit(_ hello: ClientHello, resumption: Resumption?, suite: CipherSuite) -> Int? {
        guard let policy = configuration.earlyData, let resumption, resumption.index == 0,
              resumption.session.maxEarlyDataSize > 0, resumption.session.cipherSuite == suite,
              resumption.session.applicationProtocol == applicationProtocol,
              let offered = hello.offeredPSKs, let identity = offered.identities.first, let binder = offered.binders.first,
              sessions.earlyDataAllowed
        else { return nil }
        // §8.3: the age the client claims against the ticket's creation, within the window.
        let session = resumption.session
        let clientAge = TimeInterval(identity.obfuscatedTicketAge &- session.ticketAgeAdd) / 1000
        guard abs(clientAge - now.timeIntervalSince(session.creationTime)) <= policy.freshnessWindow else { return nil }
        switch earlyDataReplay {
        case .singleUseTickets:
            break
        case .clientHelloRecord(let record):
            // §8.2: a ClientHello is recorded (by its binder, unique to it) for the window.
            guard record.claim(binder, until: now.addingTimeInterval(policy.freshnessWindow), now: now) else { return nil }
        case .sharedClientHelloRecord:
            // Recorded while the sessions were resolved; unasked or unanswered declines.
            guard sessions.clientHelloFirstSeen == true else { return nil }
        }
        return Int(min(policy.maximumSize, session.maxEarlyDataSize))
    }

    /// What a ClientHello offers, checked: our preferred suite among the client's, its
    /// signature schemes, groups and key shares (RFC 8446 §4.2.3, §4.2.7, §4.2.8).
    private struct ClientOffer {
        var suite: CipherSuite
        var parameters: TLS13CipherSuiteParameters
        var schemes: CodePointList<SignatureScheme>
        var groups: CodePointList<NamedGroup>
        /// The groups we support, in our order.
        var ourGroups: [NamedGroup]
        /// The client's first key share for a group we support, if any.
        var share: KeyShareEntry?
    }

    /// A session chosen for resumption (RFC 8446 §4.2.11).
    private struct Resumption {
        var session: TLSSession
        var index: Int
        var suite: CipherSuite
        /// The early stage of the key schedule, made once for the binder and kept for the flight.
        var early: KeySchedule.Early
        /// psk_ke: no (EC)DHE (both sides allow it and psk_dhe_ke is not possible).
        var keyExchangeOnly: Bool
    }

    /// RFC 8446 §4.1.2, §4.2.1, §D.5: TLS 1.3 offered, legacy_version above SSL 3.0, null
    /// compression only.
    private func checkVersions(_ hello: ClientHello) throws {
        // RFC 8446 §D.5: a legacy_version of SSL 3.0 or lower MUST abort (security review L14).
        guard hello.legacyVersion.rawValue > 0x0300 else {
            throw TLSError.protocolViolation(alert: .protocolVersion, reason: .noCommonVersion("ClientHello legacy_version \(hello.legacyVersion) is SSL 3.0 or older"))
        }
        guard case .supportedVersionsClientHello(let versions)? = hello.extensions[.supportedVersions],
              versions.contains(.tls13) else {
            throw TLSError.protocolViolation(alert: .protocolVersion, reason: .noCommonVersion("client does not offer TLS 1.3"))
        }
        guard hello.legacyCompressionMethods == [0] else {
            throw TLSError.illegalParameter("TLS 1.3 ClientHello must offer only null compression")
        }
    }

    /// The client's suites, schemes, groups and shares (RFC 8446 §4.2.3, §4.2.7, §4.2.8).
    private func readOffer(_ hello: ClientHello) throws -> ClientOffer {
        // Cipher suite: our preference among the client's offers.
        guard let suite = configuration.cipherSuites.first(where: { hello.cipherSuites.contains($0) && $0.tls13Parameters != nil }),
              let parameters = suite.tls13Parameters else {
            throw TLSError.protocolViolation(alert: .handshakeFailure, reason: .noCommonCipherSuite)
        }
        guard case .signatureAlgorithms(let schemes)? = hello.extensions[.signatureAlgorithms] else {
            throw TLSError.protocolViolation(alert: .missingExtension, reason: .missingExtension("ClientHello without signature_algorithms"))
        }
        guard case .supportedGroups(let groups)? = hello.extensions[.supportedGroups],
              case .keyShareClientHello(let shares)? = hello.extensions[.keyShare] else {
            throw TLSError.protocolViolation(alert: .missingExtension, reason: .missingExtension("ClientHello without supported_groups and key_share"))
        }
        // RFC 8446 §4.2.8: each share's group must be in supported_groups, in the same order, once.
        try Self.checkKeyShareGroups(shares, offered: groups)
        let ourGroups = shared.keyExchangeGroups
        // Prefer a group the client already sent a share for: no extra round trip.
        let share = shares.first { ourGroups.contains($0.group) }
        return ClientOffer(suite: suite, parameters: parameters, schemes: schemes, groups: groups, ourGroups: ourGroups, share: share)
    }

    /// Refuses (`illegal_parameter`) a key share whose group is not in supported_groups or
    /// that repeats a group (RFC 8446 §4.2.8). Both lists are capped (`PeerListLimits`); their
    /// code points are sorted in stack buffers and searched, so the check is n log n with no
    /// list scanned once per element of the other (security review M1) and no allocation.
    static func checkKeyShareGroups(_ shares: [KeyShareEntry], offered groups: CodePointList<NamedGroup>) throws {
        let valid = withUnsafeTemporaryAllocation(of: UInt16.self, capacity: groups.count + shares.count) { buffer -> Bool in
            var offered = UnsafeMutableBufferPointer(rebasing: buffer[0 ..< groups.count])
            for (index, group) in groups.enumerated() { offered[index] = group.rawValue }
            offered.sort()
            var shared = UnsafeMutableBufferPointer(rebasing: buffer[groups.count ..< groups.count + shares.count])
            for (index, share) in shares.enumerated() {
                guard Self.sortedContains(offered, share.group.rawValue) else { return false }
                shared[index] = share.group.rawValue
            }
            shared.sort()
            for index in shared.indices.dropFirst() where shared[index] == shared[index - 1] { return false }
            return true
        }
        guard valid else {
            throw TLSError.illegalParameter("a key_share group is not in supported_groups, or is repeated")
        }
    }

    /// Binary search of a sorted buffer.
    private static func sortedContains(_ sorted: UnsafeMutableBufferPointer<UInt16>, _ value: UInt16) -> Bool {
        var low = 0, high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low < sorted.count && sorted[low] == value
    }

    /// SNI (RFC 6066 §3) and ALPN (RFC 7301 §3.2): the name is kept; the protocol is our first
    /// choice the client offers. Returns the ALPN answer for EncryptedExtensions.
    private func negotiateNameAndProtocol(_ hello: ClientHello) throws -> [Extension] {
        if case .serverName(let name)? = hello.extensions[.serverName] { serverName = name }
        guard case .applicationLayerProtocols(let offered)? = hello.extensions[.applicationLayerProtocolNegotiation],
              !configuration.applicationProtocols.isEmpty else { return [] }
        let offeredNames = offered.compactMap { String(validating: $0, as: UTF8.self) }
        guard let selected = configuration.applicationProtocols.first(where: offeredNames.contains) else {
            throw TLSError.protocolViolation(alert: .noApplicationProtocol, reason: .noCommonApplicationProtocol)
        }
        applicationProtocol = selected
        return [.selectedApplicationProtocol(Array(selected.utf8))]
    }

    /// Resumption (RFC 8446 §4.2.9–4.2.11): the PSK modes both sides allow, then the first
    /// offered session we can resume; records the decision (S30).
    private func checkForResumption(_ hello: ClientHello, raw: ArraySlice<UInt8>, offer: ClientOffer) throws -> Resumption? {
        var clientModes: [PSKKeyExchangeMode]?
        if case .pskKeyExchangeModes(let modes)? = hello.extensions[.pskKeyExchangeModes] { clientModes = modes }
        if hello.offeredPSKs != nil && clientModes == nil {
            throw TLSError.protocolViolation(alert: .missingExtension, reason: .missingExtension("pre_shared_key without psk_key_exchange_modes"))
        }
        commonPSKModes = configuration.pskKeyExchangeModes.filter { clientModes?.contains($0) == true }
        clientOfferedPSK = hello.offeredPSKs != nil
        guard let psks = hello.offeredPSKs else { return nil }
        let dheMode = commonPSKModes.contains(.pskDHEKE) && offer.share != nil
        let keMode = commonPSKModes.contains(.pskKE)
        guard dheMode || keMode else {
            resumptionDecision = .declined([.noCommonPSKMode])
            return nil
        }
        let selection = try selectPSK(psks, in: hello, raw: raw)
        resumptionDecision = selection.chosen.map { .resumed(identityIndex: $0.index) } ?? .declined(selection.declined)
        // psk_dhe_ke when both allow it, else psk_ke (OpenSSL's choice too).
        return selection.chosen.map { Resumption(session: $0.session, index: $0.index, suite: $0.suite, early: $0.early, keyExchangeOnly: !dheMode) }
    }

    /// The certificate and signature scheme of a full handshake (RFC 8446 §4.4.2, §4.4.3);
    /// none when resuming.
    private func pickCertificate(_ offer: ClientOffer, resuming: Bool) throws -> (key: TLSPrivateKey, chain: CertificateChain, scheme: SignatureScheme)? {
        guard !resuming else { return nil }
        guard let key = configuration.privateKey, let chain = configuration.certificateChain,
              let scheme = key.selectSignatureScheme(peerSignatureAlgorithms: offer.schemes) else {
            throw TLSError.protocolViolation(alert: .handshakeFailure, reason: .noCommonSignatureScheme)
        }
        return (key, chain, scheme)
    }

    /// EncryptedExtensions answering what the client sent: server_name (RFC 6066 §3),
    /// record_size_limit (RFC 8449 §4), ticket_request (RFC 9149).
    private func acknowledgements(_ hello: ClientHello, resuming: Bool) -> [Extension] {
        var extensions: [Extension] = []
        if serverName != nil { extensions.append(.serverNameAcknowledged) }
        if case .recordSizeLimit(let limit)? = hello.extensions[.recordSizeLimit] {
            peerRecordSizeLimit = Int(limit)
            // RFC 8449 §4: answer with ours only to a client that sent one.
            extensions.append(.recordSizeLimit(UInt16(configuration.recordSizeLimit ?? (RecordLimits.maxPlaintextLength + 1))))
        }
        if ticketRequest != nil {
            extensions.append(.ticketRequestExpectedCount(UInt8(clamping: plannedTicketCount(resumed: resuming))))
        }
        return extensions
    }

    /// ServerHello (with our key share and the chosen PSK), the handshake keys,
    /// EncryptedExtensions, [CertificateRequest, Certificate, CertificateVerify], Finished and
    /// the application write keys (RFC 8446 §4.1.3–§4.4.4).
    private func sendServerFlight(
        _ hello: ClientHello, raw: ArraySlice<UInt8>, parameters: TLS13CipherSuiteParameters, share: KeyShareEntry?,
        resumption: Resumption?, encryptedExtensions: [Extension],
        signing: (key: TLSPrivateKey, chain: CertificateChain, scheme: SignatureScheme)?,
        earlyData: EarlyDataHandling
    ) throws -> [HandshakeAction] {
        var serverHelloExtensions: [Extension] = [.supportedVersionsSelected(.tls13)]
        serverHelloExtensions.reserveCapacity(3)
        var sharedSecret: SymmetricKey?
        group = nil
        if let share {
            let keyExchange = try KeyExchangePrivateKey(group: share.group)
            sharedSecret = try keyExchange.sharedSecret(peerKeyShare: share.keyExchange)
            group = share.group
            serverHelloExtensions.append(.keyShareServerHello(KeyShareEntry(group: share.group, keyExchange: keyExchange.keyShare)))
        }
        if let resumption {
            serverHelloExtensions.append(.preSharedKeySelected(UInt16(resumption.index)))
        }
        guard let chosenSuite = cipherSuite else { throw TLSError.internalError("no suite chosen") }

        var transcript = self.transcript ?? TranscriptHash(hash: parameters.hash)
        transcript.append(raw)
        let clientHelloHash = transcript.currentHash()
        let serverHello = ServerHello(
            random: HandshakeRandom.bytes(32), legacySessionIDEcho: hello.legacySessionID,
            cipherSuite: chosenSuite, extensions: ExtensionList(serverHelloExtensions))
        let serverHelloBytes = try HandshakeMessage.serverHello(serverHello).encode()
        transcript.append(serverHelloBytes)
        var actions: [HandshakeAction] = [.send(serverHelloBytes)]
        actions.reserveCapacity(12)
        if !hello.legacySessionID.isEmpty && !didHelloRetryRequest {
            actions.append(.sendChangeCipherSpec)
        }

        let early = resumption?.early ?? KeySchedule.Early(hash: parameters.hash)
        let schedule = early.handshake(sharedSecret: sharedSecret)
        let helloHash = transcript.currentHash()
        let serverHandshakeSecret = schedule.serverHandshakeTrafficSecret(transcriptHash: helloHash)
        let clientHandshakeSecret = schedule.clientHandshakeTrafficSecret(transcriptHash: helloHash)
        actions.append(.setWriteKeys(.tls13(TrafficSecret(suite: parameters, secret: serverHandshakeSecret))))
        switch earlyData {
        case .accept(let limit):
            // RFC 8446 §7.1: early data and EndOfEarlyData come under client_early_traffic_secret.
            let earlySecret = early.clientEarlyTrafficSecret(transcriptHash: clientHelloHash)
            actions.append(.setReadKeys(.tls13(TrafficSecret(suite: parameters, secret: earlySecret))))
            actions.append(.acceptEarlyData(limit: limit))
        case .skip(let limit):
            actions.append(.setReadKeys(.tls13(TrafficSecret(suite: parameters, secret: clientHandshakeSecret))))
            actions.append(.skipEarlyData(.undecryptableRecords, limit: limit))
        case .none:
            actions.append(.setReadKeys(.tls13(TrafficSecret(suite: parameters, secret: clientHandshakeSecret))))
        }

        let encryptedExtensionsBytes = try HandshakeMessage.encryptedExtensions(EncryptedExtensions(extensions: ExtensionList(encryptedExtensions))).encode()
        transcript.append(encryptedExtensionsBytes)
        actions.append(.send(encryptedExtensionsBytes))
        let requestsClientCertificate = signing != nil && configuration.clientAuthentication != .none
        if let (key, chain, scheme) = signing {
            if requestsClientCertificate {
                let request = CertificateRequest(extensions: [.signatureAlgorithms(CodePointList(configuration.signatureSchemes))])
                let requestBytes = try HandshakeMessage.certificateRequest(request).encode()
                transcript.append(requestBytes)
                actions.append(.send(requestBytes))
            }
            let certificateBytes = try HandshakeMessage.certificate(CertificateMessage(certificateList: chain.certificateEntries)).encode()
            transcript.append(certificateBytes)
            actions.append(.send(certificateBytes))
            let verify = try key.certificateVerify(scheme: scheme, signer: .server, transcriptHash: transcript.currentHash())
            let verifyBytes = try HandshakeMessage.certificateVerify(verify).encode()
            transcript.append(verifyBytes)
            actions.append(.send(verifyBytes))
        }
        let verifyData = KeySchedule.verifyData(hash: parameters.hash, baseKey: serverHandshakeSecret, transcriptHash: transcript.currentHash())
        let finishedBytes = try HandshakeMessage.finished(Finished(verifyData: verifyData)).encode()
        transcript.append(finishedBytes)
        actions.append(.send(finishedBytes))

        let master = schedule.master()
        let finishedHash = transcript.currentHash()
        actions.append(.setWriteKeys(.tls13(TrafficSecret(suite: parameters, secret: master.serverApplicationTrafficSecret(transcriptHash: finishedHash)))))
        let secrets = HandshakeSecrets(
            clientHandshakeSecret: clientHandshakeSecret,
            clientApplicationSecret: master.clientApplicationTrafficSecret(transcriptHash: finishedHash), master: master)
        self.transcript = transcript
        if case .accept = earlyData {
            state = .waitEndOfEarlyData(secrets)   // a resumption: no client certificate follows
        } else {
            state = requestsClientCertificate ? .waitClientCertificate(secrets) : .waitClientFinished(secrets)
        }
        return actions
    }

    /// The first offered PSK this server can resume (S5, S6, S16), checked for context, SNI,
    /// ALPN, expiry, ticket age and hash, and why each identity before it was declined (S30);
    /// no choice means a full handshake. A PSK that passes every check but whose binder is wrong
    /// aborts with `decrypt_error` (RFC 8446 §4.2.11).
    private func selectPSK(_ offer: OfferedPSKs, in hello: ClientHello, raw: ArraySlice<UInt8>) throws
        -> (chosen: (session: TLSSession, index: Int, suite: CipherSuite, early: KeySchedule.Early)?, declined: [ResumptionDeclineReason]) {
        var declined: [ResumptionDeclineReason] = []
        for (index, identity) in offer.identities.enumerated().prefix(PeerListLimits.pskIdentitiesExamined) where index < offer.binders.count {
            let candidate = sessions.redeem(identity.identity, now: now)
            if candidate == nil {
                declined.append(sessions.missingReason(identity.identity))
                continue
            }
            if let reason = whyNotResumable(candidate, hello: hello, obfuscatedAge: identity.obfuscatedTicketAge) {
                declined.append(reason)
                continue
            }
            guard let session = candidate, let hash = session.hash,
                  let suite = configuration.cipherSuites.first(where: { hello.cipherSuites.contains($0) && $0.tls13Parameters?.hash == hash })
            else { continue }
            let truncated = try ClientHello.truncatedForBinders(raw, offer: offer)
            let transcriptHash = transcript.map { $0.hash(appending: truncated) } ?? hash.digest(truncated)
            let early = KeySchedule.Early(hash: hash, resuming: session)
            guard early.isValidBinder(offer.binders[index], external: false, truncatedTranscriptHash: transcriptHash) else {
                throw TLSError.protocolViolation(alert: .decryptError, reason: .binderMismatch)
            }
            // After the binder, so that only the ticket's holder can spend its single use.
            guard sessions.claim(identity.identity, session: session, now: now) else {
                declined.append(.replayed)
                continue
            }
            return ((session, index, suite, early), declined)
        }
        return (nil, declined)
    }

    /// Why `session` (what an identity redeemed to) cannot be resumed on this connection, or nil.
    private func whyNotResumable(_ session: TLSSession?, hello: ClientHello, obfuscatedAge: UInt32) -> ResumptionDeclineReason? {
        guard let session else { return .unknownTicket }
        if let reason = ServerResumptionPolicy(shared: shared, sessionIDContext: sessionIDContext)
            .whyNotResumable(session, version: .tls13, serverName: serverName, now: now) {
            return reason
        }
        guard session.applicationProtocol == applicationProtocol else { return .applicationProtocol }
        guard let hash = session.hash,
              configuration.cipherSuites.contains(where: { hello.cipherSuites.contains($0) && $0.tls13Parameters?.hash == hash }),
              transcript.map({ $0.hash == hash }) ?? true // after a HelloRetryRequest
        else { return .cipherSuite }
        // RFC 8446 §8.3: the client counts the age from when the ticket reached it, so its
        // age trails ours by the delivery delay; an age beyond ours (plus the tolerance) is
        // a wrong age_add or a ticket replayed from elsewhere. (The tight two-sided window
        // matters for 0-RTT anti-replay, which is off.)
        let clientAge = TimeInterval(obfuscatedAge &- session.ticketAgeAdd) / 1000
        let serverAge = now.timeIntervalSince(session.creationTime)
        guard clientAge <= serverAge + configuration.ticketAgeTolerance else { return .ticketAge }
        return nil
    }

    private func sendHelloRetryRequest(
        _ hello: ClientHello, raw: ArraySlice<UInt8>, suite chosenSuite: CipherSuite,
        parameters: TLS13CipherSuiteParameters, group retryGroup: NamedGroup
    ) throws -> [HandshakeAction] {
        var transcript = TranscriptHash(hash: parameters.hash)
        transcript.append(raw)
        transcript.replaceClientHelloWithMessageHash()
        var extensions: [Extension] = [.supportedVersionsSelected(.tls13), .keyShareHelloRetryRequest(retryGroup)]
        var retryCookie: [UInt8]?
        if configuration.helloRetryRequestCookie {
            let cookie = HandshakeRandom.bytes(32)
            retryCookie = cookie
            extensions.append(.cookie(cookie))
        }
        let retry = ServerHello(
            random: ServerHello.helloRetryRequestRandom, legacySessionIDEcho: hello.legacySessionID,
            cipherSuite: chosenSuite, extensions: ExtensionList(extensions))
        let bytes = try HandshakeMessage.serverHello(retry).encode()
        transcript.append(bytes)
        self.transcript = transcript
        cipherSuite = chosenSuite
        suite = parameters
        group = retryGroup
        didHelloRetryRequest = true
        state = .waitSecondClientHello(RetryRequest(firstClientHello: hello, cookie: retryCookie))
        var actions: [HandshakeAction] = [.send(bytes)]
        if !hello.legacySessionID.isEmpty { actions.append(.sendChangeCipherSpec) }
        return actions
    }

    /// RFC 8446 §4.1.2: the second ClientHello repeats the first except for key_share, cookie,
    /// early_data removal, pre_shared_key and padding.
    private func checkSecondClientHello(_ hello: ClientHello, retry: RetryRequest) throws {
        let first = retry.firstClientHello
        // RFC 8446 §4.1.2 lists what may change; everything else must repeat (L11).
        guard hello.legacyVersion == first.legacyVersion, hello.random == first.random, hello.legacySessionID == first.legacySessionID,
              hello.cipherSuites == first.cipherSuites, hello.legacyCompressionMethods == first.legacyCompressionMethods else {
            throw TLSError.illegalParameter("second ClientHello changed fields it must repeat")
        }
        guard let cipherSuite, hello.cipherSuites.contains(cipherSuite) else {
            throw TLSError.illegalParameter("second ClientHello dropped the selected cipher suite")
        }
        if let cookie = retry.cookie {
            guard case .cookie(let echoed)? = hello.extensions[.cookie], echoed == cookie else {
                throw TLSError.illegalParameter("second ClientHello does not echo the cookie")
            }
        }
        guard !hello.extensions.contains(.earlyData) else {
            throw TLSError.illegalParameter("early_data after a HelloRetryRequest")
        }
        // Exactly one share, for the group the HelloRetryRequest named (checked by the caller).
        guard case .keyShareClientHello(let shares)? = hello.extensions[.keyShare], shares.count == 1 else {
            throw TLSError.illegalParameter("second ClientHello must carry exactly one key share")
        }
        // The PSK offer may lose identities (those of another hash) and change ages and
        // binders, but never gain an identity.
        if let offer = hello.offeredPSKs {
            let before = Set(first.offeredPSKs?.identities.map(\.identity) ?? [])
            guard offer.identities.allSatisfy({ before.contains($0.identity) }) else {
                throw TLSError.illegalParameter("second ClientHello offers a PSK the first did not")
            }
        }
        let mayChange: Set<ExtensionType> = [.keyShare, .cookie, .earlyData, .preSharedKey, .padding]
        let before = first.extensions.filter { !mayChange.contains($0.type) }
        let after = hello.extensions.filter { !mayChange.contains($0.type) }
        guard before == after else {
            throw TLSError.illegalParameter("second ClientHello changed its extensions")
        }
    }

    // MARK: Client authentication and Finished

    private func handleClientCertificate(_ message: CertificateMessage, raw: ArraySlice<UInt8>, secrets: HandshakeSecrets) throws -> [HandshakeAction] {
        guard message.certificateRequestContext.isEmpty else {
            throw TLSError.illegalParameter("client Certificate with a request context we did not send")
        }
        // Our CertificateRequest asks for no per-certificate extension (RFC 8446 §4.4.2, L11).
        guard message.certificateList.allSatisfy({ $0.extensions.isEmpty }) else {
            throw TLSError.protocolViolation(alert: .unsupportedExtension, reason: .unsolicitedExtension("CertificateEntry extension we did not ask for"))
        }
        transcript?.append(raw)
        guard let leaf = message.certificateList.first else {
            if configuration.clientAuthentication == .required {
                throw TLSError.protocolViolation(alert: .certificateRequired, reason: .certificateRequired)
            }
            state = .waitClientFinished(secrets)
            return []
        }
        let clientKey = try TLSPublicKey(certificateDER: leaf.certificateData)
        peerChain = message.certificateList.map(\.certificateData)
        state = .waitClientCertificateVerify(secrets, clientKey: clientKey)
        return []
    }

    private func handleClientCertificateVerify(
        _ message: CertificateVerify, raw: ArraySlice<UInt8>, secrets: HandshakeSecrets, clientKey: TLSPublicKey
    ) throws -> [HandshakeAction] {
        guard var transcript else { throw TLSError.internalError("no transcript") }
        try clientKey.verifyCertificateVerify(
            message, signer: .client, transcriptHash: transcript.currentHash(),
            offeredSchemes: configuration.signatureSchemes)
        peerScheme = message.algorithm
        transcript.append(raw)
        self.transcript = transcript
        state = .waitClientFinished(secrets)
        return []
    }

    private func handleClientFinished(_ message: Finished, raw: ArraySlice<UInt8>, secrets: HandshakeSecrets) throws -> [HandshakeAction] {
        guard var transcript, let suite else { throw TLSError.internalError("client Finished before keys") }
        guard KeySchedule.isValidVerifyData(message.verifyData, hash: suite.hash, baseKey: secrets.clientHandshakeSecret,
                                            transcriptHash: transcript.currentHash()) else {
            throw TLSError.protocolViolation(alert: .decryptError, reason: .finishedMismatch)
        }
        transcript.append(raw)
        // RFC 8446 §7.2 (security review L7): only the resumption master secret is kept now.
        let resumptionMasterSecret = secrets.master.resumptionMasterSecret(transcriptHash: transcript.currentHash())
        self.transcript = transcript
        var actions: [HandshakeAction] = [.setReadKeys(.tls13(TrafficSecret(suite: suite, secret: secrets.clientApplicationSecret)))]
        actions.reserveCapacity(8)
        if !peerChain.isEmpty {
            state = .waitChainVerification(resumptionMasterSecret: resumptionMasterSecret)
            actions.append(.verifyPeerChain(PeerChainCheck(chain: peerChain, expectedServerName: nil, owner: .client)))
            return actions
        }
        return actions + (try complete(resumptionMasterSecret: resumptionMasterSecret))
    }

    /// Continues after the client's chain was verified.
    func peerChainVerified() throws -> [HandshakeAction] {
        guard case .waitChainVerification(let resumptionMasterSecret) = state else { throw TLSError.invalidState("no verification pending") }
        return try complete(resumptionMasterSecret: resumptionMasterSecret)
    }

    /// The handshake completes, then its NewSessionTickets go out right away, before any
    /// application data we write, so a client that closes early still has them (RFC 8446 §4.6.1).
    private func complete(resumptionMasterSecret: SymmetricKey) throws -> [HandshakeAction] {
        state = .connected
        var actions: [HandshakeAction] = []
        actions.reserveCapacity(1 + 2 * plannedTicketCount(resumed: resumedSession != nil))
        actions.append(completion())
        try appendNewSessionTickets(to: &actions, resumptionMasterSecret: resumptionMasterSecret)
        // Nothing after the handshake reads the transcript or the chain (the chain went out
        // with the completion): an idle connection does not keep them.
        transcript = nil
        peerChain = []
        return actions
    }

    private func completion() -> HandshakeAction {
        .completed(NegotiatedParameters(
            version: .tls13, cipherSuite: cipherSuite ?? .tlsAES128GCMSHA256, group: group,
            applicationProtocol: applicationProtocol, serverName: serverName,
            peerSignatureScheme: peerScheme, peerCertificates: resumedSession?.peerCertificates ?? peerChain,
            didHelloRetryRequest: didHelloRetryRequest, isResumed: resumedSession != nil,
            peerRecordSizeLimit: peerRecordSizeLimit ?? (RecordLimits.maxPlaintextLength + 1),
            resumption: resumptionDecision, resumptionMechanism: resumedSession != nil ? .psk : nil,
            earlyData: earlyDataStatus))
    }

    // MARK: Tickets (RFC 8446 §4.6.1, RFC 9149)

    /// How many tickets this connection sends: the client's ticket_request if it sent one
    /// (bounded by `maximumTicketCount`), else the configured count; none if tickets are off
    /// or the client allows no PSK mode we support.
    func plannedTicketCount(resumed: Bool) -> Int {
        let configured = resumed ? configuration.ticketCountAfterResumption : configuration.ticketCount
        guard configuration.ticketCount > 0, !commonPSKModes.isEmpty else { return 0 }
        guard let request = ticketRequest else { return configured }
        return min(Int(resumed ? request.resumptionCount : request.newSessionCount), configuration.maximumTicketCount)
    }

    /// This connection's NewSessionTickets, each sent and then recorded as a new session: a
    /// fresh nonce, PSK and ticket_age_add each; `sessions.issueTicket(_:)` makes each session with
    /// its ticket (sealing it, or naming it by an ID). A session that cannot become a ticket (no
    /// active ticket key, a state too large to seal) is skipped with a warning in the log: no
    /// ticket, never a failed connection (security review L4).
    private func appendNewSessionTickets(to tickets: inout [HandshakeAction], resumptionMasterSecret: SymmetricKey) throws {
        guard let suite, let cipherSuite else { throw TLSError.internalError("tickets before a suite was chosen") }
        // Security review M3: a ticket from a resumed connection keeps the original
        // authentication time and never outlives maximumAuthenticationAge from it.
        let authenticationTime = resumedSession?.authenticationTime ?? now
        let authenticationLeft = authenticationTime.addingTimeInterval(configuration.maximumAuthenticationAge).timeIntervalSince(now)
        let lifetime = min(configuration.sessionTimeout, TLSSession.maximumTLS13Lifetime, max(0, authenticationLeft.rounded(.down)))
        guard authenticationLeft >= 1 else { return }
        for _ in 0..<plannedTicketCount(resumed: resumedSession != nil) {
            var nonceWriter = ByteWriter(capacity: 8)
            nonceWriter.writeUInt64(ticketsIssued)
            ticketsIssued += 1
            let nonce = nonceWriter.bytes
            let ageAdd = HandshakeRandom.uint32()
            let session: TLSSession
            do {
                session = try sessions.issueTicket { sessionID, ticket in
                    // The PSK goes from the stack into the session, never into an array.
                    try KeySchedule.withResumptionPSK(hash: suite.hash, resumptionMasterSecret: resumptionMasterSecret, ticketNonce: nonce) { psk in TLSSession(
                        protocolVersion: .tls13, cipherSuite: cipherSuite, secret: psk, sessionID: sessionID, ticket: ticket,
                        ticketLifetime: UInt32(lifetime), ticketAgeAdd: ageAdd, ticketNonce: nonce,
                        creationTime: now, timeout: lifetime, serverName: serverName,
                        applicationProtocol: applicationProtocol, maxEarlyDataSize: configuration.earlyData?.maximumSize ?? 0,
                        sessionIDContext: sessionIDContext,
                        peerCertificates: resumedSession?.peerCertificates ?? peerChain, group: group, contextID: contextID,
                        authenticationTime: authenticationTime) }
                }
            } catch {
                configuration.logger?.warning("no ticket sent: it could not be issued", metadata: ["error": "\(error)"])
                continue
            }
            // S29: the ticket says how much early data a resumption with it may send.
            let extensions: [Extension] = session.maxEarlyDataSize > 0 ? [.maxEarlyDataSize(session.maxEarlyDataSize)] : []
            let ticket = TLS13NewSessionTicket(
                ticketLifetime: UInt32(lifetime), ticketAgeAdd: ageAdd, ticketNonce: nonce, ticket: session.ticket,
                extensions: ExtensionList(extensions))
            tickets.append(.send(try HandshakeMessage.newSessionTicket(ticket).encode()))
            tickets.append(.newSession(session))
        }
    }
}
