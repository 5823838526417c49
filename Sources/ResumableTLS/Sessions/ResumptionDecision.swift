import Logging

/// Why an offered session was not resumed (S30's "structured logs of resumption decisions").
///
/// A server gives one reason per PSK identity it examined, in the client's order; a client gives
/// the one reason it can see. Every case leads to a full handshake, never to a failure (S11).
public enum ResumptionDeclineReason: String, Sendable, Hashable, CaseIterable {
    /// The ticket is unknown here: not in the cache or external store (never issued here,
    /// already used once (S14), evicted, removed), or a stateless ticket that does not open
    /// under this context's ticket keys (another context or fleet, a key rotated out, tampered).
    case unknownTicket = "unknown_ticket"
    /// The ticket or session ID is not known here, and the get callback or external store
    /// that might know it failed or did not answer in time (S23): a full handshake instead.
    case storeUnavailable = "store_unavailable"
    /// The session was marked not resumable (S6, S13).
    case notResumable = "not_resumable"
    /// The session's lifetime ran out (S16).
    case expired
    /// The session was made with another protocol version than the one negotiated (a TLS 1.2
    /// session offered to a TLS 1.3 handshake, or the reverse).
    case protocolVersion = "protocol_version"
    /// The session belongs to another session-ID context (S5).
    case sessionIDContext = "session_id_context"
    /// The session was made for another SNI name (S5); on a client, one its server certificate
    /// does not cover (RFC 8446 §4.6.1).
    case serverName = "server_name"
    /// The session was made with another ALPN protocol.
    case applicationProtocol = "alpn"
    /// No cipher suite both sides allow has the session's hash (RFC 8446 §4.2.11), or a
    /// HelloRetryRequest already chose a suite of another hash.
    case cipherSuite = "cipher_suite"
    /// The client's obfuscated ticket age is beyond the server's age plus the tolerance: a wrong
    /// `ticket_age_add` or a ticket replayed from elsewhere (RFC 8446 §8.3).
    case ticketAge = "ticket_age"
    /// A single-use stateless ticket that already resumed once (`StatelessTicketReuse`, S14).
    case replayed
    /// The two sides have no PSK key-exchange mode in common (RFC 8446 §4.2.9).
    case noCommonPSKMode = "no_common_psk_mode"
    /// The session does not satisfy the server's client-authentication policy now: no client
    /// certificate where one is required, or one where none is wanted (security review M3).
    case clientAuthentication = "client_authentication"
    /// The peer certificate stored in the session has expired (security review M3).
    case peerCertificateExpired = "peer_certificate_expired"
    /// The peer last authenticated with a certificate longer ago than
    /// `TLSConfiguration.maximumAuthenticationAge` (security review M3).
    case authenticationAge = "authentication_age"
    /// TLS 1.2: the session was made without the extended master secret and the new
    /// handshake negotiates it (RFC 7627 §5.3).
    case extendedMasterSecret = "extended_master_secret"
    /// Client side: the server answered with a full handshake (its reason is not on the wire).
    case declinedByServer = "declined_by_server"
}

/// How a handshake resumed: a TLS 1.3 PSK from a ticket, a TLS 1.2 session ID, or a TLS 1.2
/// (RFC 5077) ticket.
public enum ResumptionMechanism: String, Sendable, Hashable {
    case psk
    case sessionID = "session_id"
    case ticket
}

/// What a handshake decided about resumption (S11, S30), readable from
/// `NegotiatedParameters.resumption` and logged through `TLSConfiguration.logger`.
public enum ResumptionDecision: Sendable, Hashable {
    /// The client offered no session.
    case notOffered
    /// The offered session at `identityIndex` (the PSK identity's position) was resumed
    /// (`SSL_session_reused`).
    case resumed(identityIndex: Int)
    /// A session was offered and a full handshake happened, for these reasons (one per
    /// identity a server examined).
    case declined([ResumptionDeclineReason])

    /// Whether the handshake resumed.
    public var isResumed: Bool {
        if case .resumed = self { return true }
        return false
    }

    /// A short word for logs and CLIs: `resumed`, `not_offered`, or `declined`.
    public var outcome: String {
        switch self {
        case .notOffered: return "not_offered"
        case .resumed: return "resumed"
        case .declined: return "declined"
        }
    }

    /// The reasons, comma-separated, or nil when none apply.
    public var reasonList: String? {
        guard case .declined(let reasons) = self else { return nil }
        return reasons.isEmpty ? ResumptionDeclineReason.unknownTicket.rawValue : reasons.map(\.rawValue).joined(separator: ",")
    }

    /// The decision as swift-log metadata: `resumption` (the outcome), `declined` (the reasons)
    /// and `psk_index` when resumed.
    public var logMetadata: Logger.Metadata {
        var metadata: Logger.Metadata = ["resumption": "\(outcome)"]
        if let reasonList { metadata["declined"] = "\(reasonList)" }
        if case .resumed(let index) = self { metadata["psk_index"] = "\(index)" }
        return metadata
    }
}
