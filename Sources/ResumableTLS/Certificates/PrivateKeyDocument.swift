import Crypto
import SwiftASN1
import _CryptoExtras

/// A private key read out of one PEM block, typed by its algorithm: PKCS#8 `PRIVATE KEY`
/// (RFC 5208/5958), SEC1 `EC PRIVATE KEY` (RFC 5915) or PKCS#1 `RSA PRIVATE KEY` (RFC 8017 §A.1.2).
///
/// The algorithm is read with swift-asn1 before any key type is built, so a P-384 key is never
/// mistaken for a P-256 one; the key itself is parsed by swift-crypto.
enum PrivateKeyDocument {
    case p256(P256.Signing.PrivateKey)
    case p384(P384.Signing.PrivateKey)
    case ed25519(Curve25519.Signing.PrivateKey)
    case rsa(_RSA.Signing.PrivateKey)

    static let pkcs8Label = "PRIVATE KEY"
    static let sec1Label = "EC PRIVATE KEY"
    static let pkcs1Label = "RSA PRIVATE KEY"

    static let rsaEncryptionOID: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 1, 1]
    static let ecPublicKeyOID: ASN1ObjectIdentifier = [1, 2, 840, 10045, 2, 1]
    static let ed25519OID: ASN1ObjectIdentifier = [1, 3, 101, 112]
    static let secp256r1OID: ASN1ObjectIdentifier = [1, 2, 840, 10045, 3, 1, 7]
    static let secp384r1OID: ASN1ObjectIdentifier = [1, 3, 132, 0, 34]

    struct UnsupportedKey: Error, CustomStringConvertible {
        var description: String
    }

    /// Reads the first private-key block of `pem` (other blocks, such as certificates or
    /// `EC PARAMETERS`, are skipped).
    init(pem: String) throws {
        let documents = try PEMDocument.parseMultiple(pemString: pem)
        guard let document = documents.first(where: {
            [Self.pkcs8Label, Self.sec1Label, Self.pkcs1Label].contains($0.discriminator)
        }) else {
            throw UnsupportedKey(description: "no PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY block")
        }
        try self.init(label: document.discriminator, der: document.derBytes)
    }

    init(label: String, der: [UInt8]) throws {
        switch label {
        case Self.pkcs1Label:
            self = .rsa(try _RSA.Signing.PrivateKey(derRepresentation: der))
        case Self.sec1Label:
            self = try Self.sec1(der: der)
        case Self.pkcs8Label:
            self = try Self.pkcs8(der: der)
        default:
            throw UnsupportedKey(description: "PEM block \(label) is not a private key")
        }
    }

    /// `PrivateKeyInfo ::= SEQUENCE { version, AlgorithmIdentifier, OCTET STRING privateKey, ... }`.
    private static func pkcs8(der: [UInt8]) throws -> PrivateKeyDocument {
        let root = try DER.parse(der)
        guard case .constructed(let fields) = root.content else {
            throw UnsupportedKey(description: "PKCS#8 key is not a SEQUENCE")
        }
        var iterator = fields.makeIterator()
        guard iterator.next() != nil,
              let algorithmNode = iterator.next(),
              let privateKeyNode = iterator.next(),
              case .constructed(let algorithmFields) = algorithmNode.content else {
            throw UnsupportedKey(description: "PKCS#8 key is truncated")
        }
        var algorithmIterator = algorithmFields.makeIterator()
        guard let oidNode = algorithmIterator.next() else {
            throw UnsupportedKey(description: "PKCS#8 AlgorithmIdentifier is empty")
        }
        let algorithm = try ASN1ObjectIdentifier(derEncoded: oidNode)
        let parameters = algorithmIterator.next().flatMap { try? ASN1ObjectIdentifier(derEncoded: $0) }
        let privateKey = try ASN1OctetString(derEncoded: privateKeyNode)

        switch algorithm {
        case rsaEncryptionOID:
            return .rsa(try _RSA.Signing.PrivateKey(derRepresentation: der))
        case ecPublicKeyOID:
            switch parameters {
            case secp256r1OID: return .p256(try P256.Signing.PrivateKey(derRepresentation: der))
            case secp384r1OID: return .p384(try P384.Signing.PrivateKey(derRepresentation: der))
            default: throw UnsupportedKey(description: "unsupported EC curve \(String(describing: parameters))")
            }
        case ed25519OID:
            // CurvePrivateKey ::= OCTET STRING, nested inside privateKey (RFC 8410 §7).
            let inner = try ASN1OctetString(derEncoded: Array(privateKey.bytes))
            return .ed25519(try Curve25519.Signing.PrivateKey(rawRepresentation: Array(inner.bytes)))
        default:
            throw UnsupportedKey(description: "unsupported private key algorithm \(algorithm)")
        }
    }

    /// `ECPrivateKey ::= SEQUENCE { version, OCTET STRING privateKey, [0] parameters OPTIONAL, ... }`.
    private static func sec1(der: [UInt8]) throws -> PrivateKeyDocument {
        let root = try DER.parse(der)
        guard case .constructed(let fields) = root.content else {
            throw UnsupportedKey(description: "SEC1 key is not a SEQUENCE")
        }
        var iterator = fields.makeIterator()
        guard iterator.next() != nil, let privateKeyNode = iterator.next() else {
            throw UnsupportedKey(description: "SEC1 key is truncated")
        }
        let privateKey = try ASN1OctetString(derEncoded: privateKeyNode)
        var curve: ASN1ObjectIdentifier?
        while let node = iterator.next() {
            if node.identifier.tagClass == .contextSpecific, node.identifier.tagNumber == 0,
               case .constructed(let wrapped) = node.content {
                var wrappedIterator = wrapped.makeIterator()
                if let oidNode = wrappedIterator.next() {
                    curve = try ASN1ObjectIdentifier(derEncoded: oidNode)
                }
            }
        }
        switch (curve, privateKey.bytes.count) {
        case (secp256r1OID, _), (nil, 32):
            return .p256(try P256.Signing.PrivateKey(rawRepresentation: Array(privateKey.bytes)))
        case (secp384r1OID, _), (nil, 48):
            return .p384(try P384.Signing.PrivateKey(rawRepresentation: Array(privateKey.bytes)))
        default:
            throw UnsupportedKey(description: "unsupported EC curve \(String(describing: curve))")
        }
    }
}
