import Foundation

/// What a server needs to resume a connection from a stateless ticket (S24): the session state
/// that `TicketKeyRing.seal(_:)` encrypts into a ticket and `TicketKeyRing.open(_:)` recovers.
///
/// This is the plaintext of OpenSSL's stateless ticket (the serialized `SSL_SESSION` that
/// `SSL_CTX_set_tlsext_ticket_key_evp_cb` / RFC 5077 §4 wrap), in a compact, versioned binary
/// layout of our own. It carries no ticket, nonce or session ID: those belong to one issue of the
/// state, not to the state.
///
/// Wire layout (big-endian; format version 1):
///
///     struct {
///         uint8  format_version = 1;
///         uint8  flags;                       // bit 0 server_name, bit 1 alpn,
///                                             // bit 2 group, bit 3 peer_certificates,
///                                             // bit 4 authentication_time,
///                                             // bit 5 extended_master_secret (TLS 1.2,
///                                             // RFC 7627: no field, the flag is the value);
///                                             // any other bit set is decode_error
///         uint16 protocol_version;
///         uint16 cipher_suite;
///         opaque secret<1..64>;               // the resumption PSK (TLS 1.3) / master secret
///         uint64 creation_time_ms;            // ms since 1970-01-01T00:00:00Z, ≤ year 9999
///         uint32 timeout_seconds;             // ≤ 604800 when protocol_version ≥ TLS 1.3
///         uint32 ticket_age_add;
///         uint32 max_early_data_size;
///         opaque context_id[16];              // the issuing context's UUID (S5)
///         opaque session_id_context<0..32>;
///         select (flags) {                    // each present only when its flag is set
///             opaque server_name<1..255>;     // UTF-8
///             opaque alpn<1..255>;            // UTF-8
///             uint16 group;
///             PeerCertificates peer_certificates;
///             uint64 authentication_time_ms;  // ≤ creation_time_ms; absent: = creation_time
///         };
///     } SessionTicketState;
///
///     struct { opaque certificate<1..2^24-1>; } CertificateDER;
///     CertificateDER PeerCertificates<1..2^24-1>;   // at most 16 certificates, leaf first
///
/// Decoding treats its input as hostile even though it only ever arrives after AEAD
/// decryption: every read is bounds-checked by `ByteReader`, every length has a bound, trailing
/// bytes are an error, and every failure is `TLSError` `decode_error`.
public struct SessionTicketState: Sendable, Hashable {
    /// The encoding version this code writes and the only one it reads.
    public static let formatVersion: UInt8 = 1
    /// The longest secret accepted (a SHA-512-sized PSK; TLS 1.3 uses 32 or 48 bytes).
    public static let maximumSecretLength = 64
    /// The most certificates kept in `peerCertificates`.
    public static let maximumPeerCertificateCount = 16
    /// The latest creation time accepted: 9999-12-31T23:59:59.999Z, in ms since the epoch.
    public static let maximumCreationTimeMilliseconds: UInt64 = 253_402_300_799_999

    private enum Flag {
        static let serverName: UInt8 = 1 << 0
        static let applicationProtocol: UInt8 = 1 << 1
        static let group: UInt8 = 1 << 2
        static let peerCertificates: UInt8 = 1 << 3
        static let authenticationTime: UInt8 = 1 << 4
        static let extendedMasterSecret: UInt8 = 1 << 5
        static let all: UInt8 = serverName | applicationProtocol | group | peerCertificates | authenticationTime | extendedMasterSecret
    }

