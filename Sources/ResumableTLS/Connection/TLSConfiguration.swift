import Crypto
import Foundation
import Logging

/// Everything that shapes a context's connections: OpenSSL's `SSL_CTX_set_*` calls gathered in
/// one value. Build a `TLSContext` from it; a context never changes after it is made.
public struct TLSConfiguration: Sendable {
    /// Which side of the connection this configuration plays.
    public enum Role: Sendable, Hashable {
        case client
        case server
    }

    /// Whether and how a server asks for client certificates (`SSL_CTX_set_verify` on a server).
    public enum ClientAuthentication: Sendable, Hashable {
        /// No CertificateRequest is sent.
        case none
        /// A CertificateRequest is sent; a client may answer with an empty Certificate.
        case optional
        /// A CertificateRequest is sent and a certificate is required (`certificate_required`).
        case required
    }

    /// Client or server.
    public var role: Role
    /// This side's certificate chain, leaf first. Required for a server.
    public var certificateChain: CertificateChain?
    /// The private key of the chain's leaf.
    public var privateKey: TLSPrivateKey?
    /// How the peer's chain is checked: by a client always, by a server when it asked for a
    /// client certificate. Default: full verification against the system's roots.
    public var certificateVerification: CertificateVerification
    /// For a server: whether to request a client certificate.
    public var clientAuthentication: ClientAuthentication
    /// Cipher suites in preference order: the TLS 1.3 ones (`SSL_CTX_set_ciphersuites`) and
    /// the TLS 1.2 ECDHE AEAD ones (`SSL_CTX_set_cipher_list`) in one list; each version uses
    /// the suites that belong to it. Default: `CipherSuite.tls13Suites + CipherSuite.tls12Suites`.
    public var cipherSuites: [CipherSuite]
    /// The oldest version this side negotiates (`SSL_CTX_set_min_proto_version`); default TLS 1.2.
    public var minimumVersion: ProtocolVersion
    /// The newest version this side negotiates (`SSL_CTX_set_max_proto_version`); default TLS
    /// 1.3. A server whose range includes TLS 1.3 marks a TLS 1.2 ServerHello with the
    /// downgrade sentinel (RFC 8446 §4.1.3), and a client whose range includes TLS 1.3 refuses
    /// a TLS 1.2 ServerHello that carries it.
    public var maximumVersion: ProtocolVersion
    /// TLS 1.2: refuse a peer that does not support the extended master secret (RFC 7627 §5.2,
    /// §5.3; OpenSSL's `SSL_OP_NO_EXTENDED_MASTER_SECRET` is the opposite switch). EMS is always
    /// negotiated when the peer offers it; this makes it mandatory. Default false.
    public var requireExtendedMasterSecret: Bool
    /// TLS 1.2: whether RFC 5077 session tickets are used (a client offers the extension, a
    /// server issues tickets to clients that do); false means session IDs only (OpenSSL's
    /// `SSL_OP_NO_TICKET`, `-no_ticket`). Default true. TLS 1.3 tickets are `ticketCount`.
    public var tls12SessionTickets: Bool
    /// TLS 1.2: when a resumed ticket is replaced by a fresh one (RFC 5077 §3.3).
    /// Default `.whenNeeded`, as OpenSSL does.
    public var tls12TicketRenewal: TLS12TicketRenewal
    /// Key-exchange groups in preference order (`SSL_CTX_set1_groups`).
    public var groups: [NamedGroup]
    /// For a client: the groups it sends key shares for in its first ClientHello (default: the
    /// first of `groups`); a server may ask for another with a HelloRetryRequest.
    public var keyShareGroups: [NamedGroup]?
    /// Signature schemes this side accepts from the peer, in preference order.
    public var signatureSchemes: [SignatureScheme]
    /// ALPN protocol names in preference order (`SSL_CTX_set_alpn_protos`,
    /// `SSL_CTX_set_alpn_select_cb`); the server picks its own first choice the client offers.
    public var applicationProtocols: [String]
    /// For a client: the name sent as SNI and checked against the server's certificate
    /// (`SSL_set_tlsext_host_name` with `SSL_set1_host`). Nil lets one context serve many
    /// servers: each connection then names its server (`TLSConnection.setServerName(_:)`,
    /// `TLSClient.connect` uses its host). With `.fullVerification` a connection with no name
    /// at all refuses to start; `.insecureNoServerNameCheck` is the explicit opt-out.
    public var serverName: String?
    /// For a client: send a legacy session ID and a dummy ChangeCipherSpec (RFC 8446 §D.4),
    /// as OpenSSL does by default (`SSL_OP_ENABLE_MIDDLEBOX_COMPAT`).
    public var middleboxCompatibility: Bool
    /// The record_size_limit this side announces (RFC 8449), or nil to announce none. Range
    /// 64...16385.
    public var recordSizeLimit: Int?
    /// For a server: send a cookie in a HelloRetryRequest and require it back (RFC 8446 §4.2.2).
    public var helloRetryRequestCookie: Bool
    /// The largest handshake message accepted from the peer.
    public var maxHandshakeMessageLength: Int
    /// How long a handshake may take before drivers with a clock give up on it (the NIO
    /// handler, `TLSServer`, `TLSClient`: `NIOTLSError.handshakeTimeout`), so a peer that
    /// stalls cannot hold a connection open (security review L13). Default 10 s; nil waits
    /// without limit. The sans-I/O `TLSConnection` has no clock of its own and ignores it.
    public var handshakeTimeout: Duration?

