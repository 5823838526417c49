import Foundation
import Logging

/// One TLS connection, sans I/O: OpenSSL's `SSL`.
///
/// Feed it the bytes the transport received (`receive(_:)`), send what `takeOutput()` returns,
/// and read what happened from `nextEvent()`. Nothing here touches a socket, a thread or a
/// clock of its own, so the NIO adapter, the CLI and the tests drive the same code.
///
/// Verifying the peer's certificate chain is asynchronous (swift-certificates' `Verifier`):
/// when the handshake reaches it, `takePendingWork()` returns a `TLSPendingWork` to run with
/// `await`, and `completePendingWork(_:)` feeds the result back. Records that arrive meanwhile
/// are kept and processed afterwards.
///
/// Any protocol error sends the matching fatal alert (`takeOutput()` then holds it), moves the
/// connection to `.closed` and is thrown; no application data is delivered after it.
/// A connection is driven from one thread at a time; it is not `Sendable`.
public final class TLSConnection {
    /// Where the connection stands.
    public enum State: Sendable, Equatable {
        /// Handshake in progress.
        case handshaking
        /// Handshake complete: application data flows.
        case established
        /// Closed, cleanly (`error == nil`) or by an error.
        case closed(error: TLSError?)
    }

    private enum Handshake {
        case client(ClientHandshake)
        case server(ServerHandshake)
    }

    /// The context this connection was made from.
    public let context: TLSContext
    /// The context's configuration when this connection was made (a later
    /// `TLSContext.reloadIdentity(chain:key:)` does not change it).
    private let shared: SharedConfiguration
    private var configuration: TLSConfiguration { _read { yield shared.value } }
    /// Where the connection stands.
    public private(set) var state: State = .handshaking
    /// What the handshake agreed on, once it completed.
    public private(set) var negotiated: NegotiatedParameters?

    /// The session this connection uses (`SSL_get_session`, S8): nil until the handshake
    /// completes, whatever was offered (`offer(_:)` is read back as `offeredSession`). On a client, the latest session from a NewSessionTicket, else the resumed
    /// session, else the connection's own session, which is not resumable until a ticket
    /// arrives (S9, S10). On a server, the latest ticket's session sent, else the resumed or
    /// the connection's own session (S10). It is a strong reference (S2): OpenSSL's
    /// `SSL_get0_session` and `SSL_get1_session` are both this property.
    public private(set) var session: TLSSession?

    /// Whether the handshake resumed a session (`SSL_session_reused`, S11). A declined offer
    /// is a full handshake, not an error.
    public var sessionReused: Bool { negotiated?.isResumed ?? false }

    /// The session a client offers for resumption, as given to `offer(_:)` (`SSL_set_session`,
    /// S11); nil on a server and when nothing was offered.
    public private(set) var offeredSession: TLSSession?

    private var handshake: Handshake
    private var recordLayer = ConnectionRecordLayer()
    private var reassembler: HandshakeReassembler
    /// Events not yet taken, from `nextEventIndex` on: taking one is O(1) (security review L2).
    private var events: [TLSEvent] = []
    private var nextEventIndex = 0
    /// Consecutive records that carried nothing (empty application data, warning alerts):
    /// a peer may not send more than `maximumUselessRecords` in a row (security review L2).
    private var uselessRecords = 0
    /// KeyUpdates received since the peer last sent application data (security review L1).
    private var keyUpdatesWithoutData = 0
    /// A KeyUpdate answering the peer's request was sent during the current `receive`: later
    /// requests in the same flight are answered by that one (RFC 8446 §4.6.3).
    private var answeredKeyUpdateInThisFlight = false
    /// The peer's ChangeCipherSpec arrived (at most one is allowed, security review L3).
    private var receivedChangeCipherSpec = false
    private var pendingWork: TLSPendingWork?
    private var awaitingWork = false
    private var started = false
    /// Client: early data waiting for its keys (`startHandshake(earlyData:)`).
    private var pendingEarlyData: [UInt8]?
    /// Server: how much more accepted early data may arrive; nil when none is expected.
    private var earlyDataRemaining: Int?
    /// Server: what its handshake asks about offered sessions and tickets, and whether the
    /// application lets this connection accept early data (S29); nil for a client.
    private let sessionSource: ConnectionSessionSource?
    private var sentCloseNotify = false
    private var receivedCloseNotify = false
    /// The peer's Finished arrived: from now on a ChangeCipherSpec record is an error.
    private var peerFinished = false

