import Foundation

/// The checks every server resumption makes, whatever the version or mechanism: the session is
/// still resumable and unexpired (S6, S16), belongs to this session-ID context (S5), was made
/// for the same SNI name (RFC 6066 §3), and does not get around authentication (security
/// review M3: the client-authentication policy, the stored client certificate's validity,
/// `maximumAuthenticationAge`). Version-specific checks (suite, EMS, ticket age) come after.
struct ServerResumptionPolicy {
    let shared: SharedConfiguration
    var configuration: TLSConfiguration { _read { yield shared.value } }
    /// `configuration.effectiveSessionIDContext`, computed once per handshake.
    let sessionIDContext: [UInt8]

    func whyNotResumable(_ session: TLSSession, version: ProtocolVersion, serverName: String?, now: Date) -> ResumptionDeclineReason? {
        guard session.protocolVersion == version else { return .protocolVersion }
        guard session.isResumable else { return .notResumable }
        guard !session.isExpired(at: now) else { return .expired }
        guard session.sessionIDContext == sessionIDContext else { return .sessionIDContext }
        guard now.timeIntervalSince(session.authenticationTime) <= configuration.maximumAuthenticationAge else {
            return .authenticationAge
        }
        switch configuration.clientAuthentication {
        case .required where session.peerCertificates.isEmpty: return .clientAuthentication
        case .none where !session.peerCertificates.isEmpty: return .clientAuthentication
        default: break
        }
        if let leaf = session.peerCertificates.first, !CertificateChainVerifier.isWithinValidityPeriod(leaf, at: now) {
            return .peerCertificateExpired
        }
        guard ServerNameLiteral.sameName(session.serverName, serverName) else { return .serverName }
        return nil
    }
}