    // MARK: Sessions and resumption

    /// How long a session may be resumed after it was made, in seconds: the cache timeout and
    /// the ticket lifetime (`SSL_CTX_set_timeout`, S16). Default 7,200 s; TLS 1.3 tickets are
    /// capped at 7 days (RFC 8446 §4.6.1).
    public var sessionTimeout: TimeInterval
    /// For a server: how TLS 1.3 tickets carry the session (S24, S26).
    public var ticketMode: TicketMode
    /// For a server with stateless tickets: the ticket keys (S25). Nil (the default) gives
    /// the context its own keys, generated in-process and rotated every 24 hours; share one
    /// ring, or load the same key file (`TicketKeyRing(keyFile:)`) on every server, so a fleet
    /// resumes each other's tickets (`SSL_CTX_set_tlsext_ticket_key_evp_cb`).
    public var ticketKeys: TicketKeyRing?
    /// For a server: NewSessionTickets sent after a full handshake (`SSL_CTX_set_num_tickets`,
    /// read back like `SSL_CTX_get_num_tickets`;
    /// default 2 like OpenSSL; 0 sends none). A client's ticket_request (RFC 9149) overrides it,
    /// up to `maximumTicketCount`.
    public var ticketCount: Int
    /// For a server: NewSessionTickets sent after a resumption (default 1, like OpenSSL).
    public var ticketCountAfterResumption: Int
    /// For a server: the most tickets a client's ticket_request can ask for on one connection.
    public var maximumTicketCount: Int
    /// For a client: the tickets to ask for with ticket_request (RFC 9149) after a full
    /// handshake and after a resumption, or nil to send no request.
    public var requestedTicketCount: (afterFullHandshake: UInt8, afterResumption: UInt8)?
    /// PSK key-exchange modes this side uses (RFC 8446 §4.2.9). A client offers them; a server
    /// accepts them, preferring psk_dhe_ke. Add `.pskKE` on both sides to resume without a fresh
    /// (EC)DHE (OpenSSL's `SSL_OP_ALLOW_NO_DHE_KEX`); it gives up forward secrecy.
    public var pskKeyExchangeModes: [PSKKeyExchangeMode]
    /// Which sides cache sessions and how (`SSL_CTX_set_session_cache_mode`, S15). Default:
    /// server caching on, client off, as in OpenSSL.
    public var sessionCacheMode: SessionCacheMode
    /// The internal cache's bounds (`SSL_CTX_sess_set_cache_size`, default 20,480, S16). Its
    /// default timeout is `sessionTimeout`.
    public var sessionCacheSize: Int
    /// The new / remove / get callbacks for external caching (S19–S22).
    public var sessionCallbacks: SessionCallbacks
    /// An external session store written like the new callback and asked like the get callback,
    /// possibly over the network (S23). Like the callbacks, it only serves sessions that are
    /// looked up by ID: TLS 1.2 session IDs and stateful TLS 1.3 tickets; with the default
    /// stateless tickets and TLS 1.3 only it is never used (`warnings` says so).
    public var sessionStore: (any SessionStore)?
    /// How long a server waits for the get callback or the store before it gives up and does a
    /// full handshake (S23).
    public var sessionStoreTimeLimit: Duration
    /// For a client: where sessions are kept between connections (S28). A connection that is
    /// told its server's key (`TLSConnection.useClientSessionStore(key:)`) offers a session
    /// taken from here and files every new session here.
    public var clientSessionStore: ClientSessionStore?
    /// OpenSSL's session-ID context (`SSL_CTX_set_session_id_context`, S5): a server resumes
    /// only sessions made under the same value. At most 32 bytes. Left empty on a server that
    /// asks for client certificates, it is derived from the client-authentication policy and
    /// trust roots (`effectiveSessionIDContext`), so a session never resumes under another policy.
    public var sessionIDContext: [UInt8]
    /// How long after the peer last authenticated with a certificate (the full handshake a
    /// session descends from) its sessions may still resume, in seconds; resumptions never
    /// extend it (BoringSSL's non-renewable auth timeout; RFC 8446 §4.6.1 asks for such a
    /// limit). Default 7 days. Security review M3.
    public var maximumAuthenticationAge: TimeInterval
    /// For a server: how far the client's idea of a ticket's age may exceed ours before the
    /// ticket is refused (RFC 8446 §8.3), in seconds. (A smaller client age is delivery delay.)
    public var ticketAgeTolerance: TimeInterval
    /// For a server with stateless tickets: whether a ticket resumes once or until it expires
    /// (S14). Default `.allowed`, as in OpenSSL; `.singleUse` remembers used tickets.
    public var statelessTicketReuse: StatelessTicketReuse
    /// For a server: 0-RTT (S29). Nil (the default) issues tickets without early data and
    /// declines early data, skipping it as RFC 8446 §4.2.10 says.
    public var earlyData: EarlyDataConfiguration?
    /// What a peer's transport close without close_notify after a completed handshake does to
    /// the session (S13): kept by default (a deliberate deviation from OpenSSL, see
    /// `UncleanTransportClosePolicy`), or invalidated as OpenSSL does.
    public var uncleanTransportClose: UncleanTransportClosePolicy
    /// Where connections log their resumption decisions (S30): one `debug` line per completed
    /// handshake with the outcome and, for a declined offer, why (`ResumptionDecision.logMetadata`),
    /// and one per failed handshake. Nil (the default) logs nothing.
    public var logger: Logger?

