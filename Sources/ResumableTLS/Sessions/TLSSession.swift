import Crypto
import Foundation
import Synchronization

/// A TLS session: everything needed to resume a connection without a full handshake
/// (OpenSSL's `SSL_SESSION`, S1).
///
/// **Immutable parameters (S1).** Every parameter is a `let`: a session never changes once
/// made. A new ticket makes a new session. The only mutable bit is whether the session may
/// still be resumed (S6, S13), an atomic flag that can only go from resumable to not.
///
/// **Lifetime is ARC (S2).** Holding a reference keeps the session alive; there is no
/// `SSL_SESSION_up_ref`/`SSL_SESSION_free`. OpenSSL's `SSL_get0_session` (borrowed) and
/// `SSL_get1_session` (owned) collapse into `TLSConnection.session`, which returns a strong
/// reference that stays valid for as long as the caller keeps it, whatever the connection or
/// a cache does afterwards.
///
/// **Copy (S3).** `copy()` is `SSL_SESSION_dup`: equal parameters, the original's resumable
/// flag at the time of the copy, and no link to any cache the original is in (caches hold
/// sessions by identity).
///
/// **Shared use (S4).** The class is `Sendable`: one session may back several connections on
/// several threads at once.
///
/// **One owner context (S5).** `contextID` names the `TLSContext` that made the session (or,
/// for a session read from a file or a shared store, the context it was imported for), and
/// `sessionIDContext` is OpenSSL's session-ID context. A server resumes a session from its get
/// callback or external store only if it carries the server context's `contextID`
/// (`copy(ownedBy:)` moves one explicitly); a stateless ticket is owned by the context whose
/// ticket keys open it. A server resumes a session only when its
/// session-ID context matches its own, the client's SNI equals `serverName`, and the cipher
/// suite's hash matches.
public final class TLSSession: Sendable, CustomStringConvertible {
    // Stored properties are laid out in declaration order, and these are ordered for it: what a
    // cache lookup reads (the inline session ID) shares the object's first cache line with the
    // reference count that handing the session out updates, and the rest packs without padding
    // into 216 bytes (a 224-byte heap block; BENCHMARKS.md). The secret, ID and nonce live inside the object (one allocation per session);
    // values too long for that, and the parameters most sessions leave empty, go to `uncommon`.
    private let sessionIDBytes: InlineBytes<32>
    private let flags: Flags
    /// The protocol version the session was negotiated with.
    public let protocolVersion: ProtocolVersion
    /// The cipher suite (`SSL_SESSION_get0_cipher`). A TLS 1.3 resumption may use any suite with
    /// the same hash.
    public let cipherSuite: CipherSuite
    /// The key-exchange group of the handshake that made the session, if any.
    public let group: NamedGroup?
    private let resumableFlag: Atomic<Bool>
    // Only `deinit` writes it (to zero it), when no other reference exists.
    private nonisolated(unsafe) var secretBytes: InlineBytes<48>
    private let ticketNonceBytes: InlineBytes<8>
    /// The identity of the context that made or imported the session (S5).
    public let contextID: UUID
    /// The server's ticket lifetime hint in seconds (`SSL_SESSION_get_ticket_lifetime_hint`).
    public let ticketLifetime: UInt32
    /// TLS 1.3 ticket_age_add, to obfuscate the ticket age (RFC 8446 §4.6.1).
    public let ticketAgeAdd: UInt32
    /// The most early data the server accepts on resumption (`SSL_SESSION_get_max_early_data`).
    public let maxEarlyDataSize: UInt32
    /// When the session was made (`SSL_SESSION_get_time`); for a client, when the ticket arrived.
    public let creationTime: Date
    /// How long after `creationTime` the session may be resumed (`SSL_SESSION_get_timeout`).
    /// Never over 7 days for TLS 1.3 (RFC 8446 §4.6.1). Fixed at init: there is no
    /// `SSL_SESSION_set_timeout`.
    public let timeout: TimeInterval
    /// When the peer last proved who it is with a certificate (the CertificateVerify of the full
    /// handshake this session descends from): a session from a resumed connection inherits it,
    /// so resuming never extends authentication (security review M3). `creationTime` for a
    /// session from a full handshake, and for one read from OpenSSL's DER, which has no field
    /// for it.
    public let authenticationTime: Date
    /// The SNI name of the connection that made the session (`SSL_SESSION_get0_hostname`).
    public let serverName: String?
    /// The ALPN protocol agreed (`SSL_SESSION_get0_alpn_selected`).
    public let applicationProtocol: String?
    /// The ticket, or empty when it is the session ID itself (`Flags.ticketIsSessionID`: a
    /// stateful ticket, whose ID the client presents), so those bytes are stored once.
    private let ticketStorage: [UInt8]
    private let uncommon: UncommonParameters?

