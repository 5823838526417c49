import Foundation

/// How an endpoint treats the peer's certificate chain (RFC 8446 §4.4.2.4).
public enum CertificateVerification: Sendable {
    /// Verify the chain up to `trustRoots` and, for a server, its name
    /// (see `CertificateChainVerifier`).
    case fullVerification(trustRoots: TrustRoots)
    /// Accept any chain without checking it. The CertificateVerify signature is still checked
    /// against the leaf's key, but anyone can impersonate the peer: for tests only.
    case noVerificationForTestingOnly

    /// Full verification against the system's roots (RFC 8446 §4.4.2.4, RFC 5280 §6).
    public static var systemTrustRoots: CertificateVerification { .fullVerification(trustRoots: .system) }

    /// Applies this setting to the peer's chain (leaf first). With full verification see
    /// `CertificateChainVerifier.verify(chainDER:owner:expectedServerName:validationTime:)` for
    /// the alerts thrown; without, only an empty chain is refused (`decode_error` from a server,
    /// `certificate_required` from a client, RFC 8446 §4.4.2.4).
    public func verifyPeerChain(
        _ chainDER: [[UInt8]],
        owner: CertificateOwner,
        expectedServerName: String?,
        validationTime: Date? = nil
    ) async throws {
        switch self {
        case .fullVerification(let trustRoots):
            _ = try await CertificateChainVerifier(trustRoots: trustRoots)
                .verify(chainDER: chainDER, owner: owner, expectedServerName: expectedServerName, validationTime: validationTime)
        case .noVerificationForTestingOnly:
            guard !chainDER.isEmpty else {
                switch owner {
                case .server: throw TLSError.decodeError("the server sent an empty Certificate message")
                case .client: throw TLSError.protocolViolation(alert: .certificateRequired, reason: "the client sent no certificate")
                }
            }
        }
    }
}
