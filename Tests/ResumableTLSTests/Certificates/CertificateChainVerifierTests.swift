import Foundation
import Testing
@testable import ResumableTLS

@Suite("Certificates: chain verification")
struct CertificateChainVerifierTests {
    /// A fixed time inside every fixture's validity (2026-11-22 .. 2126-10-29).
    static let validTime = Date(timeIntervalSince1970: 1_893_456_000) // 2030-01-01
    static let afterExpiry = Date(timeIntervalSince1970: 7_258_118_400) // 2200-01-01
    static let beforeValidity = Date(timeIntervalSince1970: 946_684_800) // 2000-01-01

    static func leafChain() throws -> [[UInt8]] {
        [try CertificateTestSupport.certificateDER(CertificateFixtures.leafSignedByTestCA)]
    }

    static func verifier() throws -> CertificateChainVerifier {
        CertificateChainVerifier(trustRoots: try .pem(CertificateFixtures.testCACertificate))
    }

    @Test("A leaf signed by the test CA verifies for its host name and IP addresses")
    func acceptsLeaf() async throws {
        let verifier = try Self.verifier()
        for name in ["localhost", "LOCALHOST", "127.0.0.1"] {
            let validated = try await verifier.verify(chainDER: try Self.leafChain(), owner: .server, expectedServerName: name, validationTime: Self.validTime)
            #expect(validated == [try CertificateTestSupport.certificateDER(CertificateFixtures.leafSignedByTestCA), try CertificateTestSupport.certificateDER(CertificateFixtures.testCACertificate)])
        }
        // With the CA also sent as an intermediate (servers often include it).
        _ = try await verifier.verify(chainDER: try Self.leafChain() + [try CertificateTestSupport.certificateDER(CertificateFixtures.testCACertificate)], owner: .server, expectedServerName: "localhost", validationTime: Self.validTime)
        // As a client certificate: no name.
        _ = try await verifier.verify(chainDER: try Self.leafChain(), owner: .client, expectedServerName: nil, validationTime: Self.validTime)
        // The current time (the fixtures are valid for 100 years).
        _ = try await verifier.verify(chainDER: try Self.leafChain(), owner: .server, expectedServerName: "localhost")
    }

    @Test("A wrong host name or IP address is bad_certificate")
    func wrongName() async throws {
        let verifier = try Self.verifier()
        for name in ["example.com", "localhost.evil", "127.0.0.2", "::1"] {
            let alert = await CertificateTestSupport.alert {
                _ = try await verifier.verify(chainDER: try Self.leafChain(), owner: .server, expectedServerName: name, validationTime: Self.validTime)
            }
            #expect(alert == .badCertificate, "\(name)")
        }
    }

    @Test("A chain to an unknown CA is unknown_ca")
    func unknownCA() async throws {
        let verifier = CertificateChainVerifier(trustRoots: try .pem(CertificateFixtures.unrelatedCACertificate))
        let alert = await CertificateTestSupport.alert {
            _ = try await verifier.verify(chainDER: try Self.leafChain(), owner: .server, expectedServerName: "localhost", validationTime: Self.validTime)
        }
        #expect(alert == .unknownCA)
        // A self-signed certificate that is not a root.
        let selfSigned = await CertificateTestSupport.alert {
            _ = try await Self.verifier().verify(chainDER: [try CertificateTestSupport.certificateDER(CertificateFixtures.selfSignedP256Certificate)], owner: .server, expectedServerName: "localhost", validationTime: Self.validTime)
        }
        #expect(selfSigned == .unknownCA)
    }

    @Test("Outside the validity period is certificate_expired")
    func expired() async throws {
        let verifier = try Self.verifier()
        for time in [Self.afterExpiry, Self.beforeValidity] {
            let alert = await CertificateTestSupport.alert {
                _ = try await verifier.verify(chainDER: try Self.leafChain(), owner: .server, expectedServerName: "localhost", validationTime: time)
            }
            #expect(alert == .certificateExpired)
        }
    }