    init(context: TLSContext) {
        self.context = context
        let configuration = context.sharedConfiguration
        self.shared = configuration
        switch configuration.value.role {
        case .client:
            sessionSource = nil
            handshake = .client(ClientHandshake(configuration: configuration, contextID: context.contextID))
        case .server:
            // Sessions the offered tickets and IDs stand for, resolved by the server handshake's
            // first step (`OfferedSessionResolver`) and read by its state machine.
            let prefetched = PrefetchedSessions()
            let source = ConnectionSessionSource(prefetched: prefetched, authority: context.ticketAuthority)
            sessionSource = source
            handshake = .server(ServerHandshake(
                configuration: configuration,
                resolver: OfferedSessionResolver(shared: configuration, authority: context.ticketAuthority,
                                                 cache: context.sessionCache, prefetched: prefetched,
                                                 earlyDataReplay: context.earlyDataReplay),
                sessions: source, contextID: context.contextID, earlyDataReplay: context.earlyDataReplay))
        }
        reassembler = HandshakeReassembler(maxMessageLength: configuration.value.maxHandshakeMessageLength)
    }

    /// Whether this is the client side.
    public var isClient: Bool { configuration.role == .client }

    /// The peer's address, for the get callback (`SessionLookupRequest.peerAddress`, S21) and
    /// the application: a sans-I/O connection does not know it, so its driver sets it (the NIO
    /// handler does, from the channel's remote address).
    public var peerAddress: String? {
        didSet {
            if case .server(let server) = handshake { server.peerAddress = peerAddress }
        }
    }

    // MARK: Driving

    /// Starts the handshake: a client queues its ClientHello (`SSL_connect`); a server waits
    /// for one (`SSL_accept`). Calling it again does nothing.
    public func startHandshake() throws {
        try startHandshake(earlyData: nil)
    }

    /// Client: starts the handshake offering `earlyData` as 0-RTT data (S29, RFC 8446 §4.2.10)
    /// with the offered session (`offer(_:)`). It goes out right after the ClientHello if the
    /// session allows it (a ticket that allows early data, at least `earlyData.count` bytes, and
    /// the same ALPN); the events then say `.earlyDataAccepted` or `.earlyDataRejected`, and after
    /// a rejection the application may write it again as ordinary data once the handshake
    /// completes. Early data can be replayed by an attacker: send only what is safe to repeat.
    public func startHandshake(earlyData: [UInt8]) throws {
        guard case .client = handshake else { throw TLSError.invalidState("only a client sends early data") }
        try startHandshake(earlyData: Optional(earlyData))
    }

    /// Server: whether this connection may accept early data (S29); set before the ClientHello
    /// arrives. True by default, which takes effect only with `TLSConfiguration.earlyData`;
    /// false declines it for this connection (it is skipped, and the handshake goes on in 1-RTT).
    /// A client connection ignores it.
    public var acceptsEarlyData: Bool {
        get { sessionSource?.earlyDataAllowed ?? true }
        set { sessionSource?.earlyDataAllowed = newValue }
    }

    private func startHandshake(earlyData: [UInt8]?) throws {
        guard !started else { return }
        pendingEarlyData = earlyData
        guard case .client(let client) = handshake else {
            started = true
            return
        }
        // Refused before anything is sent, and without closing: the caller can name the server.
        try configuration.validateServerIdentity(serverName: serverName)
        started = true
        context.sessionCache.recordConnect()
        let now = context.clock.now()
        // RFC 8446 §4.6.1 (security review M4): a session made for another server name is offered
        // only if its certificate covers ours, which takes swift-certificates' async policies.
        if let session = offeredSession, let name = serverName,
           ClientHandshake13.whyNotOffered(session, configuration: client.configuration, now: now) == .serverName,
           let leaf = session.peerCertificates.first {
            awaitingOfferedSessionCheck = true
            awaitingWork = true
            pendingWork = TLSPendingWork(offeredSessionLeaf: leaf, serverName: name, time: now)
            return
        }
        try sendClientHello(client, certificateCoversServerName: false)
    }

