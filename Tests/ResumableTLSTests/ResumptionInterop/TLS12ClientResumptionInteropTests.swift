import Foundation
import Testing
@testable import ResumableTLS

/// Our client over TLS 1.2 against real servers (issue 13): `openssl s_server -tls1_2 -www`
/// (tickets, and `-no_ticket` for session IDs), which prints `Reused, TLSv1.2` on its page, and
/// `gnutls-serv --http` (tickets, and `--noticket`), which logs `*** This is a resumed session`.
/// Every test asserts on the SERVER's report and on our own view.
@Suite("TLS 1.2 resumption interop: our client")
struct TLS12ClientResumptionInteropTests {
    /// What one of our connections saw: the negotiated parameters, whether it resumed, the
    /// session it ended with, and the server's page.
    struct Visit: Sendable {
        var negotiated: NegotiatedParameters
        var sessionReused: Bool
        var session: TLSSession?
        var page: String
    }

    private static func clientContext(tickets: Bool) throws -> TLSContext {
        var configuration = try Interop.clientConfiguration()
        configuration.maximumVersion = .tls12
        configuration.tls12SessionTickets = tickets
        return try TLSContext(configuration)
    }

    /// One GET over a fresh connection offering `session`, read until the server closes. The
    /// handshake is async: its chain verification must not wait for a pool thread that a
    /// blocked caller holds.
    private static func visit(port: UInt16, context: TLSContext, offering session: TLSSession?) async throws -> Visit {
        let driver = try TLSSocketDriver.connect(port: port, context: context)
        defer { driver.socket.close() }
        try driver.connection.offer(session)
        let negotiated = try await driver.handshake()
        try driver.send("GET / HTTP/1.0\r\n\r\n")
        let page = String(decoding: try driver.receiveUntilClose(), as: UTF8.self)
        return Visit(negotiated: negotiated, sessionReused: driver.connection.sessionReused,
                     session: driver.connection.session, page: page)
    }

    @Test("Our client resumes against openssl s_server -tls1_2, with tickets and with -no_ticket", arguments: [true, false])
    func resumesAgainstOpenSSLServer(tickets: Bool) async throws {
        var options = OpenSSLServer.Options()
        options.mode = .www
        options.protocolArguments = ["-tls1_2"] + (tickets ? [] : ["-no_ticket"])
        let context = try Self.clientContext(tickets: true)
        let (first, second) = try await OpenSSLServer.run(options) { server in
            let first = try await Self.visit(port: server.port, context: context, offering: nil)
            return (first, try await Self.visit(port: server.port, context: context, offering: first.session))
        }
        ResumptionInterop.log("s_server -tls1_2 tickets=\(tickets)", [first.page, second.page].compactMap { OpenSSLServer.parseWWWPage($0).map { "\($0)" } })
        #expect(OpenSSLServer.parseWWWPage(first.page)?.reused == false, "\(first.page)")
        #expect(OpenSSLServer.parseWWWPage(second.page)?.reused == true, "\(second.page)")
        #expect(OpenSSLServer.parseWWWPage(second.page)?.protocolVersion == "TLSv1.2")
        #expect(first.negotiated.version == .tls12 && first.negotiated.extendedMasterSecret)
        #expect(!first.sessionReused && second.sessionReused)
        #expect(second.negotiated.resumptionMechanism == (tickets ? .ticket : .sessionID))
        let session = try #require(first.session)
        #expect(session.isResumable)
        #expect(session.ticket.isEmpty == !tickets, "a ticket exactly when s_server issues them")
    }

    @Test("Our client resumes against gnutls-serv over TLS 1.2, with tickets and with --noticket", arguments: [true, false])
    func resumesAgainstGnuTLSServer(tickets: Bool) async throws {
        var options = GnuTLSServer.Options()
        options.noTicket = !tickets
        let context = try Self.clientContext(tickets: true)
        let (first, second, log) = try await GnuTLSServer.run(options) { server in
            let first = try await Self.visit(port: server.port, context: context, offering: nil)
            let second = try await Self.visit(port: server.port, context: context, offering: first.session)
            return (first, second, server.process.stdout)
        }
        // gnutls-serv's own record: the second accepted connection is a resumed session.
        let connections = log.components(separatedBy: "* Accepted connection").dropFirst()
        ResumptionInterop.log("gnutls-serv tickets=\(tickets)", connections.map { $0.contains("*** This is a resumed session") ? "resumed" : "new" })
        #expect(connections.count == 2, "\(log)")
        #expect(connections.map { $0.contains("*** This is a resumed session") } == [false, true], "\(log)")
        #expect(first.page.contains("TLS1.2"), "the page names the protocol\n\(first.page)")
        #expect(!first.sessionReused && second.sessionReused)
        #expect(second.negotiated.resumptionMechanism == (tickets ? .ticket : .sessionID))
    }

    @Test("With tickets off on our side (--no-ticket), s_server resumes by session ID")
    func sessionIDsOnlyFromOurSide() async throws {
        var options = OpenSSLServer.Options()
        options.mode = .www
        options.protocolArguments = ["-tls1_2"]
        let context = try Self.clientContext(tickets: false)
        let (first, second) = try await OpenSSLServer.run(options) { server in
            let first = try await Self.visit(port: server.port, context: context, offering: nil)
            return (first, try await Self.visit(port: server.port, context: context, offering: first.session))
        }
        #expect(first.session?.ticket.isEmpty == true)
        #expect(OpenSSLServer.parseWWWPage(second.page)?.reused == true, "\(second.page)")
        #expect(second.negotiated.resumptionMechanism == .sessionID)
    }
}
