import Foundation
import Testing
@testable import ResumableTLS

/// Our client resuming sessions from real servers over loopback (issue 4): `openssl s_server`
/// (interactive mode, which prints `Reused session-id` for a resumed connection; with
/// `-trace -msgfile` it also records its ServerHello, showing psk and key_share) and Python's
/// `ssl` server (which reports `session_reused`). Every test asserts on the SERVER's own report
/// and on our `sessionReused`.
@Suite("Resumption interop: our client")
struct ClientResumptionInteropTests {
    /// What one of our connections saw.
    struct Visit {
        var negotiated: NegotiatedParameters
        var sessionReused: Bool
        /// The connection's `session` after the server's reply (the newest ticket's, S10).
        var session: TLSSession?
        /// Sessions from the NewSessionTickets received.
        var tickets: [TLSSession]
    }

    /// Connects to an interactive s_server, offering `session`; sends a line, has s_server
    /// answer one (the tickets arrive before it), closes, and waits for s_server to report the
    /// connection closed (its `index`-th, from 0).
    private func visit(_ server: OpenSSLServer, context: TLSContext, offering session: TLSSession?, index: Int) async throws -> Visit {
        let driver = try TLSSocketDriver.connect(port: server.port, context: context)
        defer { driver.socket.close() }
        try driver.connection.offer(session)
        let negotiated: NegotiatedParameters
        do {
            negotiated = try await driver.handshake()
        } catch {
            throw PeerError("our handshake failed: \(error)", peer: server.process)
        }
        let sessionReused = driver.connection.sessionReused
        try driver.send("from rtls \(index)\n")
        try server.process.waitForLine(containing: "from rtls \(index)", in: .stdout)
        try server.send("from s_server \(index)\n")
        let reply = try driver.receiveLine()
        #expect(String(decoding: reply, as: UTF8.self) == "from s_server \(index)\n")
        driver.closeAndDrain()
        #expect(driver.connection.state == .closed(error: nil) || driver.reachedEndOfFile)
        _ = try server.waitForConnectionReports(count: index + 1)
        return Visit(negotiated: negotiated, sessionReused: sessionReused, session: driver.connection.session,
                     tickets: ResumptionInterop.newSessions(driver.events))
    }

    /// s_server's lines about each connection: cipher, `Reused session-id`.
    private func serverLines(_ server: OpenSSLServer) -> [String] {
        server.process.lines(of: .stdout).filter { $0.hasPrefix("CIPHER is ") || $0 == "Reused session-id" }
    }

    enum ServerSetting: String, CaseIterable, CustomTestStringConvertible {
        case defaults, oneTicket
        var testDescription: String { rawValue }
    }

    @Test("Our client resumes against s_server; s_server reports Reused session-id", arguments: ServerSetting.allCases)
    func resumesAgainstOpenSSLServer(_ setting: ServerSetting) async throws {
        var options = OpenSSLServer.Options()
        if setting == .oneTicket { options.numTickets = 1 }
        let context = try TLSContext(try Interop.clientConfiguration())
        try await OpenSSLServer.run(options) { server in
            let first = try await visit(server, context: context, offering: nil, index: 0)
            #expect(first.tickets.count == (setting == .oneTicket ? 1 : 2), "s_server sends 2 tickets by default")
            let saved = try #require(first.session)
            #expect(saved.isResumable)
            #expect(saved === first.tickets.last, "the connection's session is the newest ticket's (S10)")
            let second = try await visit(server, context: context, offering: saved, index: 1)

            let reports = try server.waitForConnectionReports(count: 2)
            ResumptionInterop.log("s_server \(setting)", serverLines(server))
            #expect(reports.map(\.reused) == [false, true], "\(server.process.transcript)")
            #expect(reports.map(\.received) == ["from rtls 0", "from rtls 1"])
            #expect(reports[1].cipher == Interop.opensslName(second.negotiated.cipherSuite))
            #expect(!first.sessionReused && !first.negotiated.isResumed)
            #expect(second.sessionReused && second.negotiated.isResumed)
            #expect(second.negotiated.group != nil, "psk_dhe_ke")
            #expect(second.negotiated.cipherSuite == first.negotiated.cipherSuite)
            #expect(second.tickets.count == 1, "s_server sends one ticket after a resumption")
        }
    }

