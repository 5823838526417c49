import Foundation
import Logging
import Testing
@testable import ResumableTLS

/// S30 "structured logs of resumption decisions", and S11 "if the server declined, a full
/// handshake happened and that is not an error": every decision, with its reason, on both sides.
@Suite struct ResumptionDecisionTests {
    /// Collects log lines with their metadata.
    final class LogRecorder: Sendable {
        let lines = LockedValue<[(message: String, metadata: [String: String])]>([])

        func logger(_ label: String) -> Logger {
            var logger = Logger(label: label) { _ in RecordingLogHandler(recorder: self) }
            logger.logLevel = .debug
            return logger
        }
    }

    struct RecordingLogHandler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var merged: [String: String] = [:]
            for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) { merged[key] = "\(value)" }
            recorder.lines.withLock { $0.append(("\(event.message)", merged)) }
        }
    }

    private struct Sides {
        let client: TLSConnection
        let server: TLSConnection
        var clientDecision: ResumptionDecision? { client.negotiated?.resumption }
        var serverDecision: ResumptionDecision? { server.negotiated?.resumption }
    }

    private func connect(_ clientContext: TLSContext, _ serverContext: TLSContext, offering session: TLSSession? = nil) async throws -> Sides {
        let client = clientContext.makeConnection()
        try client.offer(session)
        let server = serverContext.makeConnection()
        try await ConnectionPump.run(client, server)
        #expect(client.state == .established && server.state == .established, "a declined offer is not an error (S11)")
        return Sides(client: client, server: server)
    }

    private func contexts(
        server adjustServer: (inout TLSConfiguration) -> Void = { _ in },
        serverClock: TestClock = TestClock(), clientClock: TestClock = TestClock(), logs: LogRecorder? = nil
    ) throws -> (client: TLSContext, server: TLSContext) {
        var clientConfiguration = try InMemoryIdentity.clientConfiguration()
        clientConfiguration.logger = logs?.logger("client")
        var serverConfiguration = InMemoryIdentity.serverConfiguration()
        serverConfiguration.logger = logs?.logger("server")
        adjustServer(&serverConfiguration)
        return (try TLSContext(clientConfiguration, clock: clientClock), try TLSContext(serverConfiguration, clock: serverClock))
    }

    @Test(arguments: [TicketMode.stateless, .stateful])
    func s30NotOfferedThenResumedOnBothSides(mode: TicketMode) async throws {
        let (client, server) = try contexts(server: { $0.ticketMode = mode })
        let first = try await connect(client, server)
        #expect(first.clientDecision == .notOffered && first.serverDecision == .notOffered)
        let second = try await connect(client, server, offering: first.client.session)
        #expect(second.clientDecision == .resumed(identityIndex: 0))
        #expect(second.serverDecision == .resumed(identityIndex: 0))
        #expect(second.client.sessionReused && second.serverDecision?.isResumed == true)
    }

    @Test(arguments: [TicketMode.stateless, .stateful])
    func s30UnknownTicketIsDeclinedAsUnknown(mode: TicketMode) async throws {
        let (client, server) = try contexts(server: { $0.ticketMode = mode })
        let first = try await connect(client, server)
        var otherConfiguration = InMemoryIdentity.serverConfiguration()
        otherConfiguration.ticketMode = mode
        let otherServer = try TLSContext(otherConfiguration)
        let second = try await connect(client, otherServer, offering: first.client.session)
        #expect(second.serverDecision == .declined([.unknownTicket]))
        #expect(second.clientDecision == .declined([.declinedByServer]))
        #expect(!second.client.sessionReused)
    }

    /// S23 + S30: a lookup whose store cannot answer says so, apart from an unknown ticket.
    @Test func s30AStoreThatDoesNotAnswerIsNamed() async throws {
        for (answer, expected) in [(true, ResumptionDeclineReason.unknownTicket), (false, .storeUnavailable)] {
            let (client, server) = try contexts(server: {
                $0.ticketMode = .stateful
                $0.sessionCacheMode = [.server, .noInternalLookup]
                $0.sessionCallbacks.onLookup = { _ in
                    guard answer else { throw CancellationError() }
                    return nil
                }
            })
            let first = try await connect(client, server)
            let second = try await connect(client, server, offering: first.client.session)
            #expect(second.serverDecision == .declined([expected]), "answering: \(answer)")
            #expect(!second.client.sessionReused)
        }
    }

    @Test func s30SingleUseTicketOfferedAgainIsUnknown() async throws {
        let (client, server) = try contexts(server: { $0.ticketMode = .stateful })
        let first = try await connect(client, server)
        let ticket = try #require(first.client.session)
        _ = try await connect(client, server, offering: ticket)
        let replay = try await connect(client, server, offering: ticket)
        #expect(replay.serverDecision == .declined([.unknownTicket]), "S14: taken on its first use")
    }

    @Test func s30ExpiredOnTheServerSideOnly() async throws {
        let serverClock = TestClock()
        let (client, server) = try contexts(server: { $0.sessionTimeout = 60 }, serverClock: serverClock)
        let first = try await connect(client, server)
        serverClock.advance(by: 61)
        let second = try await connect(client, server, offering: first.client.session)
        #expect(second.serverDecision == .declined([.expired]))
        #expect(second.clientDecision == .declined([.declinedByServer]))
    }

    @Test func s30ExpiredOnTheClientIsNotOfferedAtAll() async throws {
        let clock = TestClock()
        let (client, server) = try contexts(server: { $0.sessionTimeout = 60 }, serverClock: clock, clientClock: clock)
        let first = try await connect(client, server)
        clock.advance(by: 61)
        let second = try await connect(client, server, offering: first.client.session)
        #expect(second.clientDecision == .declined([.expired]))
        #expect(second.serverDecision == .notOffered)
    }

    @Test func s30OtherSNIAndOtherSessionIDContextAreNamed() async throws {
        let ring = TicketKeyRing(clock: SystemClock(), maximumTicketLifetime: 7200)
        let (client, server) = try contexts(server: { $0.ticketKeys = ring })
        let first = try await connect(client, server)
        let saved = try #require(first.client.session)

        var renamed = try InMemoryIdentity.clientConfiguration()
        renamed.serverName = "other.localhost"
        renamed.certificateVerification = .noVerificationForTestingOnly
        let otherNameClient = try TLSContext(renamed)
        let otherName = try await connect(otherNameClient, server, offering: saved)
        #expect(otherName.serverDecision == .declined([.serverName]))

        // Same ticket keys, another session-ID context (S5).
        var otherContextConfiguration = InMemoryIdentity.serverConfiguration()
        otherContextConfiguration.ticketKeys = ring
        otherContextConfiguration.sessionIDContext = Array("other".utf8)
        let otherContext = try TLSContext(otherContextConfiguration)
        let otherID = try await connect(client, otherContext, offering: saved)
        #expect(otherID.serverDecision == .declined([.sessionIDContext]))
    }

    @Test func s30NoCommonPSKModeIsNamed() async throws {
        let (client, server) = try contexts(server: { $0.pskKeyExchangeModes = [.pskDHEKE] })
        let first = try await connect(client, server)
        var keOnly = try InMemoryIdentity.clientConfiguration()
        keOnly.pskKeyExchangeModes = [.pskKE]
        let keOnlyClient = try TLSContext(keOnly)
        let second = try await connect(keOnlyClient, server, offering: first.client.session)
        #expect(second.serverDecision == .declined([.noCommonPSKMode]))
    }

    @Test func s30DecisionsAreLoggedWithTheirReasons() async throws {
        let logs = LogRecorder()
        let serverClock = TestClock()
        let (client, server) = try contexts(server: { $0.sessionTimeout = 60 }, serverClock: serverClock, logs: logs)
        let first = try await connect(client, server)
        _ = try await connect(client, server, offering: first.client.session)
        serverClock.advance(by: 61)
        _ = try await connect(client, server, offering: first.client.session)

        let lines = logs.lines.withLock { $0 }.filter { $0.message == "handshake completed" }
        let serverLines = lines.filter { $0.metadata["role"] == "server" }.map { [$0.metadata["resumption"], $0.metadata["declined"]] }
        let clientLines = lines.filter { $0.metadata["role"] == "client" }.map { [$0.metadata["resumption"], $0.metadata["declined"]] }
        #expect(serverLines == [["not_offered", nil], ["resumed", nil], ["declined", "expired"]])
        #expect(clientLines == [["not_offered", nil], ["resumed", nil], ["declined", "declined_by_server"]])
        #expect(lines.allSatisfy { $0.metadata["sni"] == "localhost" })
    }

    @Test func s30AFailedHandshakeIsLogged() async throws {
        let logs = LogRecorder()
        var clientConfiguration = try InMemoryIdentity.clientConfiguration()
        clientConfiguration.applicationProtocols = ["h2"]
        clientConfiguration.logger = logs.logger("client")
        var serverConfiguration = InMemoryIdentity.serverConfiguration()
        serverConfiguration.applicationProtocols = ["http/1.1"]
        serverConfiguration.logger = logs.logger("server")
        let client = try TLSContext(clientConfiguration).makeConnection()
        let server = try TLSContext(serverConfiguration).makeConnection()
        try? await ConnectionPump.run(client, server)
        let failures = logs.lines.withLock { $0 }.filter { $0.message == "handshake failed" }
        #expect(failures.contains { $0.metadata["role"] == "server" && ($0.metadata["error"] ?? "").contains("ALPN") })
    }
}
