import Foundation
import Testing
@testable import ResumableTLS

/// Our server against real clients over loopback: `openssl s_client -tls1_3`, Python's `ssl`
/// and `gnutls-cli`. Each client sends a line, our server echoes it and closes with
/// close_notify; the assertions read what the CLIENT reported (cipher, group, certificate
/// verification, ALPN, data received), then what our server saw.
@Suite("Interop: our server")
struct ServerInteropTests {
    /// Runs an s_client against our server built from `configuration`; returns the client's
    /// report and what our server saw of its one connection.
    private func runOpenSSLClient(
        server configuration: TLSConfiguration, input: String = "hello from s_client\n",
        _ configure: (inout OpenSSLClient.Options) -> Void = { _ in }
    ) async throws -> (OpenSSLClientReport, TLSTestServer.Served) {
        let context = try TLSContext(configuration)
        let (report, served) = try await TLSTestServer.run(context: context) { port in
            var options = OpenSSLClient.Options(port: port)
            configure(&options)
            let frozen = options
            return try await runOnThread { try OpenSSLClient.run(frozen, input: input) }
        }
        let connection = try #require(served.first, "our server accepted no connection; s_client said:\n\(report.stdout)\n\(report.stderr)")
        #expect(connection.error == nil, "server error: \(connection.error ?? "")\n\(report.stdout)\n\(report.stderr)")
        // The data went both ways, as both sides saw it.
        #expect(report.exitStatus == 0, "\(report.stdout)\n\(report.stderr)")
        #expect(report.protocolVersion == "TLSv1.3")
        #expect(report.verifyReturnCode == 0, "\(report.stdout)")
        let serverGotInput = connection.receivedText == input
        let clientGotEcho = report.received == input.trimmingCharacters(in: .newlines)
        #expect(serverGotInput, "our server received \(connection.received.count) bytes: \(connection.receivedText.prefix(80))")
        #expect(clientGotEcho, "s_client received \(report.received.count) bytes: \(report.received.prefix(80))")
        return (report, connection)
    }

    @Test("s_client -ciphersuites: each TLS 1.3 suite", arguments: CipherSuite.tls13Suites)
    func opensslClientCipherSuite(_ suite: CipherSuite) async throws {
        let (report, served) = try await runOpenSSLClient(server: try Interop.serverConfiguration()) {
            $0.ciphersuites = Interop.opensslName(suite)
        }
        #expect(report.cipher == Interop.opensslName(suite))
        #expect(served.negotiated?.cipherSuite == suite)
    }

    @Test("s_client -groups: X25519, P-256, P-384 without a retry", arguments: [NamedGroup.x25519, .secp256r1, .secp384r1])
    func opensslClientGroup(_ group: NamedGroup) async throws {
        let (report, served) = try await runOpenSSLClient(server: try Interop.serverConfiguration()) {
            $0.groups = Interop.opensslGroupName(group)
        }
        let tempKey = try #require(Interop.serverTempKeyLine(report), "\(report.stdout)")
        #expect(tempKey.lowercased().contains(Interop.opensslGroupReportName(group).lowercased()), "\(tempKey)")
        #expect(served.negotiated?.group == group)
        #expect(served.negotiated?.didHelloRetryRequest == false)
    }

    /// The client's first share is for a group our server does not take, so it asks again.
    @Test("s_client -groups forces a HelloRetryRequest", arguments: [
        ("X448:X25519", [NamedGroup.x25519, .secp256r1, .secp384r1], NamedGroup.x25519),
        ("P-384:P-256", [NamedGroup.secp256r1, .x25519], NamedGroup.secp256r1),
    ])
    func opensslClientHelloRetryRequest(clientGroups: String, serverGroups: [NamedGroup], expected: NamedGroup) async throws {
        var configuration = try Interop.serverConfiguration()
        configuration.groups = serverGroups
        let (report, served) = try await runOpenSSLClient(server: configuration) { $0.groups = clientGroups }
        let tempKey = try #require(Interop.serverTempKeyLine(report), "\(report.stdout)")
        #expect(tempKey.lowercased().contains(Interop.opensslGroupReportName(expected).lowercased()), "\(tempKey)")
        #expect(served.negotiated?.didHelloRetryRequest == true)
        #expect(served.negotiated?.group == expected)
    }

