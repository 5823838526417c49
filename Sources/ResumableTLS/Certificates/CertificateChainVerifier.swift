@_spi(FixedExpiryValidationTime) import X509
import SwiftASN1
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Whose certificate chain is being checked: a server's is also matched against the name the
/// client connected to (RFC 8446 §4.4.2.2, RFC 6125); a client's only has to lead to a root.
public enum CertificateOwner: Sendable, Hashable {
    /// The server's chain, checked by a client.
    case server
    /// A client's chain, checked by a server that asked for it (RFC 8446 §4.3.2).
    case client
}

/// Checks a peer's certificate chain (RFC 8446 §4.4.2.4, RFC 5280 §6) with swift-certificates'
/// `Verifier`: RFC 5280 path building and validation (signatures, validity period, basic
/// constraints, name constraints, critical extensions) up to one of `trustRoots`, and, for a
/// server, `ServerIdentityPolicy` (subjectAltName DNS names or IP addresses); and the leaf's
/// extended key usage, when present, must allow the peer's role (`ExtendedKeyUsagePolicy`).
public struct CertificateChainVerifier: Sendable {
    /// The roots a chain must lead to (RFC 5280 §6.1.1 trust anchors).
    public let trustRoots: TrustRoots

    /// A verifier that trusts `trustRoots` (RFC 5280 §6).
    public init(trustRoots: TrustRoots) {
        self.trustRoots = trustRoots
    }