    private struct Flags: OptionSet, Sendable {
        let rawValue: UInt8
        static let extendedMasterSecret = Flags(rawValue: 1)
        static let ticketIsSessionID = Flags(rawValue: 2)
    }

    /// Whether a TLS 1.2 session's master secret is the extended one (RFC 7627): such a
    /// session resumes only into a handshake that negotiates EMS again, and vice versa (§5.3).
    public var extendedMasterSecret: Bool { flags.contains(.extendedMasterSecret) }
    private var ticketIsSessionID: Bool { flags.contains(.ticketIsSessionID) }

    /// The resumption secret: the PSK derived from the resumption master secret and the ticket
    /// nonce in TLS 1.3; the master secret in TLS 1.2 (`SSL_SESSION_get_master_key`). Each read
    /// is a copy; the session's own copy is held inside the session object and zeroed when the
    /// session is released (security review L7).
    public var secret: [UInt8] {
        if let secret = uncommon?.secret { return secret.withUnsafeBytes { Array($0) } }
        return secretBytes.array
    }
    /// The resumption secret as a key (a copy; the session keeps its own inline).
    var secretKey: SymmetricKey {
        if let secret = uncommon?.secret { return secret }
        return secretBytes.withUnsafeBytes { SymmetricKey(data: $0) }
    }
    /// The session ID (`SSL_SESSION_get_id`): in TLS 1.2 the server-chosen ID; in TLS 1.3 an
    /// identifier of the ticket (for a stateful ticket, its opaque ID). Each read is a copy.
    public var sessionID: [UInt8] { uncommon?.sessionID ?? sessionIDBytes.array }
    /// The ticket as the client presents it (empty on a server's cache entry for TLS 1.2 IDs).
    public var ticket: [UInt8] { ticketIsSessionID ? sessionID : ticketStorage }
    /// TLS 1.3 ticket_nonce the PSK was derived with. Each read is a copy.
    public var ticketNonce: [UInt8] { uncommon?.ticketNonce ?? ticketNonceBytes.array }
    /// OpenSSL's session-ID context (`SSL_SESSION_get0_id_context`), at most 32 bytes.
    public var sessionIDContext: [UInt8] { uncommon?.sessionIDContext ?? [] }
    /// The peer's certificate chain as DER, leaf first, when the context keeps it (may be empty).
    public var peerCertificates: [[UInt8]] { uncommon?.peerCertificates ?? [] }
    /// When the session stops being resumable by age.
    public var expirationTime: Date { creationTime.addingTimeInterval(timeout) }

    /// What most sessions do not have, kept out of the session object: a secret over 48 bytes,
    /// an ID over 32 or a nonce over 8 (none that this library makes or OpenSSL sends; files and
    /// stores may hold them), a session-ID context, peer certificates.
    private final class UncommonParameters: Sendable {
        let secret: SymmetricKey?
        let sessionID: [UInt8]?
        let ticketNonce: [UInt8]?
        let sessionIDContext: [UInt8]
        let peerCertificates: [[UInt8]]

        init(secret: SymmetricKey?, sessionID: [UInt8]?, ticketNonce: [UInt8]?, sessionIDContext: [UInt8], peerCertificates: [[UInt8]]) {
            self.secret = secret
            self.sessionID = sessionID
            self.ticketNonce = ticketNonce
            self.sessionIDContext = sessionIDContext
            self.peerCertificates = peerCertificates
        }
    }

    /// The longest a TLS 1.3 session may live (RFC 8446 §4.6.1): 7 days.
    public static let maximumTLS13Lifetime: TimeInterval = 604_800