    @Test("s_client verifies each server certificate type against the test CA", arguments: [
        (TestCertificates.ecdsaP256, "ECDSA"), (.ecdsaP384, "ECDSA"), (.rsa2048, "RSA-PSS"), (.ed25519, "ed25519"),
    ])
    func opensslClientCertificate(_ certificate: TestCertificates, signatureType: String) async throws {
        let (report, served) = try await runOpenSSLClient(server: try Interop.serverConfiguration(certificate))
        #expect(report.verifyMessage == "ok")
        #expect(report.peerSignatureType == signatureType, "\(report.stdout)")
        #expect(report.stdout.contains("CN = localhost") || report.stdout.contains("CN=localhost"), "\(report.stdout)")
        #expect(served.negotiated != nil)
    }

    @Test("s_client -alpn: our server picks its own first choice")
    func opensslClientALPN() async throws {
        var configuration = try Interop.serverConfiguration()
        configuration.applicationProtocols = ["h2", "http/1.1"]
        let (report, served) = try await runOpenSSLClient(server: configuration) { $0.alpn = ["http/1.1", "h2"] }
        #expect(report.alpn == "h2")
        #expect(served.negotiated?.applicationProtocol == "h2")
        #expect(served.negotiated?.serverName == "localhost")
    }

    @Test("s_client without ALPN against a server with ALPN: none negotiated")
    func opensslClientNoALPN() async throws {
        var configuration = try Interop.serverConfiguration()
        configuration.applicationProtocols = ["h2"]
        let (report, served) = try await runOpenSSLClient(server: configuration)
        #expect(report.alpn == nil)
        #expect(report.stdout.contains("No ALPN negotiated"))
        #expect(served.negotiated?.applicationProtocol == nil)
    }

    @Test("s_client receives a large reply (many records)")
    func opensslClientLargeReply() async throws {
        let line = String(repeating: "0123456789abcdef", count: 3000)   // 48 000 bytes: 3 records
        let context = try TLSContext(try Interop.serverConfiguration())
        let (report, served) = try await TLSTestServer.run(context: context, reply: { _ in Array((line + "\n").utf8) }) { port in
            let options = OpenSSLClient.Options(port: port)
            return try await runOnThread { try OpenSSLClient.run(options, input: "send me a lot\n") }
        }
        #expect(served.first?.error == nil)
        #expect(served.first?.receivedText == "send me a lot\n")
        #expect(report.exitStatus == 0, "\(report.stderr)")
        let echoed = report.received == line
        #expect(echoed, "s_client received \(report.received.count) bytes")
    }

    /// RFC 8449: a record_size_limit binds only a peer that also sent the extension. OpenSSL 3.0
    /// sends none, so it may send full-size records to a server configured with a limit.
    @Test("record_size_limit configured, s_client does not negotiate it: full-size records still accepted")
    func recordSizeLimitNotNegotiatedByOpenSSL() async throws {
        var configuration = try Interop.serverConfiguration()
        configuration.recordSizeLimit = 1024
        let line = String(repeating: "x", count: 3000) + "\n"
        let (report, served) = try await runOpenSSLClient(server: configuration, input: line)
        #expect(report.received.count == 3000)
        #expect(served.negotiated?.peerRecordSizeLimit == RecordLimits.maxPlaintextLength + 1)
    }

    /// gnutls-cli sends one record per line it reads and does not retry partial writes, so it
    /// sends at most one record's worth (under our limit) per line; our reply is large.
    @Test("record_size_limit with gnutls-cli (which supports RFC 8449): both sides agree, data both ways")
    func recordSizeLimitWithGnuTLS() async throws {
        var configuration = try Interop.serverConfiguration()
        configuration.recordSizeLimit = 512
        let context = try TLSContext(configuration)
        let line = String(repeating: "0123456789", count: 40)
        let reply = String(repeating: "abcdefghij", count: 300)
        let (report, served) = try await TLSTestServer.run(context: context, reply: { _ in Array((reply + "\n").utf8) }) { port in
            let options = GnuTLSClient.Options(port: port)
            return try await runOnThread { try Interop.runGnuTLSClientUntilServerCloses(options, input: line + "\n") }
        }
        #expect(served.first?.error == nil, "\(served.first?.error ?? "")\n\(report.stdout)\n\(report.stderr)")
        #expect(served.first?.receivedText == line + "\n")
        // gnutls-cli announced its own limit: the extension was negotiated both ways.
        #expect(served.first?.negotiated?.peerRecordSizeLimit != nil)
        let clientGotReply = report.received.contains(reply)
        #expect(clientGotReply, "gnutls-cli received \(report.received.count) bytes")
    }

    // MARK: Python