    /// The negotiated protocol version.
    public var protocolVersion: ProtocolVersion
    /// The negotiated cipher suite; a TLS 1.3 resumption may use any suite with the same hash.
    public var cipherSuite: CipherSuite
    /// The resumption PSK (TLS 1.3) or master secret (TLS 1.2); 1…64 bytes.
    public var secret: [UInt8]
    /// When the session was made, in whole milliseconds since 1970 (`SSL_SESSION_get_time`).
    public var creationTimeMilliseconds: UInt64
    /// How many seconds after creation the session may be resumed (`SSL_SESSION_get_timeout`).
    public var timeoutSeconds: UInt32
    /// TLS 1.3 ticket_age_add, needed to recover the ticket age from the client's
    /// obfuscated_ticket_age (RFC 8446 §4.2.11.1).
    public var ticketAgeAdd: UInt32
    /// The SNI name of the connection that made the session (S5).
    public var serverName: String?
    /// The ALPN protocol agreed (`SSL_SESSION_get0_alpn_selected`).
    public var applicationProtocol: String?
    /// The most early data accepted on resumption (`SSL_SESSION_get_max_early_data`, S29).
    public var maxEarlyDataSize: UInt32
    /// OpenSSL's session-ID context (`SSL_CTX_set_session_id_context`), at most 32 bytes (S5).
    public var sessionIDContext: [UInt8]
    /// The identity of the context that issued the ticket (S5). Informational: a redeeming
    /// context whose ticket keys open the ticket owns its session (`StatelessTicketAuthority`).
    public var contextID: UUID
    /// The key-exchange group of the handshake that made the session, if known.
    public var group: NamedGroup?
    /// The peer's certificate chain as DER, leaf first; empty when not kept.
    public var peerCertificates: [[UInt8]]
    /// When the peer last authenticated with a certificate (`TLSSession.authenticationTime`),
    /// in ms since 1970; nil when it is the creation time.
    public var authenticationTimeMilliseconds: UInt64?
    /// Whether a TLS 1.2 session's master secret is the extended one (RFC 7627).
    public var extendedMasterSecret: Bool

    /// A state with the given parameters.
    public init(
        protocolVersion: ProtocolVersion,
        cipherSuite: CipherSuite,
        secret: [UInt8],
        creationTimeMilliseconds: UInt64,
        timeoutSeconds: UInt32,
        ticketAgeAdd: UInt32 = 0,
        serverName: String? = nil,
        applicationProtocol: String? = nil,
        maxEarlyDataSize: UInt32 = 0,
        sessionIDContext: [UInt8] = [],
        contextID: UUID,
        group: NamedGroup? = nil,
        peerCertificates: [[UInt8]] = [],
        authenticationTimeMilliseconds: UInt64? = nil,
        extendedMasterSecret: Bool = false
    ) {
        self.extendedMasterSecret = extendedMasterSecret
        self.protocolVersion = protocolVersion
        self.cipherSuite = cipherSuite
        self.secret = secret
        self.creationTimeMilliseconds = creationTimeMilliseconds
        self.timeoutSeconds = timeoutSeconds
        self.ticketAgeAdd = ticketAgeAdd
        self.serverName = serverName
        self.applicationProtocol = applicationProtocol
        self.maxEarlyDataSize = maxEarlyDataSize
        self.sessionIDContext = sessionIDContext
        self.contextID = contextID
        self.group = group
        self.peerCertificates = peerCertificates
        self.authenticationTimeMilliseconds = authenticationTimeMilliseconds
    }

    /// The state of `session`, as a server puts it in a ticket it issues (S24).
    ///
    /// The creation time is truncated to whole milliseconds and the timeout to whole seconds
    /// (clamped to `0...UInt32.max`); the peer certificates are kept only when
    /// `includePeerCertificates` is true (OpenSSL keeps them unless
    /// `SSL_OP_NO_TICKET`-style size limits apply; large chains make large tickets).
    public init(session: TLSSession, includePeerCertificates: Bool = true) {
        self.init(
            protocolVersion: session.protocolVersion,
            cipherSuite: session.cipherSuite,
            secret: session.secret,
            creationTimeMilliseconds: Self.milliseconds(since1970: session.creationTime),
            timeoutSeconds: Self.clampedSeconds(session.timeout),
            ticketAgeAdd: session.ticketAgeAdd,
            serverName: session.serverName,
            applicationProtocol: session.applicationProtocol,
            maxEarlyDataSize: session.maxEarlyDataSize,
            sessionIDContext: session.sessionIDContext,
            contextID: session.contextID,
            group: session.group,
            peerCertificates: includePeerCertificates ? session.peerCertificates : [],
            extendedMasterSecret: session.extendedMasterSecret)
        let authenticated = Self.milliseconds(since1970: session.authenticationTime)
        if authenticated < creationTimeMilliseconds { authenticationTimeMilliseconds = authenticated }
    }

