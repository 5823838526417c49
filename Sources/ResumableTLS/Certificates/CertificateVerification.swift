import Foundation

/// How an endpoint treats the peer's certificate chain (RFC 8446 §4.4.2.4).
public enum CertificateVerification: Sendable {
    /// Verify the chain up to `trustRoots` and, for a server, its name (RFC 6125, see
    /// `CertificateChainVerifier`): a client connection with this setting refuses to start
    /// without a server name to check (`TLSConfiguration.serverName` or
    /// `TLSConnection.setServerName(_:)`; `TLSClient.connect` uses its host), like OpenSSL's
    /// `SSL_set1_host` with `SSL_VERIFY_PEER`.
    case fullVerification(trustRoots: TrustRoots)
    /// Verify the chain up to `trustRoots` but accept it for **any** server name: any holder of
    /// a certificate from one of the roots can impersonate any server. Only for deployments
    /// that pin a private root used by a single server and check its identity some other way.
    /// A client certificate is verified the same as with `fullVerification`.
    case insecureNoServerNameCheck(trustRoots: TrustRoots)
    /// Accept any chain without checking it. The CertificateVerify signature is still checked
    /// against the leaf's key, but anyone can impersonate the peer: for tests only.
    case noVerificationForTestingOnly

    /// Full verification against the system's roots (RFC 8446 §4.4.2.4, RFC 5280 §6).
    public static var systemTrustRoots: CertificateVerification { .fullVerification(trustRoots: .system) }

    /// Whether a server's chain must be matched against a server name (H1 of the security
    /// review): only `fullVerification` checks one.
    public var requiresServerName: Bool {
        if case .fullVerification = self { return true }
        return false
    }

    /// Applies this setting to the peer's chain (leaf first). With full verification see
    /// `CertificateChainVerifier.verify(chainDER:owner:expectedServerName:validationTime:)` for
    /// the alerts thrown; a server's chain with no `expectedServerName` is refused
    /// (`internal_error`: the connection should never have started). Without verification,
    /// only an empty chain is refused (`decode_error` from a server, `certificate_required`
    /// from a client, RFC 8446 §4.4.2.4).
    public func verifyPeerChain(
        _ chainDER: [[UInt8]],
        owner: CertificateOwner,
        expectedServerName: String?,
        validationTime: Date? = nil
    ) async throws {
        switch self {
        case .fullVerification(let trustRoots):
            // Fail closed: a server chain checked without a name proves nothing about the server.
            if owner == .server, expectedServerName == nil {
                throw TLSError.internalError("no server name to verify the server's certificate against")
            }
            _ = try await CertificateChainVerifier(trustRoots: trustRoots)
                .verify(chainDER: chainDER, owner: owner, expectedServerName: expectedServerName, validationTime: validationTime)
        case .insecureNoServerNameCheck(let trustRoots):
            _ = try await CertificateChainVerifier(trustRoots: trustRoots)
                .verify(chainDER: chainDER, owner: owner, expectedServerName: nil, validationTime: validationTime)
        case .noVerificationForTestingOnly:
            guard !chainDER.isEmpty else {
                switch owner {
                case .server: throw TLSError.decodeError("the server sent an empty Certificate message")
                case .client: throw TLSError.protocolViolation(alert: .certificateRequired, reason: .certificateRequired)
                }
            }
        }
    }
}
