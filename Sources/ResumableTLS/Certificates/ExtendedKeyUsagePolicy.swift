import SwiftASN1
import X509

/// A swift-certificates policy that the leaf certificate may be used for the peer's role: when
/// the leaf has an extended key usage extension, it must list `id-kp-serverAuth` (for a
/// server) or `id-kp-clientAuth` (for a client), or `anyExtendedKeyUsage` (RFC 5280 §4.2.1.12).
/// A leaf without the extension may be used for anything.
struct ExtendedKeyUsagePolicy: VerifierPolicy {
    let requiredUsage: ExtendedKeyUsage.Usage

    init(owner: CertificateOwner) {
        switch owner {
        case .server: requiredUsage = .serverAuth
        case .client: requiredUsage = .clientAuth
        }
    }

    /// This policy understands a critical extended key usage extension.
    var verifyingCriticalExtensions: [ASN1ObjectIdentifier] { [.X509ExtensionID.extendedKeyUsage] }

    mutating func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult {
        let usages: ExtendedKeyUsage?
        do {
            usages = try chain.leaf.extensions.extendedKeyUsage
        } catch {
            return .failsToMeetPolicy(reason: "ExtendedKeyUsagePolicy: cannot decode the leaf's extended key usage: \(error)")
        }
        guard let usages else { return .meetsPolicy }
        if usages.contains(requiredUsage) || usages.contains(.any) {
            return .meetsPolicy
        }
        let required = requiredUsage
        return .failsToMeetPolicy(reason: "ExtendedKeyUsagePolicy: the leaf's extended key usage does not allow \(required)")
    }
}