    /// Queues the first ClientHello.
    private func sendClientHello(_ client: ClientHandshake, certificateCoversServerName: Bool) throws {
        try guarded {
            // The first ClientHello's record says 0x0301 for old middleboxes (RFC 8446 §5.1).
            recordLayer.plaintextRecordVersion = .tls10
            let actions = try client.start(offering: offeredSession, now: context.clock.now(),
                                           certificateCoversServerName: certificateCoversServerName,
                                           earlyDataLength: pendingEarlyData?.count)
            try apply(actions)
            try recordLayer.flushHandshake()
            recordLayer.plaintextRecordVersion = .tls12
        }
    }

    /// The client waits for the check of its offered session's certificate before its ClientHello.
    private var awaitingOfferedSessionCheck = false

    /// The name a client sends as SNI and checks the server's certificate against: the one given
    /// to `setServerName(_:)`, else the configuration's `serverName`.
    public var serverName: String? { serverNameOverride ?? configuration.serverName }
    private var serverNameOverride: String?

    /// Names the server this client connection is for, overriding the configuration's
    /// `serverName`: sent as SNI (unless it is an IP address literal) and checked against the
    /// server's certificate (OpenSSL's `SSL_set_tlsext_host_name` with `SSL_set1_host`). Only
    /// on a client, only before the handshake starts; throws `invalidState` for a name that
    /// cannot be sent (1...255 printable ASCII characters).
    public func setServerName(_ name: String) throws {
        guard isClient else { throw TLSError.invalidState("only a client names the server") }
        guard !started else { throw TLSError.invalidState("the server name must be set before the handshake starts") }
        try TLSConfiguration.validateServerName(name)
        serverNameOverride = name
        var configuration = self.configuration
        configuration.serverName = name
        handshake = .client(ClientHandshake(configuration: SharedConfiguration(configuration), contextID: context.contextID))
    }

    /// Offers `session` for resumption (`SSL_set_session`, S11): only on a client, only before
    /// the handshake starts; throws `invalidState` otherwise. A second call replaces the first
    /// offer and releases it (S12); nil withdraws the offer. A session that cannot be resumed
    /// here (expired, marked not resumable, another context or hash, see
    /// `ResumptionDeclineReason`) is simply not offered, and the handshake is a full one.
    ///
    /// Unlike OpenSSL, where `SSL_set_session(s, x)` makes `SSL_get_session(s)` return `x` at
    /// once, the offer is read back as `offeredSession`; `session` stays nil until the
    /// handshake completes and then names the session actually used.
    public func offer(_ session: TLSSession?) throws {
        guard isClient else { throw TLSError.invalidState("only a client offers a session") }
        guard !started else { throw TLSError.invalidState("the session must be set before the handshake starts") }
        offeredSession = session
    }

    /// `SSL_set_session`'s old Swift name.
    @available(*, deprecated, renamed: "offer(_:)")
    public func setSession(_ session: TLSSession?) throws {
        try offer(session)
    }

    /// Connects this client connection to the context's `clientSessionStore` under `key`
    /// (server name, port, ALPN): it offers the newest usable session filed there (handing it
    /// out once, S14) and files each session its tickets create (S28). Call before the
    /// handshake starts.
    public func useClientSessionStore(key: ClientSessionKey) throws {
        guard let store = configuration.clientSessionStore else {
            throw TLSError.invalidState("the context has no client session store")
        }
        clientStoreKey = key
        if offeredSession == nil, let stored = store.take(for: key, now: context.clock.now()) {
            try offer(stored)
        }
    }

    private var clientStoreKey: ClientSessionKey?

    /// Processes bytes received from the peer. Events and bytes to send become available
    /// through `nextEvent()` and `takeOutput()`. Throws the error that closed the connection.
    public func receive<C: Collection>(_ bytes: C) throws where C.Element == UInt8 {
        switch state {
        case .closed(let error): throw error ?? TLSError.closed
        default: break
        }
        if receivedCloseNotify { return } // RFC 8446 §6.1: data after close_notify is ignored
        try startHandshake()
        // Security review M2: while pending work runs nothing is consumed, so a peer could make
        // us buffer without bound. A legitimate peer sends at most one flight meanwhile.
        if awaitingWork, recordLayer.bufferedByteCount + bytes.count > bufferLimitWhileAwaitingWork {
            try guarded {
                throw TLSError.unexpectedMessage(
                    "peer sent over \(bufferLimitWhileAwaitingWork) bytes while the handshake awaited \(awaitedWorkDescription)")
            }
        }
        recordLayer.append(bytes)
        answeredKeyUpdateInThisFlight = false
        try guarded { try processRecords() }
    }