    /// Verifies `chainDER` (the `cert_data` of each CertificateEntry, leaf first; the remaining
    /// certificates are used as untrusted intermediates in any order, RFC 8446 §4.4.2).
    ///
    /// - Parameters:
    ///   - chainDER: the peer's certificates, leaf first.
    ///   - owner: `.server` when we are the client, `.client` when we are the server.
    ///   - expectedServerName: for a server chain, the host name or IP address literal the client
    ///     connected to (IPv4 dotted or IPv6 text form); `nil` skips the identity check (only
    ///     sensible for client certificates).
    ///   - validationTime: the time the certificates must be valid at; `nil` means now.
    /// - Returns: the validated chain as DER, leaf first, ending at the trust root.
    /// - Throws: `decode_error` for an empty server chain and `certificate_required` for an empty
    ///   client chain (RFC 8446 §4.4.2.4); `bad_certificate` when a certificate cannot be parsed
    ///   or the server name does not match; `certificate_expired` when a certificate is outside
    ///   its validity period; `unsupported_certificate` when the leaf's extended key usage does
    ///   not allow the role; `unknown_ca` when no chain to a trusted root exists;
    ///   `certificate_unknown` for other policy failures.
    public func verify(
        chainDER: [[UInt8]],
        owner: CertificateOwner,
        expectedServerName: String?,
        validationTime: Date? = nil
    ) async throws -> [[UInt8]] {
        guard let leafDER = chainDER.first else {
            switch owner {
            case .server: throw TLSError.decodeError("the server sent an empty Certificate message")
            case .client: throw TLSError.protocolViolation(alert: .certificateRequired, reason: .certificateRequired)
            }
        }
        let leaf = try Self.parse(leafDER, index: 0)
        var intermediates: [Certificate] = []
        for (offset, der) in chainDER.dropFirst().enumerated() {
            intermediates.append(try Self.parse(der, index: offset + 1))
        }

        let expiryPolicy = validationTime.map { RFC5280Policy(fixedExpiryValidationTime: $0) } ?? RFC5280Policy()
        let identityPolicy = expectedServerName.map { Self.identityPolicy(serverName: $0) }
        let usagePolicy = ExtendedKeyUsagePolicy(owner: owner)
        var verifier = Verifier(rootCertificates: trustRoots.store) {
            expiryPolicy
            usagePolicy
            if let identityPolicy {
                identityPolicy
            }
        }
        let result = await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates))
        switch result {
        case .validCertificate(let chain):
            // The peer's certificates come back as the bytes they arrived as; only a root from
            // the trust store is encoded again.
            var received: [Certificate: [UInt8]] = [leaf: leafDER]
            for (certificate, der) in zip(intermediates, chainDER.dropFirst()) { received[certificate] = der }
            var validated: [[UInt8]] = []
            for certificate in chain {
                if let der = received[certificate] {
                    validated.append(der)
                    continue
                }
                var serializer = DER.Serializer()
                do {
                    try serializer.serialize(certificate)
                } catch {
                    throw TLSError.internalError("cannot re-encode a validated certificate: \(error)")
                }
                validated.append(serializer.serializedBytes)
            }
            return validated
        case .couldNotValidate(let failures):
            throw Self.error(for: failures.map { $0.policyFailureReason.description }, serverName: expectedServerName)
        }
    }

    /// Whether the certificate `leafDER` is valid for `serverName` at `time`: the name checks of
    /// a full verification (`ServerIdentityPolicy`, RFC 6125), its validity period and extended
    /// key usage, without the path to a root (checked when the session was made). A client asks
    /// this before it offers a session made for another name (RFC 8446 §4.6.1, security review
    /// M4).
    public static func leaf(_ leafDER: [UInt8], covers serverName: String, at time: Date) async -> Bool {
        guard let leaf = try? Certificate(derEncoded: leafDER) else { return false }
        let identityPolicy = identityPolicy(serverName: serverName)
        // The leaf as its own anchor: only the policies below decide.
        var verifier = Verifier(rootCertificates: CertificateStore([leaf])) {
            RFC5280Policy(fixedExpiryValidationTime: time)
            ExtendedKeyUsagePolicy(owner: .server)
            identityPolicy
        }
        if case .validCertificate = await verifier.validate(leaf: leaf, intermediates: CertificateStore()) {
            return true
        }
        return false
    }

    /// Whether the certificate `der` parses and `time` is within its validity period: a server
    /// resumes a session with a client certificate only while it is (security review M3).
    public static func isWithinValidityPeriod(_ der: [UInt8], at time: Date) -> Bool {
        guard let certificate = try? Certificate(derEncoded: der) else { return false }
        return certificate.notValidBefore <= time && time <= certificate.notValidAfter
    }

    private static func parse(_ der: [UInt8], index: Int) throws -> Certificate {
        do {
            return try ParsedCertificateCache.certificate(der)
        } catch {
            throw TLSError.protocolViolation(alert: .badCertificate, reason: .certificateRejected("certificate \(index) of the peer's chain cannot be parsed: \(error)"))
        }
    }

    /// `ServerIdentityPolicy` with the name as an IP address when it parses as one, else as a
    /// host name (RFC 6125 §6.4, §6.2).
    private static func identityPolicy(serverName: String) -> ServerIdentityPolicy {
        var name = serverName
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if isIPAddress(name) {
            return ServerIdentityPolicy(serverHostname: nil, serverIP: name)
        }
        return ServerIdentityPolicy(serverHostname: serverName, serverIP: nil)
    }

    /// Whether `text` is an IPv4 or IPv6 address literal (`inet_pton`).
    private static func isIPAddress(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }

    /// Maps swift-certificates' failure reasons to the alert (RFC 8446 §6.2). With no candidate
    /// chain at all, no path to a trusted root was found: `unknown_ca`.
    static func error(for reasons: [String], serverName: String?) -> TLSError {
        guard let first = reasons.first else {
            return .protocolViolation(alert: .unknownCA, reason: .certificateRejected("no chain to a trusted root"))
        }
        let summary = reasons.joined(separator: "; ")
        if reasons.contains(where: { $0.contains("has expired") || $0.contains("not yet valid") || $0.contains("invalid expiry") }) {
            return .protocolViolation(alert: .certificateExpired, reason: .certificateRejected(summary))
        }
        if reasons.contains(where: { $0.contains("ExtendedKeyUsagePolicy") }) {
            return .protocolViolation(alert: .unsupportedCertificate, reason: .certificateRejected(summary))
        }
        if reasons.contains(where: { $0.contains("SAN") || $0.contains("common name") || $0.contains("Common name") }) {
            return .protocolViolation(alert: .badCertificate, reason: .certificateRejected("certificate does not match \(serverName ?? "the server name"): \(summary)"))
        }
        return .protocolViolation(alert: .certificateUnknown, reason: .certificateRejected(first == summary ? first : summary))
    }
}
