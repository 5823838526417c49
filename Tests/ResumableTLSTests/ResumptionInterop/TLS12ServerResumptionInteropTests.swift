import Foundation
import Testing
@testable import ResumableTLS

/// Our server over TLS 1.2 (issue 13): full handshakes and resumption by RFC 5077 ticket and by
/// session ID, against `openssl s_client -tls1_2`, Python's `ssl` with `maximum_version =
/// TLSv1_2` and `gnutls-cli` with a TLS 1.2 priority. Every test asserts on what the CLIENT
/// reports (`Reused, TLSv1.2`, `session_reused`, `*** This is a resumed session`) and on our
/// server's own view. The negatives must give `New`, never a failure.
@Suite("TLS 1.2 resumption interop: our server")
struct TLS12ServerResumptionInteropTests {
    private func serverContext(_ configure: (inout TLSConfiguration) -> Void = { _ in }) throws -> TLSContext {
        try ResumptionInterop.serverContext(configure)
    }

    /// How s_client offers the session back.
    enum Mechanism: String, CaseIterable, CustomTestStringConvertible {
        /// RFC 5077 ticket (s_client's default).
        case ticket
        /// Session ID only (`-no_ticket`).
        case sessionID
        var testDescription: String { rawValue }
    }

    private static func sClient(port: UInt16, input: String, mechanism: Mechanism = .ticket, sessionOut: String? = nil,
                                sessionIn: String? = nil, protocolArguments: [String] = ["-tls1_2"], serverName: String = "localhost",
                                extra: [String] = []) throws -> OpenSSLClientReport {
        var options = OpenSSLClient.Options(port: port)
        options.protocolArguments = protocolArguments
        options.sessionOut = sessionOut
        options.sessionIn = sessionIn
        options.serverName = serverName
        options.verifyHostname = serverName == "localhost" ? "localhost" : nil
        options.extraArguments = (mechanism == .sessionID ? ["-no_ticket"] : []) + extra
        return try OpenSSLClient.run(options, input: input)
    }

    private func expectGoodRun(_ report: OpenSSLClientReport, input: String, _ served: ResumptionServer.Served?) {
        #expect(report.exitStatus == 0, "\(report.stdout)\n\(report.stderr)")
        #expect(report.protocolVersion == "TLSv1.2", "\(report.stdout)")
        #expect(report.verifyReturnCode == 0, "\(report.stdout)")
        #expect(report.received == input.trimmingCharacters(in: .newlines), "\(report.stdout)")
        #expect(served?.error == nil, "\(served?.summary ?? "no connection")")
        #expect(served?.negotiated?.version == .tls12)
    }

    @Test("s_client -tls1_2 -sess_out then -sess_in resumes: Reused, TLSv1.2",
          arguments: [(Mechanism.ticket, TicketMode.stateless), (.ticket, .stateful), (.sessionID, .stateless), (.sessionID, .stateful)])
    func opensslClientResumes(mechanism: Mechanism, mode: TicketMode) async throws {
        let directory = try ResumptionInterop.makeTemporaryDirectory()
        defer { ResumptionInterop.removeDirectory(directory) }
        let sessionFile = directory.appendingPathComponent("session.pem").path
        let context = try serverContext { $0.ticketMode = mode }
        let ((first, second), served) = try await ResumptionServer.run(context: context, count: 2) { port in
            try await runOnThread {
                (try Self.sClient(port: port, input: "first\n", mechanism: mechanism, sessionOut: sessionFile),
                 try Self.sClient(port: port, input: "second\n", mechanism: mechanism, sessionIn: sessionFile))
            }
        }
        ResumptionInterop.log("s_client TLS 1.2 \(mechanism) \(mode)", ResumptionInterop.resumptionLines(first.stdout) + ResumptionInterop.resumptionLines(second.stdout))
        try #require(served.count == 2, "\(served.map(\.summary))\n\(second.stdout)\n\(second.stderr)")
        expectGoodRun(first, input: "first\n", served[0])
        expectGoodRun(second, input: "second\n", served[1])
        #expect(first.handshakes.map(\.reused) == [false], "\(first.stdout)")
        #expect(second.stdout.contains("Reused, TLSv1.2, Cipher is \(first.cipher ?? "?")"), "\(second.stdout)")
        #expect(served.map(\.sessionReused) == [false, true])
        #expect(served[1].negotiated?.resumptionMechanism == (mechanism == .ticket ? .ticket : .sessionID))
        #expect(served[0].negotiated?.extendedMasterSecret == true, "OpenSSL 3.0 offers EMS")
        // The ticket case shows the ticket on the wire; the session-ID case a 32-byte ID.
        if mechanism == .ticket {
            #expect(first.stdout.contains("TLS session ticket:"), "\(first.stdout)")
        } else {
            #expect(!first.stdout.contains("TLS session ticket:"), "\(first.stdout)")
        }
    }

