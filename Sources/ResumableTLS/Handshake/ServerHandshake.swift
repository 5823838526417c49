import Foundation

/// The server's handshake: waits for the first ClientHello, negotiates the version (RFC 8446
/// §4.2.1, RFC 5246 §7.4.1.2 / Appendix E) and from then on hands every message to the state
/// machine of that version.
final class ServerHandshake {   // a class: the connection's state machine mutates in place, no copy per message
    private enum Machine {
        case awaitingClientHello
        case tls13(ServerHandshake13)
        case tls12(ServerHandshake12)
    }

    private var machine = Machine.awaitingClientHello
    private let shared: SharedConfiguration
    /// The configuration, read through the context's shared copy (no copy per connection).
    private var configuration: TLSConfiguration { _read { yield shared.value } }
    /// What the state machine of either version asks about offered sessions and tickets.
    private let sessions: any ServerSessionSource
    private let contextID: UUID
    private let earlyDataReplay: EarlyDataReplayProtection
    /// Resolves the sessions each ClientHello offers before the state machine reads them; nil
    /// for a server that resumes nothing (the hostile tests' scripted server), and once the
    /// handshake completed.
    private var resolver: OfferedSessionResolver?
    /// A ClientHello waiting for its sessions' asynchronous lookup.
    private var waitingForLookup: (message: HandshakeMessage, raw: ArraySlice<UInt8>)?

    /// A server handshake of the context `contextID`; `resolver` (nil: resume nothing) fills
    /// what `sessions` answers before the state machine reads it.
    init(configuration: SharedConfiguration, resolver: OfferedSessionResolver?, sessions: any ServerSessionSource,
         contextID: UUID, earlyDataReplay: EarlyDataReplayProtection = .singleUseTickets) {
        self.shared = configuration
        self.resolver = resolver
        self.sessions = sessions
        self.contextID = contextID
        self.earlyDataReplay = earlyDataReplay
    }

    /// The version a ClientHello negotiates with `configuration`: the highest both allow, from
    /// supported_versions if the client sent it, else from legacy_version (TLS 1.2 clients).
    /// Throws `protocol_version` when there is none.
    static func negotiateVersion(_ hello: ClientHello, configuration: TLSConfiguration) throws -> ProtocolVersion {
        try negotiateVersion(hello, allowing: configuration.minimumVersion...configuration.maximumVersion)
    }

    /// `negotiateVersion(_:configuration:)` with the configuration's version range only: the
    /// per-ClientHello callers pass two values rather than have the whole configuration (about
    /// 1 KB with some 20 references) copied to call it.
    static func negotiateVersion(_ hello: ClientHello, allowing allowed: ClosedRange<ProtocolVersion>) throws -> ProtocolVersion {
        // RFC 8446 §D.5: a legacy_version of SSL 3.0 or lower MUST abort (security review L14).
        guard hello.legacyVersion.rawValue > 0x0300 else {
            throw TLSError.protocolViolation(alert: .protocolVersion, reason: .noCommonVersion("ClientHello legacy_version \(hello.legacyVersion) is SSL 3.0 or older"))
        }
        if case .supportedVersionsClientHello(let versions)? = hello.extensions[.supportedVersions] {
            if allowed.contains(.tls13), versions.contains(.tls13) { return .tls13 }
            if allowed.contains(.tls12), versions.contains(.tls12) { return .tls12 }
            throw TLSError.protocolViolation(alert: .protocolVersion, reason: .noCommonVersion("client offers none of TLS \(allowed.lowerBound)...\(allowed.upperBound)"))
        }
        if allowed.contains(.tls12), hello.legacyVersion >= .tls12 { return .tls12 }
        throw TLSError.protocolViolation(alert: .protocolVersion, reason: .noCommonVersion("client offers only TLS \(hello.legacyVersion), not TLS 1.3 or TLS 1.2"))
    }

    /// The version chosen, once the first ClientHello arrived.
    var negotiatedVersion: ProtocolVersion? {
        switch machine {
        case .awaitingClientHello: return nil
        case .tls13: return .tls13
        case .tls12: return .tls12
        }
    }

    func handle(_ message: HandshakeMessage, raw: ArraySlice<UInt8>, now: Date) throws -> [HandshakeAction] {
        // Step one of every ClientHello (a second one after a HelloRetryRequest too): what its
        // sessions stand for, waiting for the asynchronous stores if needed.
        if case .clientHello(let hello) = message, let resolver, let lookups = try resolver.resolve(hello, peerAddress: peerAddress, now: now) {
            waitingForLookup = (message, raw)
            return [.lookUpSessions(lookups)]
        }
        return try dispatch(message, raw: raw, now: now)
    }

