import Crypto
import Foundation
import SwiftASN1
import X509

/// A freshly generated ECDSA P-256 key and a self-signed certificate for it, as `rtls demo` and
/// `rtls server` without `--cert` use (like `openssl req -x509 -newkey ec`). The certificate is
/// its own root: a client trusts it with `.fullVerification(trustRoots: .certificates([der]))`.
public struct SelfSignedIdentity: Sendable {
    /// The certificate chain (one certificate).
    public let chain: CertificateChain
    /// The private key of the certificate.
    public let privateKey: TLSPrivateKey
    /// The certificate's DER, to trust it as a root.
    public var certificateDER: [UInt8] { chain.leafDER }
    /// The certificate in PEM.
    public let certificatePEM: String
    /// The key in PKCS#8 PEM.
    public let privateKeyPEM: String

    /// Generates a key and a certificate valid from an hour ago for `validity`, for the DNS
    /// names and IP addresses given (as subjectAltName entries, RFC 5280 §4.2.1.6).
    public init(
        commonName: String = "localhost",
        dnsNames: [String] = ["localhost"],
        ipAddresses: [[UInt8]] = [[127, 0, 0, 1]],
        validity: TimeInterval = 30 * 24 * 3600,
        now: Date = Date()
    ) throws {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName(commonName) }
        let names = dnsNames.map { GeneralName.dnsName($0) } + ipAddresses.map { GeneralName.ipAddress(ASN1OctetString(contentBytes: $0[...])) }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: now.addingTimeInterval(validity),
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                KeyUsage(digitalSignature: true, keyCertSign: true)
                try ExtendedKeyUsage([.serverAuth, .clientAuth])
                SubjectAlternativeNames(names)
            },
            issuerPrivateKey: .init(key))
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        chain = try CertificateChain(certificatesDER: [serializer.serializedBytes])
        privateKey = TLSPrivateKey(key)
        certificatePEM = try certificate.serializeAsPEM().pemString
        privateKeyPEM = key.pemRepresentation
    }
}