    @Test("s_client -tls1_2 -reconnect reuses the session 5 times out of 5", arguments: Mechanism.allCases)
    func opensslReconnect(mechanism: Mechanism) async throws {
        let context = try serverContext()
        let (report, served) = try await ResumptionServer.run(context: context, count: 6) { port in
            try await runOnThread {
                var options = OpenSSLClient.Options(port: port)
                options.protocolArguments = ["-tls1_2"]
                options.reconnect = true
                options.waitForServerClose = false
                options.extraArguments = mechanism == .sessionID ? ["-no_ticket"] : []
                return try OpenSSLClient.run(options, input: "")
            }
        }
        let lines = report.stdout.split(separator: "\n").filter { $0.hasPrefix("New, TLSv1.2") || $0.hasPrefix("Reused, TLSv1.2") }
        ResumptionInterop.log("s_client -reconnect TLS 1.2 \(mechanism)", lines.map(String.init))
        #expect(lines.count == 6, "\(report.stdout)")
        #expect(lines.first?.hasPrefix("New") == true)
        #expect(lines.dropFirst().filter { $0.hasPrefix("Reused") }.count == 5, "\(report.stdout)")
        #expect(served.filter(\.sessionReused).count == 5, "\(served.map(\.summary))")
    }

    @Test("Python ssl with maximum_version TLSv1_2 reports session_reused, with and without OP_NO_TICKET", arguments: [false, true])
    func pythonClientResumes(noTicket: Bool) async throws {
        let context = try serverContext()
        let (reports, served) = try await ResumptionServer.run(context: context, count: 2) { port in
            var options = PythonTLSClient.Options(port: port)
            options.resume = 1
            options.send = "hello over 1.2\n"
            options.expectBytes = 0
            options.common.tls12 = true
            options.common.noTicket = noTicket
            let frozen = options
            return try await runOnThread { try PythonTLSClient.run(frozen) }
        }
        #expect(reports.count == 2, "\(reports)")
        #expect(reports.allSatisfy { $0.error == nil }, "\(reports)")
        #expect(reports.map(\.version) == ["TLSv1.2", "TLSv1.2"])
        #expect(reports.map(\.sessionReused) == [false, true], "\(reports)")
        #expect(reports.map(\.received) == ["hello over 1.2\n", "hello over 1.2\n"])
        #expect(served.map(\.sessionReused) == [false, true], "\(served.map(\.summary))")
        #expect(served[1].negotiated?.resumptionMechanism == (noTicket ? .sessionID : .ticket))
    }

    @Test("gnutls-cli --resume over TLS 1.2, with and without %NO_TICKETS", arguments: [false, true])
    func gnutlsClientResumes(noTickets: Bool) async throws {
        let context = try serverContext()
        let (report, served) = try await ResumptionServer.run(context: context, count: 2) { port in
            var options = GnuTLSClient.Options(port: port)
            options.resume = true
            options.priority = "NORMAL:-VERS-ALL:+VERS-TLS1.2" + (noTickets ? ":%NO_TICKETS" : "")
            let frozen = options
            return try await runOnThread { try Interop.runGnuTLSClientUntilServerCloses(frozen, input: "hello from gnutls\n") }
        }
        ResumptionInterop.log("gnutls-cli TLS 1.2 no_tickets=\(noTickets)", report.handshakes.map { "- Description: \($0.description)" })
        #expect(report.certificateTrusted, "\(report.stdout)\n\(report.stderr)")
        #expect(report.handshakes.map(\.resumed) == [false, true], "\(report.stdout)")
        #expect(report.handshakes.map(\.protocolVersion) == ["TLS1.2", "TLS1.2"], "\(report.stdout)")
        #expect(served.map(\.sessionReused) == [false, true], "\(served.map(\.summary))")
        #expect(served[1].negotiated?.resumptionMechanism == (noTickets ? .sessionID : .ticket))
    }

    // MARK: Declined offers: New, not a failure