    /// When the peer last authenticated with a certificate.
    public var authenticationTime: Date {
        authenticationTimeMilliseconds.map { Date(timeIntervalSince1970: Double($0) / 1000) } ?? creationTime
    }

    /// When the session was made.
    public var creationTime: Date {
        Date(timeIntervalSince1970: Double(creationTimeMilliseconds) / 1000)
    }

    /// How long after `creationTime` the session may be resumed.
    public var timeout: TimeInterval { TimeInterval(timeoutSeconds) }

    /// When the session stops being resumable by age.
    public var expirationTime: Date { creationTime.addingTimeInterval(timeout) }

    /// Whether the session has expired at `now` (a server must not resume it, S16).
    public func isExpired(at now: Date) -> Bool { now >= expirationTime }

    /// The server-side session for a client that presented `ticket` (S24): the state's
    /// parameters, with `ticket` as the ticket (and, unless given, as its own identity).
    ///
    /// `ticketLifetime` defaults to the state's timeout; the ticket nonce is not kept in a
    /// ticket (the PSK is already derived), so it is empty. `contextID`, when given, owns the
    /// session instead of the issuing context (the redeeming context, S5).
    public func makeSession(ticket: [UInt8], sessionID: [UInt8] = [], ticketLifetime: UInt32? = nil, contextID: UUID? = nil) -> TLSSession {
        makeSession(ticket: ticket, sessionIDBytes: sessionID, ticketLifetime: ticketLifetime, contextID: contextID)
    }

    /// `makeSession(ticket:sessionID:…)` with the session ID as any bytes (a ticket's digest,
    /// which the session keeps inline).
    func makeSession(ticket: [UInt8], sessionIDBytes: some Collection<UInt8>, ticketLifetime: UInt32? = nil, contextID: UUID? = nil) -> TLSSession {
        TLSSession(
            protocolVersion: protocolVersion, cipherSuite: cipherSuite, secret: secret,
            sessionIDBytes: sessionIDBytes, ticket: ticket,
            ticketLifetime: ticketLifetime ?? timeoutSeconds, ticketAgeAdd: ticketAgeAdd, ticketNonceBytes: [UInt8](),
            creationTime: creationTime, timeout: timeout,
            serverName: serverName, applicationProtocol: applicationProtocol,
            maxEarlyDataSize: maxEarlyDataSize, sessionIDContext: sessionIDContext,
            peerCertificates: peerCertificates, group: group, contextID: contextID ?? self.contextID,
            authenticationTime: authenticationTime, extendedMasterSecret: extendedMasterSecret, isResumable: true)
    }

    // MARK: Encoding

    /// The encoded state (format version 1). Throws `internal_error` when a field is outside
    /// the bounds `init(decoding:)` accepts, so this never writes what it could not read back.
    public func encoded() throws -> [UInt8] {
        var writer = ByteWriter(capacity: 128 + secret.count + peerCertificates.reduce(0) { $0 + $1.count + 3 })
        try Self.encode(self, into: &writer)
        return writer.bytes
    }

