import Foundation

/// Files under the test bundle's `Fixtures/` (written by `scripts/make-test-certs.sh` and
/// the Python peers).
enum TestFixtures {
    /// The absolute path of `Fixtures/<relativePath>` in the test bundle.
    static func path(_ relativePath: String) -> String {
        guard let root = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            fatalError("Fixtures/ is missing from the test bundle (Package.swift resources)")
        }
        return root.appendingPathComponent(relativePath).path
    }
}

/// The test PKI in `Fixtures/certs/`: a root CA (ECDSA P-256), leaves for `localhost`
/// (SAN `DNS:localhost, IP:127.0.0.1`) signed by it, a client certificate (CN=test-client)
/// and an unrelated CA for negative tests. 100-year validity; serverAuth+clientAuth EKU.
/// Keys are PKCS#8 PEM.
enum TestCertificates: String, CaseIterable, Sendable {
    case ecdsaP256 = "leaf-ecdsa-p256"
    case ecdsaP384 = "leaf-ecdsa-p384"
    case ed25519 = "leaf-ed25519"
    case rsa2048 = "leaf-rsa2048"
    /// Client certificate, ECDSA P-256, CN=test-client.
    case client = "client-ecdsa-p256"

    /// The absolute path of `Fixtures/certs/<name>` (e.g. `"ca.pem"`).
    static func path(_ name: String) -> String { TestFixtures.path("certs/" + name) }

    /// The test root CA certificate that signed every case.
    static var caPath: String { path("ca.pem") }
    /// The test root CA's private key.
    static var caKeyPath: String { path("ca.key.pem") }
    /// A CA that signed none of the cases (for "unknown CA" tests).
    static var unrelatedCAPath: String { path("other-ca.pem") }
    static var unrelatedCAKeyPath: String { path("other-ca.key.pem") }

    /// The leaf certificate alone (PEM).
    var certificatePath: String { Self.path(rawValue + ".pem") }
    /// Leaf followed by the CA (PEM).
    var chainPath: String { Self.path(rawValue + ".chain.pem") }
    /// The private key (PKCS#8 PEM).
    var keyPath: String { Self.path(rawValue + ".key.pem") }
    /// The CA that signed it (same for every case).
    var caPath: String { Self.caPath }
}