    /// Whether the peer sent close_notify: it sends nothing more, and we may still write.
    public var peerClosedWriting: Bool { receivedCloseNotify }

    /// Encrypts and queues application data (`SSL_write`). Only once the handshake completed;
    /// also after the peer's close_notify, until ours is sent.
    public func write<C: RandomAccessCollection>(_ data: C) throws where C.Element == UInt8, C.Index == Int {
        guard state == .established else {
            throw TLSError.invalidState("application data can be written only on an established connection")
        }
        guard !sentCloseNotify else { throw TLSError.invalidState("write after close_notify") }
        try guarded {
            // RFC 8446 §5.5 (security review L8): new keys long before the AEAD's limits.
            if recordLayer.writeSecret != nil, let sent = recordLayer.writeProtection?.sequenceNumber, sent >= automaticKeyUpdateRecordCount {
                try sendKeyUpdate(request: .updateNotRequested)
            }
            try recordLayer.writeApplicationData(data)
        }
    }

    /// Records sealed under one key before the next write first updates the keys: 2^23, half
    /// of what RFC 8446 §5.5 allows AES-GCM (2^24.5 full records). Lowered by tests.
    var automaticKeyUpdateRecordCount: UInt64 = 1 << 23

    /// Sends close_notify (`SSL_shutdown`). The connection is closed once the peer's
    /// close_notify arrives too, or at once if it already did.
    ///
    /// A close_notify from the peer ends only its side (RFC 8446 §6.1, TLS 1.3's half-close):
    /// the connection stays established for our writes until we call `close()`.
    public func close() throws {
        guard !sentCloseNotify else { return }
        if case .closed = state { return }
        sentCloseNotify = true
        try guarded { try recordLayer.writeAlert(.closeNotify) }
        if receivedCloseNotify { state = .closed(error: nil) }
    }

    /// Updates our sending keys (RFC 8446 §4.6.3), asking the peer to update its own too if
    /// `requestPeerUpdate` (`SSL_key_update`).
    public func updateKeys(requestPeerUpdate: Bool) throws {
        guard state == .established else { throw TLSError.invalidState("KeyUpdate needs an established connection") }
        try guarded { try sendKeyUpdate(request: requestPeerUpdate ? .updateRequested : .updateNotRequested) }
    }

    /// The bytes to send to the peer, in order; empties the internal buffer.
    public func takeOutput() -> [UInt8] {
        recordLayer.takeOutput()
    }

    /// Queues an event; an empty queue gets room for a handshake's few events at once.
    private func appendEvent(_ event: TLSEvent) {
        if events.capacity == 0 { events.reserveCapacity(4) }
        events.append(event)
    }

    /// The next event, in the order they happened.
    public func nextEvent() -> TLSEvent? {
        guard nextEventIndex < events.count else { return nil }
        let event = events[nextEventIndex]
        nextEventIndex += 1
        if nextEventIndex == events.count {
            events.removeAll(keepingCapacity: state == .handshaking)
            nextEventIndex = 0
        }
        return event
    }

    /// Work the connection needs done asynchronously before it can go on (verifying the peer's
    /// chain). Take it once, run it, then call `completePendingWork(_:)`.
    public func takePendingWork() -> TLSPendingWork? {
        defer { pendingWork = nil }
        return pendingWork
    }

    /// Whether the connection is waiting for `completePendingWork(_:)`.
    public var isAwaitingPendingWork: Bool { awaitingWork }

    /// The most bytes kept unread while pending work runs: one handshake message at our limit
    /// plus two maximal records (RFC 8446 §5.2), enough for any one flight.
    public var bufferLimitWhileAwaitingWork: Int {
        configuration.maxHandshakeMessageLength + 2 * (RecordLimits.headerLength + RecordLimits.maxCiphertextLength)
    }

    private var awaitedWorkDescription: String {
        if awaitingOfferedSessionCheck { return "the offered session's name check" }
        if case .server(let server) = handshake, server.isWaitingForLookup { return "a session lookup" }
        return "certificate chain verification"
    }