    /// A session with the given parameters (`SSL_SESSION_new` with its setters: every parameter
    /// is given here, and there are no `SSL_SESSION_set_*` calls). `timeout` is capped at 7 days
    /// for TLS 1.3.
    @specialized(where Secret == [UInt8])   // callers in other modules: no generic code per byte
    public convenience init<Secret: Collection<UInt8>>(
        protocolVersion: ProtocolVersion,
        cipherSuite: CipherSuite,
        secret: Secret,
        sessionID: [UInt8] = [],
        ticket: [UInt8] = [],
        ticketLifetime: UInt32 = 0,
        ticketAgeAdd: UInt32 = 0,
        ticketNonce: [UInt8] = [],
        creationTime: Date,
        timeout: TimeInterval,
        serverName: String? = nil,
        applicationProtocol: String? = nil,
        maxEarlyDataSize: UInt32 = 0,
        sessionIDContext: [UInt8] = [],
        peerCertificates: [[UInt8]] = [],
        group: NamedGroup? = nil,
        contextID: UUID,
        authenticationTime: Date? = nil,
        extendedMasterSecret: Bool = false,
        isResumable: Bool = true
    ) {
        self.init(
            protocolVersion: protocolVersion, cipherSuite: cipherSuite, secret: secret, sessionIDBytes: sessionID,
            ticket: ticket, ticketLifetime: ticketLifetime, ticketAgeAdd: ticketAgeAdd, ticketNonceBytes: ticketNonce,
            creationTime: creationTime, timeout: timeout, serverName: serverName, applicationProtocol: applicationProtocol,
            maxEarlyDataSize: maxEarlyDataSize, sessionIDContext: sessionIDContext, peerCertificates: peerCertificates,
            group: group, contextID: contextID, authenticationTime: authenticationTime,
            extendedMasterSecret: extendedMasterSecret, isResumable: isResumable)
    }

    /// The initializer itself, with the session ID and ticket nonce as any bytes (a digest or a
    /// slice of a message): both are kept inline, so an array made only to pass them would be
    /// one allocation for nothing.
    init<Secret: Collection<UInt8>, SessionID: Collection<UInt8>, Nonce: Collection<UInt8>>(
        protocolVersion: ProtocolVersion,
        cipherSuite: CipherSuite,
        secret: Secret,
        sessionIDBytes sessionID: SessionID,
        ticket: [UInt8],
        ticketLifetime: UInt32,
        ticketAgeAdd: UInt32,
        ticketNonceBytes ticketNonce: Nonce,
        creationTime: Date,
        timeout: TimeInterval,
        serverName: String?,
        applicationProtocol: String?,
        maxEarlyDataSize: UInt32,
        sessionIDContext: [UInt8],
        peerCertificates: [[UInt8]],
        group: NamedGroup?,
        contextID: UUID,
        authenticationTime: Date?,
        extendedMasterSecret: Bool,
        isResumable: Bool
    ) {
        self.protocolVersion = protocolVersion
        self.cipherSuite = cipherSuite
        let inlineSecret = InlineBytes<48>(secret)
        let inlineID = InlineBytes<32>(sessionID)
        let inlineNonce = InlineBytes<8>(ticketNonce)
        self.secretBytes = inlineSecret ?? InlineBytes()
        self.sessionIDBytes = inlineID ?? InlineBytes()
        self.ticketNonceBytes = inlineNonce ?? InlineBytes()
        if inlineSecret == nil || inlineID == nil || inlineNonce == nil || !sessionIDContext.isEmpty || !peerCertificates.isEmpty {
            self.uncommon = UncommonParameters(
                secret: inlineSecret == nil ? SymmetricKey(data: Array(secret)) : nil,
                sessionID: inlineID == nil ? Array(sessionID) : nil,
                ticketNonce: inlineNonce == nil ? Array(ticketNonce) : nil,
                sessionIDContext: sessionIDContext, peerCertificates: peerCertificates)
        } else {
            self.uncommon = nil
        }
        let ticketIsSessionID = !ticket.isEmpty && ticket.elementsEqual(sessionID)
        var flags: Flags = []
        if extendedMasterSecret { flags.insert(.extendedMasterSecret) }
        if ticketIsSessionID { flags.insert(.ticketIsSessionID) }
        self.flags = flags
        self.ticketStorage = ticketIsSessionID ? [] : ticket
        self.ticketLifetime = ticketLifetime
        self.ticketAgeAdd = ticketAgeAdd
        self.creationTime = creationTime
        self.timeout = protocolVersion >= .tls13 ? min(max(0, timeout), Self.maximumTLS13Lifetime) : max(0, timeout)
        self.serverName = serverName
        self.applicationProtocol = applicationProtocol
        self.maxEarlyDataSize = maxEarlyDataSize
        self.group = group
        self.contextID = contextID
        self.authenticationTime = min(authenticationTime ?? creationTime, creationTime)
        self.resumableFlag = Atomic(isResumable)
    }

