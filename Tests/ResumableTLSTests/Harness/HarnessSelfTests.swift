import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Proves the interop harness with real peers talking to each other (no library code):
/// each test asserts on what the peers themselves report, fails if a tool is missing,
/// and stops every process it starts.
@Suite("Harness self-test")
struct HarnessSelfTests {
    /// A fresh temporary directory, removed by the caller's `defer`.
    private func makeTemporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rtls-harness-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("Test certificates chain to the test CA, not to the unrelated CA")
    func certificatesVerify() throws {
        let openssl = try PeerTool.openssl()
        for certificate in TestCertificates.allCases {
            for file in [certificate.certificatePath, certificate.chainPath, certificate.keyPath] {
                #expect(FileManager.default.fileExists(atPath: file), "\(file)")
            }
            let good = try PeerProcess(executable: openssl, arguments: ["verify", "-CAfile", TestCertificates.caPath, certificate.certificatePath])
            defer { good.terminate() }
            #expect(try good.waitForExit() == 0, "\(good.transcript)")
            #expect(good.stdout.contains(": OK"))
            let bad = try PeerProcess(executable: openssl, arguments: ["verify", "-CAfile", TestCertificates.unrelatedCAPath, certificate.certificatePath])
            defer { bad.terminate() }
            #expect(try bad.waitForExit() != 0, "\(bad.transcript)")
        }
    }

    @Test("s_server on an OS-chosen port + s_client: TLS 1.3, cipher, ALPN, group, data")
    func opensslClientAgainstOpenSSLServer() throws {
        var serverOptions = OpenSSLServer.Options(certificate: .ed25519)
        serverOptions.alpn = ["h2", "http/1.1"]
        serverOptions.ciphersuites = "TLS_AES_128_GCM_SHA256"
        try OpenSSLServer.run(serverOptions) { server in
            #expect(server.port != 0)
            var options = OpenSSLClient.Options(port: server.port)
            options.alpn = ["h2"]
            options.groups = "X25519"
            options.waitForServerClose = false   // interactive s_server never closes by itself
            let report = try OpenSSLClient.run(options, input: "hello\n")
            #expect(report.exitStatus == 0, "\(report.stdout)\n\(report.stderr)")
            #expect(report.protocolVersion == "TLSv1.3")
            #expect(report.cipher == "TLS_AES_128_GCM_SHA256")
            #expect(report.alpn == "h2")
            #expect(report.reused == false)
            #expect(report.verifyReturnCode == 0)
            #expect(report.serverTempKey == "X25519")
            #expect(report.peerSignatureType == "ed25519")   // OpenSSL's spelling

            let serverReports = try server.waitForConnectionReports(count: 1)
            #expect(serverReports.count == 1)
            #expect(serverReports.first?.cipher == "TLS_AES_128_GCM_SHA256")
            #expect(serverReports.first?.alpn == "h2")
            #expect(serverReports.first?.reused == false)
            #expect(serverReports.first?.received == "hello")
        }
    }