    @Test("psk_ke: our client offers only psk_ke to s_server -allow_no_dhe_kex; no key share either side")
    func pskKeyExchangeWithoutDHE() async throws {
        let directory = try ResumptionInterop.makeTemporaryDirectory()
        defer { ResumptionInterop.removeDirectory(directory) }
        let traceFile = directory.appendingPathComponent("server-trace.txt").path
        var options = OpenSSLServer.Options()
        options.allowNoDHEKeyExchange = true
        options.extraArguments = ["-trace", "-msgfile", traceFile]
        // s_server buffers its trace file and flushes it only when it exits: -naccept 2 makes it
        // exit after our two connections, so the trace is read whole.
        options.maxConnections = 2
        var configuration = try Interop.clientConfiguration()
        configuration.pskKeyExchangeModes = [.pskKE]
        let context = try TLSContext(configuration)
        try await OpenSSLServer.run(options) { server in
            let first = try await visit(server, context: context, offering: nil, index: 0)
            #expect(first.negotiated.group != nil, "a full handshake still uses (EC)DHE")
            let saved = try #require(first.session)
            let second = try await visit(server, context: context, offering: saved, index: 1)

            let reports = try server.waitForConnectionReports(count: 2)
            ResumptionInterop.log("s_server -allow_no_dhe_kex", serverLines(server))
            #expect(reports.map(\.reused) == [false, true], "\(server.process.transcript)")
            #expect(second.sessionReused)
            #expect(second.negotiated.group == nil, "psk_ke: no key-exchange group")
            // s_server's own record of its ServerHellos: the second has psk and no key_share.
            _ = try server.process.waitForExit(timeout: .seconds(10))
            let trace = try OpenSSLTrace(file: traceFile)
            let serverHellos = trace.serverHellos
            ResumptionInterop.log("s_server -allow_no_dhe_kex trace", serverHellos.map { "ServerHello extensions: \($0.extensions.joined(separator: ","))" })
            try #require(serverHellos.count == 2, "\(trace.hellos)")
            #expect(serverHellos[0].extensions.contains("key_share"))
            #expect(!serverHellos[0].extensions.contains("psk"))
            #expect(serverHellos[1].extensions.contains("psk"), "\(serverHellos[1])")
            #expect(!serverHellos[1].extensions.contains("key_share"), "\(serverHellos[1])")
            // And what our ClientHello offered, as s_server read it.
            #expect(trace.clientHellos.count == 2)
            #expect(trace.clientHellos.last?.extensions.contains("psk") == true)
        }
    }

    @Test("Our client resumes against a Python ssl server, which reports session_reused")
    func resumesAgainstPythonServer() async throws {
        var options = PythonTLSServer.Options()
        options.count = 2
        // Its accept timeout too: generous, as a loaded machine may be slow to connect again.
        options.common.timeoutSeconds = 30
        let context = try TLSContext(try Interop.clientConfiguration())
        try await PythonTLSServer.run(options) { server in
            var visits: [(Bool, NegotiatedParameters)] = []
            var session: TLSSession?
            for index in 0..<2 {
                let driver = try TLSSocketDriver.connect(port: server.port, context: context)
                defer { driver.socket.close() }
                try driver.connection.offer(session)
                let negotiated = try await driver.handshake()
                visits.append((driver.connection.sessionReused, negotiated))
                try driver.send("hello python \(index)\n")
                let echo = try driver.receiveLine()   // the tickets arrive before the echo
                #expect(String(decoding: echo, as: UTF8.self) == "hello python \(index)\n")
                driver.closeAndDrain()
                if index == 0 {
                    #expect(ResumptionInterop.newSessions(driver.events).count == 2, "Python's num_tickets is 2")
                    session = driver.connection.session
                    #expect(session?.isResumable == true)
                }
            }
            let reports = try server.waitForConnectionReports(count: 2)
            ResumptionInterop.log("python server", reports.map { "connection \($0.connection): session_reused \($0.sessionReused.map(String.init) ?? "nil")" })
            #expect(reports.allSatisfy { $0.error == nil }, "\(reports)")
            #expect(reports.map(\.sessionReused) == [false, true], "\(reports)")
            #expect(reports.map(\.received) == ["hello python 0\n", "hello python 1\n"])
            #expect(visits.map(\.0) == [false, true])
            #expect(visits.map(\.1.isResumed) == [false, true])
        }
    }

    // MARK: Declined offers: a full handshake, not a failure

    @Test("A ticket offered to an s_server started anew (other ticket keys): full handshake, both sides fine")
    func ticketToARestartedOpenSSLServer() async throws {
        let directory = try ResumptionInterop.makeTemporaryDirectory()
        defer { ResumptionInterop.removeDirectory(directory) }
        let traceFile = directory.appendingPathComponent("server-trace.txt").path
        let context = try TLSContext(try Interop.clientConfiguration())
        let saved = try await OpenSSLServer.run { server in
            let first = try await visit(server, context: context, offering: nil, index: 0)
            return try #require(first.session)
        }
        #expect(saved.isResumable)
        var options = OpenSSLServer.Options()
        options.extraArguments = ["-trace", "-msgfile", traceFile]
        try await OpenSSLServer.run(options) { server in
            let second = try await visit(server, context: context, offering: saved, index: 0)
            let reports = try server.waitForConnectionReports(count: 1)
            ResumptionInterop.log("restarted s_server", serverLines(server))
            #expect(reports.map(\.reused) == [false], "\(server.process.transcript)")
            #expect(reports.first?.received == "from rtls 0")
            #expect(!second.sessionReused && !second.negotiated.isResumed)
            #expect(second.tickets.count == 2, "fresh tickets after the full handshake")
            let trace = try OpenSSLTrace(file: traceFile)
            #expect(trace.clientHellos.first?.extensions.contains("psk") == true, "we did offer the ticket: \(trace.hellos)")
            #expect(trace.serverHellos.first?.extensions.contains("psk") == false)
        }
    }
}