    /// A configuration with defaults for `role`; set the rest with the properties above.
    public init(role: Role) {
        self.role = role
        self.certificateChain = nil
        self.privateKey = nil
        self.certificateVerification = .systemTrustRoots
        self.clientAuthentication = .none
        self.cipherSuites = CipherSuite.tls13Suites + CipherSuite.tls12Suites
        self.minimumVersion = .tls12
        self.maximumVersion = .tls13
        self.requireExtendedMasterSecret = false
        self.tls12SessionTickets = true
        self.tls12TicketRenewal = .whenNeeded
        self.groups = [.x25519, .secp256r1, .secp384r1]
        self.keyShareGroups = nil
        self.signatureSchemes = [
            .ecdsaSecp256r1SHA256, .ecdsaSecp384r1SHA384, .ed25519,
            .rsaPSSRSAESHA256, .rsaPSSRSAESHA384, .rsaPSSRSAESHA512,
            .rsaPKCS1SHA256, .rsaPKCS1SHA384, .rsaPKCS1SHA512,
        ]
        self.applicationProtocols = []
        self.serverName = nil
        self.middleboxCompatibility = true
        self.recordSizeLimit = nil
        self.helloRetryRequestCookie = true
        self.maxHandshakeMessageLength = 128 * 1024
        self.handshakeTimeout = .seconds(10)
        self.sessionTimeout = 7_200
        self.ticketMode = .stateless
        self.ticketKeys = nil
        self.ticketCount = 2
        self.ticketCountAfterResumption = 1
        self.maximumTicketCount = 10
        self.requestedTicketCount = nil
        self.pskKeyExchangeModes = [.pskDHEKE]
        self.sessionIDContext = []
        self.maximumAuthenticationAge = TLSSession.maximumTLS13Lifetime
        self.clientSessionStore = nil
        self.sessionCacheMode = .default
        self.sessionCacheSize = SessionCacheConfiguration.defaultCapacity
        self.sessionCallbacks = SessionCallbacks()
        self.sessionStore = nil
        self.sessionStoreTimeLimit = SessionCacheCoordinator.defaultExternalTimeLimit
        self.ticketAgeTolerance = 10
        self.logger = nil
        self.statelessTicketReuse = .allowed
        self.earlyData = nil
        self.uncleanTransportClose = .keepSession
    }

