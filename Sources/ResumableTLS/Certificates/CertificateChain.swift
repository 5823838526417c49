import Foundation
import SwiftASN1
import X509

/// This endpoint's certificate chain: the DER of each certificate, end-entity first, as the
/// Certificate message carries it (RFC 8446 §4.4.2).
public struct CertificateChain: Sendable, Hashable {
    /// The DER certificates, leaf first; never empty (RFC 8446 §4.4.2 `cert_data`).
    public let certificatesDER: [[UInt8]]

    /// The end-entity certificate, sent first (RFC 8446 §4.4.2).
    public var leafDER: [UInt8] { certificatesDER.first ?? [] }

    /// A chain of DER certificates, leaf first, each certifying the one before it (RFC 8446 §4.4.2). Each is parsed once to reject garbage early.
    ///
    /// Throws `internal_error` (a local configuration fault) when the list is empty or a
    /// certificate cannot be parsed.
    public init(certificatesDER: [[UInt8]]) throws {
        guard !certificatesDER.isEmpty else {
            throw TLSError.internalError("a certificate chain needs at least one certificate")
        }
        for (index, der) in certificatesDER.enumerated() {
            do {
                _ = try Certificate(derEncoded: der)
            } catch {
                throw TLSError.internalError("certificate \(index) of the chain cannot be parsed: \(error)")
            }
        }
        self.certificatesDER = certificatesDER
    }

    /// Reads every `CERTIFICATE` block (RFC 7468 §5) of a PEM string, in order (leaf first); other blocks
    /// (such as a private key in the same file) are ignored.
    ///
    /// Throws `internal_error` when the PEM is malformed or has no certificate.
    public init(pemEncoded pem: String) throws {
        let documents: [PEMDocument]
        do {
            documents = try PEMDocument.parseMultiple(pemString: pem)
        } catch {
            throw TLSError.internalError("cannot read certificate PEM: \(error)")
        }
        try self.init(certificatesDER: documents.filter { $0.discriminator == "CERTIFICATE" }.map(\.derBytes))
    }

    /// Reads the `CERTIFICATE` blocks (RFC 7468 §5) of the PEM file at `path` (see `init(pemEncoded:)`).
    public init(pemFile path: String) throws {
        let pem: String
        do {
            pem = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw TLSError.internalError("cannot read certificate file \(path): \(error)")
        }
        try self.init(pemEncoded: pem)
    }

    /// The entries of a Certificate message for this chain (RFC 8446 §4.4.2), without
    /// per-certificate extensions.
    package var certificateEntries: [CertificateEntry] {
        certificatesDER.map { CertificateEntry(certificateData: $0) }
    }
}
