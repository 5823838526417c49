import Crypto
import Foundation
import SwiftASN1
import X509

/// The certificate authorities a peer's chain must lead to (RFC 8446 §4.4.2.2, RFC 5280 §6).
public struct TrustRoots: Sendable {
    let store: CertificateStore
    /// Names this set of roots for the default session-ID context (security review M3): the
    /// SHA-256 of the roots' DER, or of "system" for the system's roots.
    let fingerprint: [UInt8]

    init(store: CertificateStore, fingerprint: [UInt8]) {
        self.store = store
        self.fingerprint = fingerprint
    }

    /// The operating system's roots (the trust anchors of RFC 5280 §6.1.1). On Linux swift-certificates reads
    /// `/etc/ssl/certs/ca-certificates.crt` (or the other usual bundle paths) and the PEM files
    /// of `/etc/ssl/certs`, once, in the background; a missing bundle makes every chain fail
    /// with `unknown_ca`.
    public static let system = TrustRoots(store: CertificateStore.systemTrustRoots, fingerprint: Array(SHA256.hash(data: Array("system".utf8))))

    /// The given DER certificates as trust anchors (RFC 5280 §6.1.1).
    ///
    /// Throws `internal_error` (a local configuration fault) when one cannot be parsed.
    public static func certificates(_ certificatesDER: [[UInt8]]) throws -> TrustRoots {
        var certificates: [Certificate] = []
        for (index, der) in certificatesDER.enumerated() {
            do {
                certificates.append(try Certificate(derEncoded: der))
            } catch {
                throw TLSError.internalError("trust root \(index) cannot be parsed: \(error)")
            }
        }
        var hash = SHA256()
        for der in certificatesDER {
            hash.update(data: [UInt8(truncatingIfNeeded: der.count >> 16), UInt8(truncatingIfNeeded: der.count >> 8), UInt8(truncatingIfNeeded: der.count)])
            hash.update(data: der)
        }
        return TrustRoots(store: CertificateStore(certificates), fingerprint: hash.finalize().tlsBytes)
    }

    /// Every `CERTIFICATE` block (RFC 7468 §5) of a PEM string, as trust anchors.
    ///
    /// Throws `internal_error` when the PEM is malformed or has no certificate.
    public static func pem(_ pem: String) throws -> TrustRoots {
        let documents: [PEMDocument]
        do {
            documents = try PEMDocument.parseMultiple(pemString: pem)
        } catch {
            throw TLSError.internalError("cannot read trust root PEM: \(error)")
        }
        let certificates = documents.filter { $0.discriminator == "CERTIFICATE" }.map(\.derBytes)
        guard !certificates.isEmpty else {
            throw TLSError.internalError("trust root PEM has no CERTIFICATE block")
        }
        return try .certificates(certificates)
    }

    /// Every `CERTIFICATE` block (RFC 7468 §5) of the PEM file at `path`, as trust anchors.
    ///
    /// Throws `internal_error` when the file cannot be read, is malformed or has no certificate.
    public static func pem(path: String) throws -> TrustRoots {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw TLSError.internalError("cannot read trust root file \(path): \(error)")
        }
        return try .pem(text)
    }
}