    /// A client that verifies the server's certificate against the system roots, for
    /// `serverName` or, when it is nil, for the name each connection is given
    /// (`TLSConnection.setServerName(_:)`, the host of `TLSClient.connect`).
    public static func client(serverName: String?) -> TLSConfiguration {
        var configuration = TLSConfiguration(role: .client)
        configuration.serverName = serverName
        return configuration
    }

    /// A server presenting `chain` with `key`.
    public static func server(chain: CertificateChain, key: TLSPrivateKey) -> TLSConfiguration {
        var configuration = TLSConfiguration(role: .server)
        configuration.certificateChain = chain
        configuration.privateKey = key
        return configuration
    }

    /// Whether this configuration may negotiate `version`.
    func allows(_ version: ProtocolVersion) -> Bool {
        version >= minimumVersion && version <= maximumVersion
    }

    /// Checks what can be checked before any connection exists.
    func validate() throws {
        guard minimumVersion >= .tls12, maximumVersion <= .tls13, minimumVersion <= maximumVersion else {
            throw TLSError.invalidState("version range \(minimumVersion)...\(maximumVersion) is not within TLS 1.2...TLS 1.3")
        }
        if allows(.tls13) {
            guard cipherSuites.contains(where: { $0.tls13Parameters != nil }) else { throw TLSError.invalidState("no TLS 1.3 cipher suite configured") }
        }
        if maximumVersion == .tls12 {
            guard cipherSuites.contains(where: { $0.tls12Parameters != nil }) else { throw TLSError.invalidState("no TLS 1.2 cipher suite configured") }
        }
        guard !groups.isEmpty else { throw TLSError.invalidState("no key-exchange group configured") }
        if role == .server, certificateChain == nil || privateKey == nil {
            throw TLSError.invalidState("a server needs a certificate chain and a private key")
        }
        // Like SSL_CTX_check_private_key: a mismatch would fail every handshake later.
        if let chain = certificateChain, let key = privateKey {
            guard let certificateKey = try? TLSPublicKey(certificateDER: chain.leafDER),
                  key.publicKey.isSameKey(as: certificateKey) else {
                throw TLSError.invalidState("the private key does not match the certificate")
            }
        }
        if let limit = recordSizeLimit, !(RecordLimits.minRecordSizeLimit...(RecordLimits.maxPlaintextLength + 1)).contains(limit) {
            throw TLSError.invalidState("record_size_limit \(limit) outside 64...16385")
        }
        guard sessionIDContext.count <= 32 else { throw TLSError.invalidState("session ID context over 32 bytes") }
        if let handshakeTimeout, handshakeTimeout <= .zero { throw TLSError.invalidState("handshake timeout must be positive") }
        guard maximumAuthenticationAge >= 0 else { throw TLSError.invalidState("negative maximum authentication age") }
        guard sessionTimeout >= 0, ticketCount >= 0, ticketCountAfterResumption >= 0, maximumTicketCount >= 0 else {
            throw TLSError.invalidState("negative session timeout or ticket count")
        }
        for name in applicationProtocols where name.utf8.isEmpty || name.utf8.count > 255 {
            throw TLSError.invalidState("ALPN protocol name must be 1...255 bytes")
        }
        if role == .client, let serverName {
            try Self.validateServerName(serverName)
        }
    }