    /// Feeds back the result of a `TLSPendingWork` and goes on with buffered records. On a
    /// connection that closed meanwhile (an error, `transportClosed()`) it does nothing: the
    /// result comes too late to matter (security review L12).
    public func completePendingWork(_ result: Result<Void, TLSError>) throws {
        if case .closed = state {
            awaitingWork = false
            return
        }
        guard awaitingWork else { throw TLSError.invalidState("no pending work") }
        awaitingWork = false
        if awaitingOfferedSessionCheck, case .client(let client) = handshake {
            awaitingOfferedSessionCheck = false
            // A failed check is no error: the session is simply not offered (reason server_name).
            try sendClientHello(client, certificateCoversServerName: (try? result.get()) != nil)
            return
        }
        try guarded {
            if case .server(let server) = handshake, server.isWaitingForLookup {
                // A failed or slow store is a miss, never a failed connection (S23).
                try apply(try server.sessionsLookedUp(now: context.clock.now()))
                while !awaitingWork, let message = try reassembler.nextMessage() {
                    try handleHandshakeMessage(message)
                }
                try processRecords()
                return
            }
            try result.get()
            try apply(try machine.peerChainVerified())
            try processRecords()
        }
    }

    // MARK: Internals

    /// Runs `body`; a TLS error there sends its alert and closes the connection.
    private func guarded(_ body: () throws -> Void) throws {
        do {
            try body()
            try recordLayer.flushHandshake()
        } catch let error as TLSError {
            fail(error)
            throw error
        } catch {
            let wrapped = TLSError.internalError("\(error)")
            fail(wrapped)
            throw wrapped
        }
    }

    private func fail(_ error: TLSError) {
        if case .closed = state { return }
        if let alert = error.alertToSend, !sentCloseNotify {
            try? recordLayer.writeAlert(.fatal(alert))
        }
        let wasHandshaking = isHandshaking
        state = .closed(error: error)
        invalidateSession(handshakeFailed: wasHandshaking)
        if wasHandshaking, let logger = configuration.logger {
            var metadata = logMetadata
            metadata["error"] = "\(error)"
            logger.debug("handshake failed", metadata: metadata)
        }
    }

    /// The role and SNI name, for log lines.
    private var logMetadata: Logger.Metadata {
        var metadata: Logger.Metadata = ["role": "\(configuration.role)"]
        if let name = negotiated?.serverName ?? serverName { metadata["sni"] = "\(name)" }
        return metadata
    }

    /// S13: a session whose connection ended uncleanly is marked not resumable and leaves the
    /// cache: the connection's session, or, when a handshake fails, the session it was
    /// resuming (OpenSSL poisons `s->session`, which is then the offered one).
    private func invalidateSession(handshakeFailed: Bool = false) {
        var target = session
        if target == nil, handshakeFailed { target = isClient ? offeredSession : resumedSession }
        guard let target, target.isResumable else { return }
        context.sessionInvalidated(target)
    }

    /// Tells the connection its transport ended (TCP EOF or reset), for drivers to call.
    ///
    /// During the handshake this is an error. After a completed handshake without the peer's
    /// close_notify, the session is **kept** resumable by default: a deliberate deviation from
    /// OpenSSL (which poisons it, openssl#11378), because RFC 8446 §6.1 makes close_notify
    /// protect against truncation of application data, which says nothing against the
    /// session's secrets, and many peers simply close TCP after a response.
    /// `TLSConfiguration.uncleanTransportClose = .invalidateSession` follows OpenSSL (S13).
    public func transportClosed() {
        switch state {
        case .closed:
            return
        case .handshaking:
            state = .closed(error: .protocolViolation(alert: .handshakeFailure, reason: .transportClosed))
        case .established:
            state = .closed(error: receivedCloseNotify ? nil : .closed)
            if !receivedCloseNotify, configuration.uncleanTransportClose == .invalidateSession {
                invalidateSession()
            }
        }
    }

    /// Releasing a connection after a completed handshake without `close()` is OpenSSL's
    /// `SSL_free` without `SSL_shutdown`: the session is marked not resumable and leaves the
    /// cache (S13; the remove callback hears `.uncleanShutdown`). Unlike OpenSSL, a connection
    /// whose peer already sent close_notify ended cleanly (nothing can have been truncated), and
    /// one whose transport ended is judged by `transportClosed()` instead.
    deinit {
        if state == .established, !sentCloseNotify, !receivedCloseNotify { invalidateSession() }
    }

    private var isHandshaking: Bool { state == .handshaking }

    /// Whether the handshake state machine still holds secrets other than the resumption
    /// master secret (security review L7; for tests).
    var holdsHandshakeSecrets: Bool {
        machine.holdsHandshakeSecrets
    }