    enum Negative: String, CaseIterable, CustomTestStringConvertible {
        /// The session's suite is not in the second ClientHello.
        case cipherRemoved
        /// A TLS 1.2 session offered in a TLS 1.3 handshake.
        case tls13Handshake
        /// Another SNI name.
        case otherServerName
        var testDescription: String { rawValue }
    }

    @Test("A TLS 1.2 session is not resumed with its suite removed, in TLS 1.3, or for another SNI name: New",
          arguments: Negative.allCases)
    func declined(_ negative: Negative) async throws {
        let directory = try ResumptionInterop.makeTemporaryDirectory()
        defer { ResumptionInterop.removeDirectory(directory) }
        let sessionFile = directory.appendingPathComponent("session.pem").path
        let context = try serverContext()
        let ((first, second), served) = try await ResumptionServer.run(context: context, count: 2) { port in
            try await runOnThread {
                let first = try Self.sClient(port: port, input: "first\n", sessionOut: sessionFile, extra: ["-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"])
                let second: OpenSSLClientReport
                switch negative {
                case .cipherRemoved:
                    second = try Self.sClient(port: port, input: "second\n", sessionIn: sessionFile, extra: ["-cipher", "ECDHE-ECDSA-AES256-GCM-SHA384"])
                case .tls13Handshake:
                    second = try Self.sClient(port: port, input: "second\n", sessionIn: sessionFile, protocolArguments: ["-tls1_3"])
                case .otherServerName:
                    second = try Self.sClient(port: port, input: "second\n", sessionIn: sessionFile, serverName: "127.0.0.1")
                }
                return (first, second)
            }
        }
        ResumptionInterop.log("TLS 1.2 negative \(negative)", ResumptionInterop.resumptionLines(second.stdout))
        try #require(served.count == 2, "\(served.map(\.summary))\n\(second.stdout)\n\(second.stderr)")
        #expect(first.handshakes.map(\.reused) == [false])
        #expect(second.exitStatus == 0, "\(second.stdout)\n\(second.stderr)")
        #expect(second.handshakes.map(\.reused) == [false], "\(second.stdout)")
        #expect(served.map(\.sessionReused) == [false, false], "\(served.map(\.summary))")
        #expect(served.allSatisfy { $0.error == nil }, "\(served.map(\.summary))")
        switch negative {
        case .cipherRemoved:
            #expect(second.cipher == "ECDHE-ECDSA-AES256-GCM-SHA384")
            #expect(served[1].negotiated?.resumption == .declined([.cipherSuite]))
        case .tls13Handshake:
            #expect(second.protocolVersion == "TLSv1.3")
        case .otherServerName:
            #expect(served[1].negotiated?.resumption == .declined([.serverName]))
        }
    }

    @Test("S5: a server with another session-ID context does not resume a TLS 1.2 ticket sealed with shared keys: New")
    func otherSessionIDContext() async throws {
        let directory = try ResumptionInterop.makeTemporaryDirectory()
        defer { ResumptionInterop.removeDirectory(directory) }
        let sessionFile = directory.appendingPathComponent("session.pem").path
        let keys = TicketKeyRing()
        let firstContext = try serverContext { $0.ticketKeys = keys; $0.sessionIDContext = Array("app-a".utf8) }
        let secondContext = try serverContext { $0.ticketKeys = keys; $0.sessionIDContext = Array("app-b".utf8) }
        let sameContext = try serverContext { $0.ticketKeys = keys; $0.sessionIDContext = Array("app-a".utf8) }
        let (first, _) = try await ResumptionServer.run(context: firstContext, count: 1) { port in
            try await runOnThread { try Self.sClient(port: port, input: "first\n", sessionOut: sessionFile) }
        }
        #expect(first.handshakes.map(\.reused) == [false])
        let (other, otherServed) = try await ResumptionServer.run(context: secondContext, count: 1) { port in
            try await runOnThread { try Self.sClient(port: port, input: "other\n", sessionIn: sessionFile) }
        }
        #expect(other.handshakes.map(\.reused) == [false], "\(other.stdout)")
        #expect(otherServed.first?.negotiated?.resumption == .declined([.sessionIDContext]))
        // The control: the same context ID and keys resume it.
        let (same, sameServed) = try await ResumptionServer.run(context: sameContext, count: 1) { port in
            try await runOnThread { try Self.sClient(port: port, input: "same\n", sessionIn: sessionFile) }
        }
        #expect(same.handshakes.map(\.reused) == [true], "\(same.stdout)")
        #expect(sameServed.first?.sessionReused == true)
    }
}
