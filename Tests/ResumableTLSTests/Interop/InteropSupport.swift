import Foundation
import Testing
@testable import ResumableTLS

/// Names and configurations shared by the interop tests.
enum Interop {
    /// OpenSSL's / IANA's name of a TLS 1.3 suite (`-ciphersuites`, s_client's `Cipher is`).
    static func opensslName(_ suite: CipherSuite) -> String {
        switch suite {
        case .tlsAES128GCMSHA256: return "TLS_AES_128_GCM_SHA256"
        case .tlsAES256GCMSHA384: return "TLS_AES_256_GCM_SHA384"
        case .tlsChaCha20Poly1305SHA256: return "TLS_CHACHA20_POLY1305_SHA256"
        default: return "unknown-\(suite.rawValue)"
        }
    }

    /// GnuTLS's name of the record cipher of a suite (`- Description: …-(AES-128-GCM)`).
    static func gnutlsCipher(_ suite: CipherSuite) -> String {
        switch suite {
        case .tlsAES128GCMSHA256: return "AES-128-GCM"
        case .tlsAES256GCMSHA384: return "AES-256-GCM"
        case .tlsChaCha20Poly1305SHA256: return "CHACHA20-POLY1305"
        default: return "unknown"
        }
    }

    /// OpenSSL's `-groups` name.
    static func opensslGroupName(_ group: NamedGroup) -> String {
        switch group {
        case .x25519: return "X25519"
        case .secp256r1: return "P-256"
        case .secp384r1: return "P-384"
        default: return "unknown"
        }
    }

    /// How s_server prints a group in `Shared groups:`, and s_client in `Server Temp Key:`.
    static func opensslGroupReportName(_ group: NamedGroup) -> String {
        switch group {
        case .x25519: return "x25519"
        case .secp256r1: return "prime256v1"
        case .secp384r1: return "secp384r1"
        default: return "unknown"
        }
    }

    /// The signature scheme our side uses / expects with each test certificate's key.
    static func expectedScheme(_ certificate: TestCertificates) -> SignatureScheme {
        switch certificate {
        case .ecdsaP256, .client: return .ecdsaSecp256r1SHA256
        case .ecdsaP384: return .ecdsaSecp384r1SHA384
        case .ed25519: return .ed25519
        case .rsa2048: return .rsaPSSRSAESHA256
        }
    }

    /// Our server with one of the test identities (leaf + CA chain).
    static func serverConfiguration(_ certificate: TestCertificates = .ecdsaP256) throws -> TLSConfiguration {
        TLSConfiguration.server(chain: try CertificateChain(pemFile: certificate.chainPath),
                                key: try TLSPrivateKey(pemFile: certificate.keyPath))
    }

    /// Our client for `localhost`, trusting only the test CA.
    static func clientConfiguration() throws -> TLSConfiguration {
        var configuration = TLSConfiguration.client(serverName: "localhost")
        configuration.certificateVerification = .fullVerification(trustRoots: try .pem(path: TestCertificates.caPath))
        return configuration
    }

    /// The `Server Temp Key: …` line of s_client (e.g. `X25519, 253 bits` or `ECDH, prime256v1, 256 bits`).
    static func serverTempKeyLine(_ report: OpenSSLClientReport) -> String? {
        report.stdout.split(separator: "\n").first { $0.hasPrefix("Server Temp Key: ") }
            .map { String($0.dropFirst("Server Temp Key: ".count)) }
    }

    /// s_server's `Shared groups: …` lines (one per connection; interactive mode).
    static func sharedGroupsLines(_ server: OpenSSLServer) -> [String] {
        server.process.lines(of: .stdout).filter { $0.hasPrefix("Shared groups: ") }
            .map { String($0.dropFirst("Shared groups: ".count)) }
    }

    /// Runs gnutls-cli with `input` but keeps its stdin open, so that it waits for the server's
    /// reply and exits when the server closes (it quits as soon as stdin ends otherwise).
    static func runGnuTLSClientUntilServerCloses(_ options: GnuTLSClient.Options, input: String,
                                                 timeout: Duration = .seconds(10)) throws -> GnuTLSClientReport {
        let process = try PeerProcess(executable: PeerTool.gnutlsCLI(), arguments: options.arguments)
        defer { process.terminate() }
        try process.write(input)
        let status = try process.waitForExit(timeout: timeout)
        return GnuTLSClientReport(stdout: process.stdout, stderr: process.stderr, exitStatus: status)
    }
}

extension TestCertificates: CustomTestStringConvertible {
    var testDescription: String { rawValue }
}