    /// The handshake, whichever side: the version-neutral contract.
    private var machine: any HandshakeStateMachine {
        switch handshake {
        case .client(let client): return client
        case .server(let server): return server
        }
    }

    private func processRecords() throws {
        while !awaitingWork, !receivedCloseNotify, let record = try recordLayer.nextRecord() {
            // RFC 8446 §5.1: nothing may come between the fragments of a handshake message (L3).
            if record.contentType != .handshake, reassembler.hasPartialMessage {
                throw TLSError.unexpectedMessage("\(record.contentType) record between the fragments of a handshake message")
            }
            switch record.contentType {
            case .changeCipherSpec where negotiatedVersion == .tls12:
                // TLS 1.2: the peer's next records are protected (RFC 5246 §7.1).
                guard isHandshaking else { throw TLSError.unexpectedMessage("change_cipher_spec after the handshake") }
                try ChangeCipherSpec.validate(record.content)
                try apply(try machine.handleChangeCipherSpec())
            case .changeCipherSpec:
                // Dropped during the handshake, after the first ClientHello (RFC 8446 §5); only
                // one, as OpenSSL and NSS allow (L3).
                guard isHandshaking, !peerFinished, started, !serverAwaitsFirstClientHello else {
                    throw TLSError.unexpectedMessage("change_cipher_spec outside the handshake")
                }
                guard !receivedChangeCipherSpec else {
                    throw TLSError.unexpectedMessage("a second change_cipher_spec")
                }
                receivedChangeCipherSpec = true
                try ChangeCipherSpec.validate(record.content)
            case .alert:
                guard record.wasProtected || isHandshaking else {
                    throw TLSError.unexpectedMessage("unprotected alert after the handshake")
                }
                try handleAlert(try Alert(parsing: record.content))
            case .handshake:
                guard record.wasProtected || recordLayer.readProtection == nil else {
                    throw TLSError.unexpectedMessage("unprotected handshake record after keys changed")
                }
                uselessRecords = 0
                reassembler.append(record.content)
                while !awaitingWork, let message = try reassembler.nextMessage() {
                    try handleHandshakeMessage(message)
                }
            case .applicationData where isHandshaking && record.wasProtected && earlyDataRemaining != nil:
                // Accepted 0-RTT data (S29), within max_early_data_size (RFC 8446 §4.2.10).
                let remaining = earlyDataRemaining ?? 0
                guard record.content.count <= remaining else {
                    throw TLSError.protocolViolation(alert: .unexpectedMessage, reason: .tooMuchEarlyData(limit: remaining))
                }
                earlyDataRemaining = remaining - record.content.count
                if !record.content.isEmpty { appendEvent(.earlyData(Array(record.content))) }
            case .applicationData:
                guard record.wasProtected, state == .established else {
                    throw TLSError.unexpectedMessage("application data before the handshake completed")
                }
                guard !record.content.isEmpty else {
                    try countUselessRecord("empty application data records")
                    continue
                }
                uselessRecords = 0
                keyUpdatesWithoutData = 0
                appendEvent(.applicationData(Array(record.content)))
            }
        }
    }

    /// The most records in a row that carry nothing (BoringSSL allows 32 empty records).
    static let maximumUselessRecords = 32
    /// The most KeyUpdates a peer may send without application data in between (BoringSSL's
    /// and rustls' limit).
    static let maximumKeyUpdatesWithoutData = 32

    private func countUselessRecord(_ what: String) throws {
        uselessRecords += 1
        guard uselessRecords <= Self.maximumUselessRecords else {
            throw TLSError.unexpectedMessage("more than \(Self.maximumUselessRecords) \(what) in a row")
        }
    }

    private var peerSentRecordSizeLimit: Bool {
        machine.peerSentRecordSizeLimit
    }

    /// The version the handshake negotiated (a server knows it from the ClientHello on).
    private var negotiatedVersion: ProtocolVersion? {
        negotiated?.version ?? machine.negotiatedVersion ?? (isClient ? .tls13 : nil)
    }

    private var serverAwaitsFirstClientHello: Bool {
        if case .server(let server) = handshake { return server.awaitingFirstClientHello }
        return false
    }