    @Test("s_client -sess_out then -sess_in: the second connection reports Reused (both sides)")
    func opensslSessionResumption() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let sessionFile = directory.appendingPathComponent("session.pem").path
        var serverOptions = OpenSSLServer.Options(certificate: .ecdsaP384)
        serverOptions.mode = .reverseEcho
        try OpenSSLServer.run(serverOptions) { server in
            var first = OpenSSLClient.Options(port: server.port)
            first.sessionOut = sessionFile
            let firstReport = try OpenSSLClient.run(first, input: "hello\nCLOSE\n")
            #expect(firstReport.exitStatus == 0, "\(firstReport.stdout)\n\(firstReport.stderr)")
            #expect(firstReport.reused == false)
            #expect(firstReport.received == "olleh")
            #expect(FileManager.default.fileExists(atPath: sessionFile))

            var second = OpenSSLClient.Options(port: server.port)
            second.sessionIn = sessionFile
            let secondReport = try OpenSSLClient.run(second, input: "again\nCLOSE\n")
            #expect(secondReport.exitStatus == 0, "\(secondReport.stdout)\n\(secondReport.stderr)")
            #expect(secondReport.reused == true)
            #expect(secondReport.protocolVersion == "TLSv1.3")
            #expect(secondReport.received == "niaga")

            let serverReports = try server.waitForConnectionReports(count: 2)
            #expect(serverReports.map(\.protocolVersion) == ["TLSv1.3", "TLSv1.3"])
        }
    }

    @Test("s_server records resumption and the client certificate in its own report")
    func opensslServerReportsResumptionAndClientCertificate() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let sessionFile = directory.appendingPathComponent("session.pem").path
        var serverOptions = OpenSSLServer.Options(certificate: .rsa2048)
        serverOptions.clientAuthentication = .require
        try OpenSSLServer.run(serverOptions) { server in
            var options = OpenSSLClient.Options(port: server.port)
            options.certificatePath = TestCertificates.client.certificatePath
            options.keyPath = TestCertificates.client.keyPath
            options.waitForServerClose = false
            options.sessionOut = sessionFile
            // Without -ign_eof s_client may quit before the ticket arrives; the server sends
            // tickets with its first flight of application data, so ask it for one line.
            let process = try OpenSSLClient.start(options)
            defer { process.terminate() }
            try process.waitForLine(containing: "Verify return code: 0", in: .stdout)
            try server.send("from server\n")
            try process.waitForLine(containing: "from server", in: .stdout)
            process.closeStdin()
            #expect(try process.waitForExit() == 0, "\(process.transcript)")

            options.sessionOut = nil
            options.sessionIn = sessionFile
            let second = try OpenSSLClient.run(options, input: "second\n")
            #expect(second.reused == true, "\(second.stdout)")

            let reports = try server.waitForConnectionReports(count: 2)
            #expect(reports.map(\.reused) == [false, true])
            #expect(reports.first?.clientCertificateSubject?.contains("CN = test-client") == true)
            #expect(reports.last?.received == "second")
        }
    }

    @Test("s_client with the unrelated CA fails verification and says so")
    func opensslClientRejectsUnknownCA() throws {
        try OpenSSLServer.run { server in
            var options = OpenSSLClient.Options(port: server.port)
            options.caFile = TestCertificates.unrelatedCAPath
            options.waitForServerClose = false
            let report = try OpenSSLClient.run(options, input: "x\n")
            #expect(report.exitStatus != 0)
            #expect(report.handshakes.isEmpty || report.verifyReturnCode != 0)
            #expect(report.stderr.contains("certificate verify failed") || report.stderr.contains("unable to get local issuer"),
                    "\(report.stderr)")
        }
    }

    @Test("Python client against s_server: resume 1 reports session_reused on the second connection")
    func pythonClientAgainstOpenSSLServer() throws {
        var serverOptions = OpenSSLServer.Options()
        serverOptions.mode = .reverseEcho
        serverOptions.alpn = ["h2"]
        try OpenSSLServer.run(serverOptions) { server in
            var options = PythonTLSClient.Options(port: server.port)
            options.common.alpn = ["h2"]
            options.common.tls13Ciphersuites = "TLS_CHACHA20_POLY1305_SHA256"
            options.resume = 1
            options.expectBytes = 6
            let reports = try PythonTLSClient.run(options)
            #expect(reports.count == 2)
            #expect(reports.allSatisfy { $0.error == nil }, "\(reports)")
            #expect(reports.map(\.sessionReused) == [false, true])
            #expect(reports.map(\.version) == ["TLSv1.3", "TLSv1.3"])
            #expect(reports.first?.cipher == "TLS_CHACHA20_POLY1305_SHA256")
            #expect(reports.first?.alpn == "h2")
            #expect(reports.first?.peerCommonName == "localhost")
            #expect(reports.first?.received == "olleh\n")
            let serverReports = try server.waitForConnectionReports(count: 2)
            #expect(serverReports.map(\.cipher) == ["TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256"])
        }
    }

    @Test("gnutls-cli --resume against s_server: the second handshake is resumed")
    func gnutlsClientAgainstOpenSSLServer() throws {
        var serverOptions = OpenSSLServer.Options()
        serverOptions.mode = .reverseEcho
        serverOptions.alpn = ["h2"]
        try OpenSSLServer.run(serverOptions) { server in
            var options = GnuTLSClient.Options(port: server.port)
            options.alpn = ["h2"]
            options.resume = true
            let report = try GnuTLSClient.run(options, input: "hello\n")
            #expect(report.certificateTrusted, "\(report.stdout)")
            #expect(report.handshakes.count == 2, "\(report.stdout)")
            #expect(report.handshakes.map(\.resumed) == [false, true])
            #expect(report.handshakes.first?.protocolVersion == "TLS1.3")
            #expect(report.handshakes.first?.cipher == "AES-256-GCM")
            #expect(report.handshakes.first?.signature == "ECDSA-SECP256R1-SHA256")
            #expect(report.handshakes.first?.alpn == "h2")
            #expect(report.handshakes.last?.protocolVersion == "TLS1.3")
        }
    }

    @Test("Python server + s_client: echo, ALPN, and resumption seen by both sides")
    func opensslClientAgainstPythonServer() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let sessionFile = directory.appendingPathComponent("session.pem").path
        var serverOptions = PythonTLSServer.Options()
        serverOptions.count = 2
        serverOptions.common.alpn = ["h2"]
        try PythonTLSServer.run(serverOptions) { server in
            var options = OpenSSLClient.Options(port: server.port)
            options.alpn = ["h2"]
            options.sessionOut = sessionFile
            let first = try OpenSSLClient.run(options, input: "ping\n")
            #expect(first.exitStatus == 0, "\(first.stdout)\n\(first.stderr)")
            #expect(first.protocolVersion == "TLSv1.3")
            #expect(first.alpn == "h2")
            #expect(first.received == "ping")
            #expect(first.reused == false)

            options.sessionOut = nil
            options.sessionIn = sessionFile
            let second = try OpenSSLClient.run(options, input: "pong\n")
            #expect(second.reused == true, "\(second.stdout)")

            let reports = try server.waitForConnectionReports(count: 2)
            #expect(reports.map(\.sessionReused) == [false, true])
            #expect(reports.map(\.received) == ["ping\n", "pong\n"])
            #expect(reports.first?.alpn == "h2")
            #expect(reports.first?.cipher == first.cipher)
        }
    }
}