    /// Settings that do nothing in this configuration (see `TLSConfigurationWarning`); a
    /// context logs them when it is made.
    public var warnings: [TLSConfigurationWarning] {
        var warnings: [TLSConfigurationWarning] = []
        let callbacks = sessionCallbacks
        let caching = sessionCacheMode.isCaching(for: role)
        if role == .client, callbacks.onLookup != nil { warnings.append(.lookupCallbackOnClient) }
        if !caching, callbacks.onNew != nil || sessionStore != nil { warnings.append(.newSessionsNotReportedWithCachingOff) }
        guard role == .server else { return warnings }
        let statelessOnly = ticketMode == .stateless && !allows(.tls12)
        if statelessOnly, callbacks.onLookup != nil || sessionStore != nil {
            warnings.append(.lookupNeverAskedWithStatelessTickets)
        }
        let cachesInternally = caching && !sessionCacheMode.contains(.noInternalStore)
        if callbacks.onRemove != nil, statelessOnly || !cachesInternally {
            warnings.append(.removeCallbackNeverCalled)
        }
        if ticketMode == .stateful, !cachesInternally, sessionStore == nil, callbacks.onLookup == nil {
            warnings.append(.statefulTicketsCannotResume)
        }
        return warnings
    }

    /// The session-ID context a server stamps on its sessions and requires of the ones it
    /// resumes: `sessionIDContext` if set; else, for a server that requests client
    /// certificates, SHA-256 of the policy and the trust roots' fingerprint, so sessions made
    /// under one client-authentication setting never resume under another (OpenSSL refuses
    /// such contexts with `SSL_R_SESSION_ID_CONTEXT_UNINITIALIZED`; security review M3); else
    /// empty.
    public var effectiveSessionIDContext: [UInt8] {
        guard sessionIDContext.isEmpty, role == .server, clientAuthentication != .none else { return sessionIDContext }
        var hash = SHA256()
        hash.update(data: Array("swift-resumable-tls client authentication".utf8))
        hash.update(data: [clientAuthentication == .required ? 2 : 1])
        switch certificateVerification {
        case .fullVerification(let roots): hash.update(data: [1] + roots.fingerprint)
        case .insecureNoServerNameCheck(let roots): hash.update(data: [2] + roots.fingerprint)
        case .noVerificationForTestingOnly: hash.update(data: [3])
        }
        return hash.finalize().tlsBytes
    }

    /// Checks that a client connection that will use `serverName` (the configuration's or the
    /// connection's own) can verify who the server is (security review H1): with
    /// `.fullVerification` there must be a name to check. Runs when a client connection
    /// starts, since one client context may serve many servers. Throws `invalidState`.
    public func validateServerIdentity(serverName: String?) throws {
        guard role == .client else { return }
        if let serverName {
            try Self.validateServerName(serverName)
        } else if certificateVerification.requiresServerName {
            throw TLSError.invalidState(
                "a client that verifies certificates needs a server name to check them against: set "
                + "TLSConfiguration.serverName or TLSConnection.setServerName(_:) (TLSClient.connect uses its host), "
                + "or opt out explicitly with CertificateVerification.insecureNoServerNameCheck")
        }
    }

    /// A server name must fit SNI (RFC 6066 §3: 1...255 bytes here, DNS names are at most
    /// 253) and be printable ASCII with no spaces (A-labels; IP literals are not sent as SNI).
    static func validateServerName(_ name: String) throws {
        let bytes = Array(name.utf8)
        guard (1...255).contains(bytes.count), bytes.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw TLSError.invalidState("server name must be 1...255 printable ASCII characters (use the A-label form of an IDN)")
        }
    }
}