    @Test("Python ssl client: each suite, ALPN, certificate checked", arguments: CipherSuite.tls13Suites)
    func pythonClient(_ suite: CipherSuite) async throws {
        var configuration = try Interop.serverConfiguration(.ecdsaP384)
        configuration.applicationProtocols = ["h2"]
        let context = try TLSContext(configuration)
        let (reports, served) = try await TLSTestServer.run(context: context) { port in
            var options = PythonTLSClient.Options(port: port)
            options.common.alpn = ["h2"]
            options.common.tls13Ciphersuites = Interop.opensslName(suite)
            options.send = "hello from python\n"
            options.expectBytes = 0   // read until our close_notify
            let frozen = options
            return try await runOnThread { try PythonTLSClient.run(frozen) }
        }
        let report = try #require(reports.first)
        #expect(report.error == nil, "\(report)")
        #expect(report.version == "TLSv1.3")
        #expect(report.cipher == Interop.opensslName(suite))
        #expect(report.alpn == "h2")
        #expect(report.peerCommonName == "localhost")
        #expect(report.received == "hello from python\n")
        #expect(served.first?.error == nil)
        #expect(served.first?.receivedText == "hello from python\n")
        #expect(served.first?.negotiated?.cipherSuite == suite)
        #expect(served.first?.negotiated?.applicationProtocol == "h2")
    }

    // MARK: gnutls-cli

    @Test("gnutls-cli: each certificate type, ALPN, data both ways", arguments: [
        (TestCertificates.ecdsaP256, "ECDSA-SECP256R1-SHA256"), (.ecdsaP384, "ECDSA-SECP384R1-SHA384"),
        (.rsa2048, "RSA-PSS-RSAE-SHA256"), (.ed25519, "EdDSA-Ed25519"),
    ])
    func gnutlsClient(_ certificate: TestCertificates, signature: String) async throws {
        var configuration = try Interop.serverConfiguration(certificate)
        configuration.applicationProtocols = ["h2"]
        let context = try TLSContext(configuration)
        let (report, served) = try await TLSTestServer.run(context: context) { port in
            var options = GnuTLSClient.Options(port: port)
            options.alpn = ["h2"]
            let frozen = options
            return try await runOnThread { try Interop.runGnuTLSClientUntilServerCloses(frozen, input: "hello from gnutls\n") }
        }
        #expect(report.certificateTrusted, "\(report.stdout)\n\(report.stderr)")
        let handshake = try #require(report.handshakes.first, "\(report.stdout)\n\(report.stderr)")
        #expect(handshake.protocolVersion == "TLS1.3")
        #expect(handshake.signature == signature, "\(handshake.description)")
        #expect(handshake.alpn == "h2")
        #expect(report.received.contains("hello from gnutls"), "\(report.stdout)")
        #expect(served.first?.error == nil)
        #expect(served.first?.receivedText == "hello from gnutls\n")
        #expect(served.first?.negotiated?.applicationProtocol == "h2")
    }

    @Test("gnutls-cli --priority: each suite and group", arguments: CipherSuite.tls13Suites, [NamedGroup.x25519, .secp256r1, .secp384r1])
    func gnutlsClientSuiteAndGroup(_ suite: CipherSuite, group: NamedGroup) async throws {
        let groupPriority: String = switch group {
        case .x25519: "+GROUP-X25519"
        case .secp256r1: "+GROUP-SECP256R1"
        default: "+GROUP-SECP384R1"
        }
        let context = try TLSContext(try Interop.serverConfiguration())
        let (report, served) = try await TLSTestServer.run(context: context) { port in
            var options = GnuTLSClient.Options(port: port)
            options.priority = "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+\(Interop.gnutlsCipher(suite)):-GROUP-ALL:\(groupPriority)"
            let frozen = options
            return try await runOnThread { try Interop.runGnuTLSClientUntilServerCloses(frozen, input: "ping\n") }
        }
        let handshake = try #require(report.handshakes.first, "\(report.stdout)\n\(report.stderr)")
        #expect(handshake.cipher == Interop.gnutlsCipher(suite))
        let expectedKeyExchange: String = switch group {
        case .x25519: "ECDHE-X25519"
        case .secp256r1: "ECDHE-SECP256R1"
        default: "ECDHE-SECP384R1"
        }
        #expect(handshake.keyExchange == expectedKeyExchange, "\(handshake.description)")
        #expect(report.received.contains("ping"), "\(report.stdout)")
        #expect(served.first?.negotiated?.cipherSuite == suite)
        #expect(served.first?.negotiated?.group == group)
        #expect(served.first?.receivedText == "ping\n")
    }
}