    /// Appends the encoding of `fields` to `writer`: the one encoder behind `encoded()` and
    /// `TicketKeyRing`'s sealing of a session. Throws `internal_error` (and may have written part
    /// of the state) when a field is outside the bounds `init(decoding:)` accepts.
    static func encode(_ fields: some TicketStateFields, into writer: inout ByteWriter) throws {
        guard fields.creationTimeMilliseconds <= Self.maximumCreationTimeMilliseconds else {
            throw TLSError.internalError("ticket state: creation time out of range")
        }
        guard fields.protocolVersion < .tls13 || fields.timeoutSeconds <= UInt32(TLSSession.maximumTLS13Lifetime) else {
            throw TLSError.internalError("ticket state: TLS 1.3 timeout over 7 days")
        }
        guard fields.sessionIDContext.count <= 32 else {
            throw TLSError.internalError("ticket state: session ID context over 32 bytes")
        }
        let peerCertificates = fields.peerCertificates
        guard peerCertificates.count <= Self.maximumPeerCertificateCount,
            peerCertificates.allSatisfy({ !$0.isEmpty })
        else {
            throw TLSError.internalError("ticket state: \(peerCertificates.count) peer certificates or an empty one")
        }
        let serverName = fields.serverName?.utf8
        let alpn = fields.applicationProtocol?.utf8
        for field in [serverName, alpn] {
            if let field, !(1...255).contains(field.count) {
                throw TLSError.internalError("ticket state: name of \(field.count) bytes")
            }
        }

        var flags: UInt8 = 0
        if serverName != nil { flags |= Flag.serverName }
        if alpn != nil { flags |= Flag.applicationProtocol }
        if fields.group != nil { flags |= Flag.group }
        if !peerCertificates.isEmpty { flags |= Flag.peerCertificates }
        if fields.extendedMasterSecret { flags |= Flag.extendedMasterSecret }
        if let authenticated = fields.authenticationTimeMilliseconds {
            guard authenticated <= fields.creationTimeMilliseconds else {
                throw TLSError.internalError("ticket state: authentication after creation")
            }
            flags |= Flag.authenticationTime
        }

        writer.writeUInt8(Self.formatVersion)
        writer.writeUInt8(flags)
        writer.writeUInt16(fields.protocolVersion.rawValue)
        writer.writeUInt16(fields.cipherSuite.rawValue)
        try fields.withSecretBytes { secret in
            guard (1...Self.maximumSecretLength).contains(secret.count) else {
                throw TLSError.internalError("ticket state: secret of \(secret.count) bytes")
            }
            try writer.writeOpaque(prefixBytes: 1, secret)
        }
        writer.writeUInt64(fields.creationTimeMilliseconds)
        writer.writeUInt32(fields.timeoutSeconds)
        writer.writeUInt32(fields.ticketAgeAdd)
        writer.writeUInt32(fields.maxEarlyDataSize)
        withUnsafeBytes(of: fields.contextID.uuid) { writer.writeBytes($0) }
        try writer.writeOpaque(prefixBytes: 1, fields.sessionIDContext)
        if let serverName { try writer.writeOpaque(prefixBytes: 1, serverName) }
        if let alpn { try writer.writeOpaque(prefixBytes: 1, alpn) }
        if let group = fields.group { writer.writeUInt16(group.rawValue) }
        if !peerCertificates.isEmpty {
            try writer.writeVector(prefixBytes: 3) { list in
                for certificate in peerCertificates { try list.writeOpaque(prefixBytes: 3, certificate) }
            }
        }
        if let authenticated = fields.authenticationTimeMilliseconds { writer.writeUInt64(authenticated) }
    }

    /// Decodes a state from bytes that came from outside (a decrypted ticket). Every length is
    /// bounded and the bytes must be consumed exactly; anything else throws `decode_error`.
    public init(decoding bytes: [UInt8]) throws {
        try self.init(decoding: bytes[...])
    }