    deinit {
        secretBytes.cleanse()
    }

    /// Whether the session has a session ID (without copying it).
    var hasSessionID: Bool { sessionIDCount > 0 }

    /// The session ID's length in bytes (without copying it).
    var sessionIDCount: Int { uncommon?.sessionID?.count ?? sessionIDBytes.count }

    /// The session ID's bytes for the duration of `body`, without copying them to the heap.
    func withSessionID<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        if let id = uncommon?.sessionID { return try id.withUnsafeBytes(body) }
        return try sessionIDBytes.withUnsafeBytes(body)
    }

    /// Whether the session ID equals `id` (not in constant time: an ID is not a secret).
    func hasSessionID(_ id: UnsafeRawBufferPointer) -> Bool {
        // A non-empty inline ID is the ID (a longer one leaves it empty): no other field is read.
        if !sessionIDBytes.isEmpty { return sessionIDBytes.equals(id) }
        if let own = uncommon?.sessionID { return own.withUnsafeBytes { $0.elementsEqual(id) } }
        return id.isEmpty
    }

    private var secretBitCount: Int { uncommon?.secret?.bitCount ?? (secretBytes.count * 8) }


    /// Whether the session has expired at `now`.
    public func isExpired(at now: Date) -> Bool { now >= expirationTime }

    /// Whether the session can still be used to resume (`SSL_SESSION_is_resumable`, S6): it
    /// has a secret (and, on a client, a ticket or ID to present) and was not marked bad.
    /// Expiry is separate: see `isExpired(at:)`.
    public var isResumable: Bool {
        resumableFlag.load(ordering: .acquiring) && secretBitCount > 0 && (ticketIsSessionID || !ticketStorage.isEmpty || hasSessionID)
    }

    /// Marks the session as never to be resumed again: its connection ended uncleanly (S13) or
    /// it was removed (`TLSContext.removeSession(_:)`, S17). Irreversible. Internal: an
    /// application removes a session through its context, which also clears the caches.
    func markNotResumable() {
        resumableFlag.store(false, ordering: .releasing)
    }

    /// The session ID that names a ticket's session: SHA-256 of the ticket, as OpenSSL's client
    /// sets it (used on both sides, for tickets of both versions).
    /// Held inline: the session keeps it inline too.
    static func sessionID(forTicket ticket: [UInt8]) -> TranscriptDigest {
        TLSHashAlgorithm.sha256.digest(ticket)
    }

    /// The hash the session's secret belongs to; a resumption must use a suite with this hash.
    var hash: TLSHashAlgorithm? { cipherSuite.tls13Parameters?.hash }

    /// A copy with equal parameters, owned by no cache (`SSL_SESSION_dup`, S3): a distinct
    /// object (`!==`, and `!=`, since `==` is identity) whose parameters all equal the
    /// original's (`hasSameParameters(as:)`). As with `SSL_SESSION_dup`, the copy starts with
    /// the original's current resumable flag.
    public func copy() -> TLSSession {
        replacing()
    }

    /// A copy owned by another context (S5): how an application explicitly moves a session it
    /// read from a store, file or callback into a context whose `contextID` differs. OpenSSL has
    /// no counterpart: its sessions name no context.
    public func copy(ownedBy contextID: UUID) -> TLSSession {
        replacing(contextID: contextID)
    }

    /// A copy with some parameters replaced (a new ticket makes a new session, S1).
    func replacing(
        sessionID: [UInt8]? = nil, ticket: [UInt8]? = nil, creationTime: Date? = nil,
        timeout: TimeInterval? = nil, contextID: UUID? = nil
    ) -> TLSSession {
        let ticket = ticket ?? self.ticket
        if let sessionID {
            return replacing(ticket: ticket, sessionIDBytes: sessionID, creationTime: creationTime, timeout: timeout, contextID: contextID)
        }
        return withSessionID { replacing(ticket: ticket, sessionIDBytes: $0, creationTime: creationTime, timeout: timeout, contextID: contextID) }
    }

    /// `replacing(sessionID:ticket:…)` with the new session ID as any bytes (a ticket's digest).
    /// The secret and the nonce go from this session's storage straight into the copy's.
    func replacing(
        ticket: [UInt8], sessionIDBytes: some Collection<UInt8>, creationTime: Date? = nil,
        timeout: TimeInterval? = nil, contextID: UUID? = nil
    ) -> TLSSession {
        withSecretBytes { secret in withTicketNonce { nonce in TLSSession(
            protocolVersion: protocolVersion, cipherSuite: cipherSuite, secret: secret,
            sessionIDBytes: sessionIDBytes, ticket: ticket,
            ticketLifetime: ticketLifetime, ticketAgeAdd: ticketAgeAdd, ticketNonceBytes: nonce,
            creationTime: creationTime ?? self.creationTime, timeout: timeout ?? self.timeout,
            serverName: serverName, applicationProtocol: applicationProtocol,
            maxEarlyDataSize: maxEarlyDataSize, sessionIDContext: sessionIDContext,
            peerCertificates: peerCertificates, group: group, contextID: contextID ?? self.contextID,
            authenticationTime: authenticationTime, extendedMasterSecret: extendedMasterSecret,
            isResumable: resumableFlag.load(ordering: .acquiring)) } }
    }

    /// The ticket nonce's bytes for the duration of `body`, without a copy on the heap.
    func withTicketNonce<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        if let nonce = uncommon?.ticketNonce { return try nonce.withUnsafeBytes(body) }
        return try ticketNonceBytes.withUnsafeBytes(body)
    }

    /// The secret's bytes for the duration of `body`, without a copy on the heap.
    func withSecretBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        if let secret = uncommon?.secret { return try secret.withUnsafeBytes(body) }
        return try secretBytes.withUnsafeBytes(body)
    }

    /// Whether two sessions have equal parameters (not identity; the resumable flag is ignored).
    public func hasSameParameters(as other: TLSSession) -> Bool {
        protocolVersion == other.protocolVersion && cipherSuite == other.cipherSuite
            && secret == other.secret && sessionID == other.sessionID && ticket == other.ticket
            && ticketLifetime == other.ticketLifetime && ticketAgeAdd == other.ticketAgeAdd
            && ticketNonce == other.ticketNonce && creationTime == other.creationTime
            && timeout == other.timeout && serverName == other.serverName
            && applicationProtocol == other.applicationProtocol && maxEarlyDataSize == other.maxEarlyDataSize
            && sessionIDContext == other.sessionIDContext && peerCertificates == other.peerCertificates
            && group == other.group && contextID == other.contextID && authenticationTime == other.authenticationTime
            && extendedMasterSecret == other.extendedMasterSecret
    }

    /// A short description that never includes the secret.
    public var description: String {
        let id = sessionID.prefix(8).map { String($0, radix: 16) }.joined()
        return "TLSSession(\(protocolVersion), \(cipherSuite), id \(id)…, sni \(serverName ?? "-"), alpn \(applicationProtocol ?? "-"), resumable \(isResumable))"
    }
}

extension TLSSession: Hashable {
    /// Identity: two references are equal when they are the same session object (a cache holds
    /// sessions by identity, S3, S18). Compare parameters with `hasSameParameters(as:)`.
    public static func == (lhs: TLSSession, rhs: TLSSession) -> Bool { lhs === rhs }

    /// Hashes the object identity.
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}
