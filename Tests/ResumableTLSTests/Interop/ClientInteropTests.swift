import Foundation
import Testing
@testable import ResumableTLS

/// Our client against real servers over loopback: `openssl s_server -tls1_3` (interactive
/// mode: it prints what it negotiated and received, and sends what we write to its stdin) and
/// Python's `ssl`. Each test sends data both ways and asserts on the SERVER's own report.
@Suite("Interop: our client")
struct ClientInteropTests {
    /// What one conversation with s_server produced.
    struct Conversation {
        var negotiated: NegotiatedParameters
        var report: OpenSSLServerConnectionReport
        /// s_server's `Shared groups:` line.
        var sharedGroups: String?
        var server: OpenSSLServer
    }

    /// Connects our client (`configuration`) to an interactive s_server, sends a line, waits
    /// until s_server printed it, has s_server send a line back, receives it, closes with
    /// close_notify and waits for s_server to report the connection closed.
    private func converse(
        client configuration: TLSConfiguration, _ configureServer: (inout OpenSSLServer.Options) -> Void = { _ in }
    ) async throws -> Conversation {
        var options = OpenSSLServer.Options()
        configureServer(&options)
        let context = try TLSContext(configuration)
        return try await OpenSSLServer.run(options) { server in
            let driver = try TLSSocketDriver.connect(port: server.port, context: context)
            defer { driver.socket.close() }
            let negotiated: NegotiatedParameters
            do {
                negotiated = try await driver.handshake()
            } catch {
                throw PeerError("our handshake failed: \(error)", peer: server.process)
            }
            try driver.send("hello from rtls\n")
            try server.process.waitForLine(containing: "hello from rtls", in: .stdout)
            try server.send("hello from s_server\n")
            let reply = try driver.receiveLine()
            #expect(String(decoding: reply, as: UTF8.self) == "hello from s_server\n")
            driver.closeAndDrain()
            #expect(driver.closeNotifyReceived || driver.reachedEndOfFile)
            let reports = try server.waitForConnectionReports(count: 1)
            let report = try #require(reports.first)
            #expect(report.closed)
            #expect(report.received == "hello from rtls", "\(server.process.transcript)")
            #expect(driver.connection.state == .closed(error: nil) || driver.reachedEndOfFile)
            return Conversation(negotiated: negotiated, report: report,
                                sharedGroups: Interop.sharedGroupsLines(server).last, server: server)
        }
    }

    @Test("s_server -ciphersuites: each TLS 1.3 suite", arguments: CipherSuite.tls13Suites)
    func cipherSuite(_ suite: CipherSuite) async throws {
        let conversation = try await converse(client: try Interop.clientConfiguration()) {
            $0.ciphersuites = Interop.opensslName(suite)
        }
        #expect(conversation.report.cipher == Interop.opensslName(suite))
        #expect(conversation.negotiated.cipherSuite == suite)
    }

    @Test("Our client offers one suite: s_server takes it", arguments: CipherSuite.tls13Suites)
    func clientChoosesSuite(_ suite: CipherSuite) async throws {
        var configuration = try Interop.clientConfiguration()
        configuration.cipherSuites = [suite]
        let conversation = try await converse(client: configuration)
        #expect(conversation.report.cipher == Interop.opensslName(suite))
        #expect(conversation.negotiated.cipherSuite == suite)
    }