    @Test("Unparseable certificates are bad_certificate; empty chains decode_error / certificate_required")
    func malformed() async throws {
        let verifier = try Self.verifier()
        var truncated = try CertificateTestSupport.certificateDER(CertificateFixtures.leafSignedByTestCA)
        truncated.removeLast(10)
        for chain in [[truncated], [[0x30, 0x00]], try Self.leafChain() + [[0x01, 0x02]]] {
            let alert = await CertificateTestSupport.alert {
                _ = try await verifier.verify(chainDER: chain, owner: .server, expectedServerName: "localhost", validationTime: Self.validTime)
            }
            #expect(alert == .badCertificate)
        }
        #expect(await CertificateTestSupport.alert {
            _ = try await verifier.verify(chainDER: [], owner: .server, expectedServerName: "localhost", validationTime: Self.validTime)
        } == .decodeError)
        #expect(await CertificateTestSupport.alert {
            _ = try await verifier.verify(chainDER: [], owner: .client, expectedServerName: nil, validationTime: Self.validTime)
        } == .certificateRequired)
    }

    @Test("CertificateVerification: full verification and the testing-only bypass")
    func verificationSetting() async throws {
        let full = CertificateVerification.fullVerification(trustRoots: try .pem(CertificateFixtures.testCACertificate))
        try await full.verifyPeerChain(try Self.leafChain(), owner: .server, expectedServerName: "localhost", validationTime: Self.validTime)
        #expect(await CertificateTestSupport.alert {
            try await full.verifyPeerChain(try Self.leafChain(), owner: .server, expectedServerName: "example.com", validationTime: Self.validTime)
        } == .badCertificate)
        let none = CertificateVerification.noVerificationForTestingOnly
        try await none.verifyPeerChain([try CertificateTestSupport.certificateDER(CertificateFixtures.selfSignedP256Certificate)], owner: .server, expectedServerName: "example.com")
        #expect(await CertificateTestSupport.alert {
            try await none.verifyPeerChain([], owner: .server, expectedServerName: nil)
        } == .decodeError)
    }

    @Test("Trust roots load from DER, PEM files and the system bundle; bad input is internal_error")
    func trustRoots() async throws {
        let der = try CertificateTestSupport.certificateDER(CertificateFixtures.testCACertificate)
        let fromDER = CertificateChainVerifier(trustRoots: try .certificates([der]))
        _ = try await fromDER.verify(chainDER: try Self.leafChain(), owner: .server, expectedServerName: "localhost", validationTime: Self.validTime)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rtls-roots-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("roots.pem").path
        try (CertificateFixtures.unrelatedCACertificate + CertificateFixtures.testCACertificate).write(toFile: path, atomically: true, encoding: .utf8)
        let fromFile = CertificateChainVerifier(trustRoots: try .pem(path: path))
        _ = try await fromFile.verify(chainDER: try Self.leafChain(), owner: .server, expectedServerName: "localhost", validationTime: Self.validTime)

        #expect(CertificateTestSupport.alert { _ = try TrustRoots.pem(path: directory.appendingPathComponent("missing.pem").path) } == .internalError)
        #expect(CertificateTestSupport.alert { _ = try TrustRoots.pem(CertificateFixtures.selfSignedP256Key) } == .internalError)
        #expect(CertificateTestSupport.alert { _ = try TrustRoots.certificates([[1, 2, 3]]) } == .internalError)

        // The system roots do not include the test CA.
        let system = CertificateChainVerifier(trustRoots: .system)
        #expect(await CertificateTestSupport.alert {
            _ = try await system.verify(chainDER: try Self.leafChain(), owner: .server, expectedServerName: "localhost", validationTime: Self.validTime)
        } == .unknownCA)
    }

    @Test("The leaf's extended key usage must allow the role (unsupported_certificate otherwise)")
    func extendedKeyUsage() async throws {
        let verifier = try Self.verifier()
        let serverOnly = [try CertificateTestSupport.certificateDER(CertificateFixtures.serverAuthOnlyLeafSignedByTestCA)]
        _ = try await verifier.verify(chainDER: serverOnly, owner: .server, expectedServerName: "server.test", validationTime: Self.validTime)
        #expect(await CertificateTestSupport.alert {
            _ = try await verifier.verify(chainDER: serverOnly, owner: .client, expectedServerName: nil, validationTime: Self.validTime)
        } == .unsupportedCertificate)
        // The serverAuth+clientAuth leaf is fine both ways (tested above); a wrong name still wins over EKU for servers.
        #expect(await CertificateTestSupport.alert {
            _ = try await verifier.verify(chainDER: serverOnly, owner: .server, expectedServerName: "localhost", validationTime: Self.validTime)
        } == .badCertificate)
    }
}