    private func handleAlert(_ alert: Alert) throws {
        switch alert.description {
        case .closeNotify:
            receivedCloseNotify = true
            appendEvent(.closeNotifyReceived)
            if isHandshaking {
                state = .closed(error: TLSError.peerAlert(.closeNotify))
            } else if sentCloseNotify {
                state = .closed(error: nil)
            }
            // RFC 8446 §6.1 (security review L9): the peer's close_notify closes only its
            // side. We may go on writing; `close()` sends ours and closes the connection.
        case .userCanceled:
            try countUselessRecord("user_canceled alerts")   // followed by close_notify (RFC 8446 §6.1)
        case _ where alert.level == .warning && negotiatedVersion == .tls12:
            try countUselessRecord("warning alerts")   // RFC 5246 §7.2: a warning does not end a TLS 1.2 connection
        default:
            let error = TLSError.peerAlert(alert.description)
            let wasHandshaking = isHandshaking
            state = .closed(error: error)
            invalidateSession(handshakeFailed: wasHandshaking)
            throw error
        }
    }

    private func handleHandshakeMessage(_ raw: RawHandshakeMessage) throws {
        let message = try HandshakeMessage(parsingMessage: raw.bytes, context: machine.parsingContext)
        if isHandshaking, case .clientHello = message, !isClient, serverAwaitsFirstClientHello {
            context.sessionCache.recordAccept()
        }
        if isHandshaking {
            if message.type == .finished { peerFinished = true }
            try apply(try machine.handle(message, raw: raw.bytes, now: context.clock.now()))
            return
        }
        switch message {
        case .clientHello where !isClient && negotiatedVersion == .tls12:
            // RFC 5746 §4.4: we never renegotiate (BoringSSL's answer: a fatal no_renegotiation).
            throw TLSError.protocolViolation(alert: .noRenegotiation, reason: .renegotiationRefused)
        case .tls12HelloRequest where isClient:
            throw TLSError.protocolViolation(alert: .noRenegotiation, reason: .renegotiationRefused)
        case .keyUpdate(let update):
            try handlePeerKeyUpdate(update)
        case .newSessionTicket(let ticket) where isClient:
            guard case .client(let client) = handshake, let negotiated else {
                throw TLSError.unexpectedMessage("NewSessionTicket before the handshake completed")
            }
            recordNewSession(try client.session(from: ticket, now: context.clock.now(), contextID: context.contextID, negotiated: negotiated))
        default:
            throw TLSError.unexpectedMessage("\(message.type) after the handshake")
        }
    }

    private func apply(_ actions: [HandshakeAction]) throws {
        for action in actions {
            switch action {
            case .send(let bytes):
                recordLayer.queueHandshake(bytes)
            case .sendChangeCipherSpec:
                try recordLayer.writeChangeCipherSpec()
            case .setReadKeys(let secret):
                guard !reassembler.hasPartialMessage else {
                    throw TLSError.unexpectedMessage("handshake message spans a key change")
                }
                recordLayer.setReadKeys(secret)
            case .setWriteKeys(let secret):
                try recordLayer.setWriteKeys(secret)
            case .lookUpSessions(let work):
                awaitingWork = true
                pendingWork = work
            case .verifyPeerChain(let check):
                awaitingWork = true
                pendingWork = TLSPendingWork(
                    check: check,
                    verification: configuration.certificateVerification,
                    validationTime: context.clock.now())
            case .newSession(let made):
                recordNewSession(made)
            case .skipEarlyData(let mode, let limit):
                recordLayer.skipEarlyData(mode, upTo: limit)
            case .acceptEarlyData(let limit):
                earlyDataRemaining = limit
            case .earlyDataEnded:
                earlyDataRemaining = nil
            case .sendEarlyData:
                if let data = pendingEarlyData, !data.isEmpty { try recordLayer.writeApplicationData(data) }
                pendingEarlyData = nil
            case .dropWriteKeys:
                try recordLayer.dropWriteKeys()
            case .earlyDataAnswered(let accepted):
                pendingEarlyData = nil
                appendEvent(accepted ? .earlyDataAccepted : .earlyDataRejected)
            case .completed(let parameters):
                negotiated = parameters
                // RFC 8449 §4: in TLS 1.3 the limit counts the inner content type byte.
                let typeByte = parameters.version == .tls13 ? 1 : 0
                recordLayer.maxSendFragment = min(RecordLimits.maxPlaintextLength, parameters.peerRecordSizeLimit - typeByte)
                // Our record_size_limit binds the peer only if it sent the extension too (RFC 8449 §4).
                if let limit = configuration.recordSizeLimit, peerSentRecordSizeLimit {
                    recordLayer.maxReceiveFragment = min(RecordLimits.maxPlaintextLength, limit - typeByte)
                }
                state = .established
                // Post-handshake messages are rare: an idle connection keeps no empty buffers.
                recordLayer.releaseIdleBuffers()
                if case .server(let server) = handshake { server.handshakeCompleted() }
                // TLS 1.2 made its session during the handshake (S9); TLS 1.3's come with tickets.
                if session == nil {
                    session = resumedSession ?? ownSession(parameters)
                    // A TLS 1.2 session that resumed without a new ticket may resume again (its
                    // ID or ticket stays valid): the client store gets it back (S28).
                    if isClient, parameters.version == .tls12, let resumed = resumedSession, let key = clientStoreKey {
                        configuration.clientSessionStore?.insert(resumed, for: key)
                    }
                }
                recordCompletion(parameters)
                if let logger = configuration.logger {
                    logger.debug("handshake completed", metadata: logMetadata.merging(parameters.resumption.logMetadata) { $1 })
                }
                appendEvent(.handshakeCompleted(parameters))
            }
        }
    }