/// The process runner and loopback sockets on their own.
@Suite("Harness plumbing")
struct HarnessPlumbingTests {
    @Test("waitForLine times out with the captured output in the error")
    func waitForLineTimeout() throws {
        let process = try PeerProcess(executable: "/bin/sh", arguments: ["-c", "echo captured-line; exec sleep 30"])
        defer { process.terminate() }
        try process.waitForLine(containing: "captured-line")
        let error = #expect(throws: PeerError.self) {
            try process.waitForLine(containing: "never printed", timeout: .milliseconds(200))
        }
        #expect(error?.description.contains("captured-line") == true)
        process.terminate()
        #expect(process.isRunning == false)
    }

    @Test("waitForExit kills a process that does not exit in time")
    func waitForExitKills() throws {
        let process = try PeerProcess(executable: "/bin/sh", arguments: ["-c", "exec sleep 30"])
        defer { process.terminate() }
        #expect(throws: PeerError.self) { try process.waitForExit(timeout: .milliseconds(200)) }
        #expect(process.isRunning == false)
    }

    @Test("stdin is delivered and closed")
    func stdinRoundTrip() throws {
        let process = try PeerProcess(executable: "/bin/cat", arguments: [])
        defer { process.terminate() }
        try process.write("one\ntwo\n")
        process.closeStdin()
        #expect(try process.waitForExit(timeout: .seconds(5)) == 0)
        #expect(process.stdout == "one\ntwo\n")
    }

    @Test("A missing tool is an error, not a skip")
    func missingTool() {
        #expect(throws: PeerError.self) { try PeerTool.path("no-such-tool-rtls", installHint: "n/a") }
    }

    @Test("Loopback listener on an OS port: connect, send, receive, close, timeout")
    func loopbackSockets() throws {
        let listener = try LoopbackListener()
        defer { listener.close() }
        #expect(listener.port != 0)
        let client = try LoopbackConnection.connect(port: listener.port, timeout: .seconds(5))
        defer { client.close() }
        let server = try listener.accept(timeout: .seconds(5))
        defer { server.close() }
        try client.sendAll(Array("hello".utf8))
        #expect(try server.receive(exactly: 5, timeout: .seconds(5)) == Array("hello".utf8))
        #expect(throws: LoopbackSocketError.self) { try server.receive(timeout: .milliseconds(100)) }
        client.shutdownWrite()
        #expect(try server.receive(timeout: .seconds(5)).isEmpty)
        try server.sendAll(Array("bye".utf8))
        #expect(try client.receive(exactly: 3, timeout: .seconds(5)) == Array("bye".utf8))
    }
}