    /// The peer's address, as the connection's driver gave it, for the get callback (S21).
    var peerAddress: String?

    /// Continues with the ClientHello that waited for its lookups.
    func sessionsLookedUp(now: Date) throws -> [HandshakeAction] {
        guard let (message, raw) = waitingForLookup else { throw TLSError.invalidState("no session lookup pending") }
        waitingForLookup = nil
        resolver?.absorbLookups()
        return try dispatch(message, raw: raw, now: now)
    }

    /// Whether a ClientHello waits for a session lookup.
    var isWaitingForLookup: Bool { waitingForLookup != nil }

    /// The handshake completed: what only ClientHellos needed is let go.
    func handshakeCompleted() {
        resolver = nil
        waitingForLookup = nil
    }

    private func dispatch(_ message: HandshakeMessage, raw: ArraySlice<UInt8>, now: Date) throws -> [HandshakeAction] {
        switch machine {
        case .awaitingClientHello:
            guard case .clientHello(let hello) = message else {
                throw TLSError.unexpectedMessage("\(message.type) before ClientHello")
            }
            let version = try Self.negotiateVersion(hello, allowing: shared.value.minimumVersion...shared.value.maximumVersion)
            switch version {
            case .tls12:
                let server = ServerHandshake12(configuration: shared, contextID: contextID, sessions: sessions)
                machine = .tls12(server)
                return try server.handle(message, raw: raw, now: now)
            default:
                let server = ServerHandshake13(configuration: shared, contextID: contextID, sessions: sessions,
                                               earlyDataReplay: earlyDataReplay)
                machine = .tls13(server)
                return try server.handle(message, raw: raw, now: now)
            }
        case .tls13(let server):
            return try server.handle(message, raw: raw, now: now)
        case .tls12(let server):
            return try server.handle(message, raw: raw, now: now)
        }
    }

    /// TLS 1.2's ChangeCipherSpec (TLS 1.3's is dropped by the connection).
    func handleChangeCipherSpec() throws -> [HandshakeAction] {
        guard case .tls12(let server) = machine else {
            throw TLSError.unexpectedMessage("change_cipher_spec outside a TLS 1.2 handshake")
        }
        return try server.handleChangeCipherSpec()
    }

    func peerChainVerified() throws -> [HandshakeAction] {
        switch machine {
        case .awaitingClientHello: throw TLSError.invalidState("no verification pending")
        case .tls13(let server):
            return try server.peerChainVerified()
        case .tls12(let server):
            return try server.peerChainVerified()
        }
    }

    var parsingContext: HandshakeParsingContext {
        switch machine {
        case .awaitingClientHello: return .initial
        case .tls13(let server): return server.parsingContext
        case .tls12(let server): return server.parsingContext
        }
    }

    var holdsHandshakeSecrets: Bool {
        switch machine {
        case .awaitingClientHello: return false
        case .tls13(let server): return server.holdsHandshakeSecrets
        case .tls12(let server): return server.holdsHandshakeSecrets
        }
    }

    var peerSentRecordSizeLimit: Bool {
        switch machine {
        case .awaitingClientHello: return false
        case .tls13(let server): return server.peerSentRecordSizeLimit
        case .tls12(let server): return server.peerSentRecordSizeLimit
        }
    }

    /// Whether the next message is the first ClientHello (its record may carry version 0x0301).
    var awaitingFirstClientHello: Bool {
        switch machine {
        case .awaitingClientHello: return true
        case .tls13(let server): return server.awaitingFirstClientHello
        case .tls12: return false
        }
    }

    /// Whether the client offered a stateless ticket (TLS 1.3 PSK or TLS 1.2 ticket), for the
    /// hit / miss statistics the cache does not count itself (S30).
    var clientOfferedTicket: Bool {
        switch machine {
        case .awaitingClientHello: return false
        case .tls13(let server): return server.clientOfferedPSK
        case .tls12(let server): return server.clientOfferedTicket
        }
    }

    var resumedSession: TLSSession? {
        switch machine {
        case .awaitingClientHello: return nil
        case .tls13(let server): return server.resumedSession
        case .tls12(let server): return server.resumedSession
        }
    }
}