    @Test("Each group, key share sent first time", arguments: [NamedGroup.x25519, .secp256r1, .secp384r1])
    func group(_ group: NamedGroup) async throws {
        var configuration = try Interop.clientConfiguration()
        configuration.groups = [group]
        let conversation = try await converse(client: configuration) { $0.groups = Interop.opensslGroupName(group) }
        #expect(conversation.sharedGroups == Interop.opensslGroupReportName(group) || (group == .secp256r1 && conversation.sharedGroups == "secp256r1"),
                "\(conversation.server.process.transcript)")
        #expect(conversation.negotiated.group == group)
        #expect(conversation.negotiated.didHelloRetryRequest == false)
    }

    /// Our client sends an X25519 share; s_server's `-groups` lacks X25519, so it retries.
    @Test("s_server -groups forces a HelloRetryRequest", arguments: [
        ("P-384", NamedGroup.secp384r1), ("P-256:P-384", NamedGroup.secp256r1),
    ])
    func helloRetryRequest(serverGroups: String, expected: NamedGroup) async throws {
        let configuration = try Interop.clientConfiguration()   // groups x25519, P-256, P-384; share x25519
        let conversation = try await converse(client: configuration) { $0.groups = serverGroups }
        #expect(conversation.negotiated.didHelloRetryRequest == true)
        #expect(conversation.negotiated.group == expected)
        // s_server saw our supported_groups and retried for its own first choice.
        let shared = try #require(conversation.sharedGroups, "\(conversation.server.process.transcript)")
        let expectedName = expected == .secp256r1 ? "secp256r1" : "secp384r1"
        #expect(shared.hasPrefix(expectedName) || shared.hasPrefix(Interop.opensslGroupReportName(expected)), "\(shared)")
    }

    @Test("Each server certificate type verifies against the test CA for localhost", arguments: [
        TestCertificates.ecdsaP256, .ecdsaP384, .rsa2048, .ed25519,
    ])
    func serverCertificate(_ certificate: TestCertificates) async throws {
        let conversation = try await converse(client: try Interop.clientConfiguration()) {
            $0.certificatePath = certificate.certificatePath
            $0.keyPath = certificate.keyPath
        }
        #expect(conversation.negotiated.peerSignatureScheme == Interop.expectedScheme(certificate))
        let leaf = try CertificateChain(pemFile: certificate.certificatePath).leafDER
        #expect(conversation.negotiated.peerCertificates.first == leaf)
        #expect(conversation.report.cipher != nil)
    }

    @Test("A server certificate from an unrelated CA is refused with a fatal alert s_server reports")
    func unknownCertificateAuthority() async throws {
        var configuration = TLSConfiguration.client(serverName: "localhost")
        configuration.certificateVerification = .fullVerification(trustRoots: try .pem(path: TestCertificates.unrelatedCAPath))
        let context = try TLSContext(configuration)
        try await OpenSSLServer.run { server in
            let driver = try TLSSocketDriver.connect(port: server.port, context: context)
            defer { driver.socket.close() }
            await #expect(throws: TLSError.self) { try await driver.handshake() }
            guard case .closed(let error?) = driver.connection.state else {
                Issue.record("not closed: \(driver.connection.state)"); return
            }
            #expect(error.alertToSend != nil)
            // s_server got our alert (its error line names it).
            try server.process.waitForLine(containing: "alert", in: .either)
        }
    }

    @Test("Client certificate: s_server -Verify requires and verifies ours")
    func clientCertificate() async throws {
        var configuration = try Interop.clientConfiguration()
        configuration.certificateChain = try CertificateChain(pemFile: TestCertificates.client.chainPath)
        configuration.privateKey = try TLSPrivateKey(pemFile: TestCertificates.client.keyPath)
        let conversation = try await converse(client: configuration) { $0.clientAuthentication = .require }
        let subject = try #require(conversation.report.clientCertificateSubject, "\(conversation.server.process.transcript)")
        #expect(subject.contains("test-client"))
        #expect(!conversation.server.process.stdout.contains("verify error"), "\(conversation.server.process.transcript)")
    }

    @Test("Client certificate required but none configured: s_server refuses, we see its alert")
    func clientCertificateMissing() async throws {
        let context = try TLSContext(try Interop.clientConfiguration())
        var options = OpenSSLServer.Options()
        options.clientAuthentication = .require
        try await OpenSSLServer.run(options) { server in
            let driver = try TLSSocketDriver.connect(port: server.port, context: context)
            defer { driver.socket.close() }
            // TLS 1.3: our handshake completes (we sent an empty Certificate), then the server's alert arrives.
            do {
                try await driver.handshake()
                _ = try driver.receiveLine()
                Issue.record("no alert from s_server")
            } catch let error as TLSError {
                #expect(error == .peerAlert(.certificateRequired), "\(error)")
            }
            try server.process.waitForLine(containing: "peer did not return a certificate", in: .either)
        }
    }

    @Test("ALPN: s_server picks h2 from our offer")
    func alpn() async throws {
        var configuration = try Interop.clientConfiguration()
        configuration.applicationProtocols = ["http/1.1", "h2"]
        let conversation = try await converse(client: configuration) { $0.alpn = ["h2", "http/1.1"] }
        #expect(conversation.report.alpn == "h2")
        #expect(conversation.negotiated.applicationProtocol == "h2")
    }

    @Test("Large data both ways (several records each way) with a KeyUpdate")
    func largeDataAndKeyUpdate() async throws {
        let context = try TLSContext(try Interop.clientConfiguration())
        var options = OpenSSLServer.Options()
        options.mode = .reverseEcho
        try await OpenSSLServer.run(options) { server in
            let driver = try TLSSocketDriver.connect(port: server.port, context: context)
            defer { driver.socket.close() }
            try await driver.handshake()
            // Three 10 000-byte lines (s_server -rev reverses lines of up to 16 KiB): two records.
            let lines = (0..<3).map { index in String(repeating: "abcdefghi\(index)", count: 1000) }
            try driver.send(lines.map { $0 + "\n" }.joined())
            let echoed = try driver.receive { $0.filter { $0 == UInt8(ascii: "\n") }.count >= 3 }
            let expected = Array(lines.map { String($0.reversed()) + "\n" }.joined().utf8)
            #expect(echoed == expected, "the reversed echo (\(echoed.count) bytes) differs from the \(expected.count) expected")
            try driver.connection.updateKeys(requestPeerUpdate: true)
            try driver.flush()
            try driver.send("after update\n")
            let second = try driver.receiveLine()
            #expect(String(decoding: second, as: UTF8.self) == "etadpu retfa\n")
            #expect(driver.events.contains(.peerKeyUpdated))
            try driver.send("CLOSE\n")
            _ = try driver.receiveUntilClose()
            driver.closeAndDrain()
            let reports = try server.waitForConnectionReports(count: 1)
            #expect(reports.first?.protocolVersion == "TLSv1.3")
            #expect(reports.first?.cipher == Interop.opensslName(driver.negotiated?.cipherSuite ?? .tlsAES128GCMSHA256))
        }
    }

    /// RFC 8449: s_server (OpenSSL 3.0) ignores our record_size_limit, so it may send
    /// full-size records, which we must accept.
    @Test("Our record_size_limit, ignored by s_server: its full-size records are accepted")
    func recordSizeLimitIgnoredByServer() async throws {
        var configuration = try Interop.clientConfiguration()
        configuration.recordSizeLimit = 1024
        let context = try TLSContext(configuration)
        try await OpenSSLServer.run { server in
            let driver = try TLSSocketDriver.connect(port: server.port, context: context)
            defer { driver.socket.close() }
            let negotiated = try await driver.handshake()
            #expect(negotiated.peerRecordSizeLimit == RecordLimits.maxPlaintextLength + 1)
            try driver.send("ready\n")
            try server.process.waitForLine(containing: "ready", in: .stdout)
            let line = String(repeating: "y", count: 5000)
            try server.send(line + "\n")
            let received = try driver.receiveLine()
            #expect(String(decoding: received, as: UTF8.self) == line + "\n")
            #expect(driver.connection.state == .established)
            driver.closeAndDrain()
            _ = try server.waitForConnectionReports(count: 1)
        }
    }

    // MARK: Python

    @Test("Python ssl server: each certificate type, ALPN, echo", arguments: [
        TestCertificates.ecdsaP256, .ecdsaP384, .rsa2048, .ed25519,
    ])
    func pythonServer(_ certificate: TestCertificates) async throws {
        var options = PythonTLSServer.Options()
        options.common.certificatePath = certificate.chainPath
        options.common.keyPath = certificate.keyPath
        options.common.alpn = ["h2"]
        var configuration = try Interop.clientConfiguration()
        configuration.applicationProtocols = ["h2"]
        let context = try TLSContext(configuration)
        try await PythonTLSServer.run(options) { server in
            let driver = try TLSSocketDriver.connect(port: server.port, context: context)
            defer { driver.socket.close() }
            let negotiated = try await driver.handshake()
            #expect(negotiated.applicationProtocol == "h2")
            #expect(negotiated.peerSignatureScheme == Interop.expectedScheme(certificate))
            try driver.send("hello python\n")
            let echo = try driver.receiveLine()
            #expect(String(decoding: echo, as: UTF8.self) == "hello python\n")
            driver.closeAndDrain()
            let report = try #require(try server.waitForConnectionReports(count: 1).first)
            #expect(report.error == nil, "\(report)")
            #expect(report.version == "TLSv1.3")
            #expect(report.cipher == Interop.opensslName(negotiated.cipherSuite))
            #expect(report.alpn == "h2")
            #expect(report.received == "hello python\n")
        }
    }

    @Test("Python ssl server requiring a client certificate sees ours", arguments: CipherSuite.tls13Suites)
    func pythonServerClientCertificate(_ suite: CipherSuite) async throws {
        var options = PythonTLSServer.Options()
        options.requireClientCertificate = true
        options.common.tls13Ciphersuites = Interop.opensslName(suite)
        var configuration = try Interop.clientConfiguration()
        configuration.certificateChain = try CertificateChain(pemFile: TestCertificates.client.chainPath)
        configuration.privateKey = try TLSPrivateKey(pemFile: TestCertificates.client.keyPath)
        let context = try TLSContext(configuration)
        try await PythonTLSServer.run(options) { server in
            let driver = try TLSSocketDriver.connect(port: server.port, context: context)
            defer { driver.socket.close() }
            let negotiated = try await driver.handshake()
            #expect(negotiated.cipherSuite == suite)
            try driver.send("with a certificate\n")
            let echo = try driver.receiveLine()
            #expect(String(decoding: echo, as: UTF8.self) == "with a certificate\n")
            driver.closeAndDrain()
            let report = try #require(try server.waitForConnectionReports(count: 1).first)
            #expect(report.error == nil, "\(report)")
            #expect(report.peerCommonName == "test-client")
            #expect(report.cipher == Interop.opensslName(suite))
        }
    }
}