    /// `init(decoding:)` on bytes inside a larger buffer (a ticket opened in place).
    init(decoding bytes: ArraySlice<UInt8>) throws {
        var reader = ByteReader(bytes)
        let version = try reader.readUInt8("ticket state version")
        guard version == Self.formatVersion else {
            throw TLSError.decodeError("ticket state: unknown format version \(version)")
        }
        let flags = try reader.readUInt8("ticket state flags")
        guard flags & ~Flag.all == 0 else {
            throw TLSError.decodeError("ticket state: unknown flags 0x\(String(flags, radix: 16))")
        }
        protocolVersion = ProtocolVersion(rawValue: try reader.readUInt16("ticket state protocol_version"))
        cipherSuite = CipherSuite(rawValue: try reader.readUInt16("ticket state cipher_suite"))
        secret = try reader.readOpaque(prefixBytes: 1, minLength: 1, maxLength: Self.maximumSecretLength, "ticket state secret")
        creationTimeMilliseconds = try reader.readUInt64("ticket state creation_time")
        guard creationTimeMilliseconds <= Self.maximumCreationTimeMilliseconds else {
            throw TLSError.decodeError("ticket state: creation time out of range")
        }
        timeoutSeconds = try reader.readUInt32("ticket state timeout")
        guard protocolVersion < .tls13 || timeoutSeconds <= UInt32(TLSSession.maximumTLS13Lifetime) else {
            throw TLSError.decodeError("ticket state: TLS 1.3 timeout \(timeoutSeconds) s over 7 days")
        }
        ticketAgeAdd = try reader.readUInt32("ticket state ticket_age_add")
        maxEarlyDataSize = try reader.readUInt32("ticket state max_early_data_size")
        contextID = Self.uuid(from: try reader.readSlice(16, "ticket state context_id"))
        sessionIDContext = try reader.readOpaque(prefixBytes: 1, maxLength: 32, "ticket state session_id_context")
        serverName = flags & Flag.serverName != 0
            ? try Self.readUTF8(&reader, "ticket state server_name") : nil
        applicationProtocol = flags & Flag.applicationProtocol != 0
            ? try Self.readUTF8(&reader, "ticket state alpn") : nil
        group = flags & Flag.group != 0
            ? NamedGroup(rawValue: try reader.readUInt16("ticket state group")) : nil
        var certificates: [[UInt8]] = []
        if flags & Flag.peerCertificates != 0 {
            var list = try reader.readVector(prefixBytes: 3, minLength: 1, "ticket state peer_certificates")
            while !list.isEmpty {
                guard certificates.count < Self.maximumPeerCertificateCount else {
                    throw TLSError.decodeError("ticket state: more than \(Self.maximumPeerCertificateCount) peer certificates")
                }
                certificates.append(try list.readOpaque(prefixBytes: 3, minLength: 1, "ticket state certificate"))
            }
        }
        peerCertificates = certificates
        extendedMasterSecret = flags & Flag.extendedMasterSecret != 0
        if flags & Flag.authenticationTime != 0 {
            let authenticated = try reader.readUInt64("ticket state authentication_time")
            guard authenticated <= creationTimeMilliseconds else {
                throw TLSError.decodeError("ticket state: authentication time after creation")
            }
            authenticationTimeMilliseconds = authenticated
        } else {
            authenticationTimeMilliseconds = nil
        }
        try reader.expectEnd("ticket state")
    }

    // MARK: Helpers

    private static func readUTF8(_ reader: inout ByteReader, _ what: StaticString) throws -> String {
        // Read in place: a short name becomes a small String with no allocation at all.
        let bytes = try reader.readOpaqueSlice(prefixBytes: 1, minLength: 1, maxLength: 255, what)
        guard let string = String(validating: bytes, as: UTF8.self) else {
            throw TLSError.decodeError("\(what) is not UTF-8")
        }
        return string
    }

    static func milliseconds(since1970 date: Date) -> UInt64 {
        let milliseconds = (date.timeIntervalSince1970 * 1000).rounded(.down)
        guard milliseconds.isFinite, milliseconds > 0 else { return 0 }
        guard milliseconds < Double(maximumCreationTimeMilliseconds) else { return maximumCreationTimeMilliseconds }
        return UInt64(milliseconds)
    }

    static func clampedSeconds(_ interval: TimeInterval) -> UInt32 {
        let seconds = interval.rounded(.down)
        guard seconds.isFinite, seconds > 0 else { return seconds == .infinity ? .max : 0 }
        guard seconds < Double(UInt32.max) else { return .max }
        return UInt32(seconds)
    }

    /// `slice` has exactly 16 bytes (read with `readSlice(16, _)`).
    static func uuid(from slice: ArraySlice<UInt8>) -> UUID {
        var raw: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &raw) { destination in
            for (offset, byte) in zip(destination.indices, slice) { destination[offset] = byte }
        }
        return UUID(uuid: raw)
    }
}