    /// S30: connect_good / accept_good, and hits and misses where the cache did not count them.
    private func recordCompletion(_ parameters: NegotiatedParameters) {
        let cache = context.sessionCache
        switch handshake {
        case .client:
            cache.recordConnectGood()
            if parameters.isResumed { cache.recordClientHit() }
        case .server(let server):
            cache.recordAcceptGood()
            if configuration.ticketMode == .stateless, server.clientOfferedTicket {
                if parameters.isResumed { cache.counters.recordHit() } else { cache.counters.recordMiss() }
            }
        }
    }

    private var resumedSession: TLSSession? {
        machine.resumedSession
    }

    /// The connection's own session after a full handshake: its parameters, no resumption
    /// secret yet, so not resumable (S9).
    private func ownSession(_ parameters: NegotiatedParameters) -> TLSSession {
        TLSSession(
            protocolVersion: parameters.version, cipherSuite: parameters.cipherSuite, secret: [],
            creationTime: context.clock.now(), timeout: configuration.sessionTimeout,
            serverName: parameters.serverName, applicationProtocol: parameters.applicationProtocol,
            sessionIDContext: isClient ? configuration.sessionIDContext : configuration.effectiveSessionIDContext,
            peerCertificates: parameters.peerCertificates, group: parameters.group, contextID: context.contextID)
    }

    /// The one place a new session is decided, whatever version or ticket mode made it: it
    /// becomes the connection's session (S8, S10), a client files it in its store (S28), the
    /// session cache, external store and new-session callback learn of it per the mode (S15,
    /// S19; `TLSContext.sessionEstablished`), and the application gets a `.newSession` event.
    private func recordNewSession(_ made: TLSSession) {
        session = made
        if isClient, let key = clientStoreKey { configuration.clientSessionStore?.insert(made, for: key) }
        context.sessionEstablished(made, on: self)
        appendEvent(.newSession(made))
    }

    private func handlePeerKeyUpdate(_ update: KeyUpdate) throws {
        guard !reassembler.hasPartialMessage, let secret = recordLayer.readSecret else {
            throw TLSError.unexpectedMessage("KeyUpdate not at a record boundary")
        }
        keyUpdatesWithoutData += 1
        guard keyUpdatesWithoutData <= Self.maximumKeyUpdatesWithoutData else {
            throw TLSError.unexpectedMessage("more than \(Self.maximumKeyUpdatesWithoutData) KeyUpdates without application data")
        }
        recordLayer.setReadKeys(.tls13(secret.next()))
        appendEvent(.peerKeyUpdated)
        // RFC 8446 §4.6.3: several requests while we are silent get a single update (L1).
        if update.request == .updateRequested && !sentCloseNotify && !answeredKeyUpdateInThisFlight {
            answeredKeyUpdateInThisFlight = true
            try sendKeyUpdate(request: .updateNotRequested)
        }
    }

    private func sendKeyUpdate(request: KeyUpdate.Request) throws {
        guard let secret = recordLayer.writeSecret else { throw TLSError.internalError("no write keys") }
        recordLayer.queueHandshake(try HandshakeMessage.keyUpdate(KeyUpdate(request: request)).encode())
        try recordLayer.setWriteKeys(.tls13(secret.next()))
    }
}
