import Foundation
import Testing
@testable import ResumableTLS

/// The session cache, callbacks, stores and statistics with TLS 1.2 session IDs and tickets
/// (issue 13): the seed's primary case for the get callback is a TLS 1.2 session ID the client
/// proposes (`SSL_CTX_sess_set_get_cb` "is given the session id proposed by the client").
@Suite("TLS 1.2 sessions in the cache, callbacks, stores and statistics")
struct TLS12SessionCacheTests {
    private static func client(tickets: Bool = false) throws -> TLSContext {
        var configuration = try InMemoryIdentity.clientConfiguration()
        configuration.maximumVersion = .tls12
        configuration.tls12SessionTickets = tickets
        return try TLSContext(configuration)
    }

    private static func serverConfiguration(_ adjust: (inout TLSConfiguration) -> Void = { _ in }) -> TLSConfiguration {
        var configuration = InMemoryIdentity.serverConfiguration()
        configuration.maximumVersion = .tls12
        adjust(&configuration)
        return configuration
    }

    @Test("S21, S23: the get callback is given the session ID the client proposes and serves sessions the cache does not hold")
    func getCallbackGetsTheProposedSessionID_S21_S23() async throws {
        let archive = LockedValue<[[UInt8]: TLSSession]>([:])
        let asked = LockedValue<[[UInt8]]>([])
        let server = try TLSContext(Self.serverConfiguration { configuration in
            configuration.sessionCacheMode = [.server, .noInternalStore]
            configuration.sessionStoreTimeLimit = .seconds(10)
            configuration.sessionCallbacks.onNew = { session, _ in
                archive.withLock { $0[session.sessionID] = session }
                return .kept
            }
            configuration.sessionCallbacks.onLookup = { request in
                let id = request.sessionID
                asked.withLock { $0.append(id) }
                try await Task.sleep(for: .milliseconds(5))   // a network store
                return archive.withLock { $0[id] }.map { SessionLookupResult($0, insertIntoInternalCache: false) }
            }
        })
        let client = try Self.client()
        let (first, _) = try await ConnectionPump.connectAndClose(client, server)
        let session = try #require(first.session)
        #expect(session.sessionID.count == 32 && session.ticket.isEmpty)
        #expect(server.sessionCache.cache.count == 0, "no internal store")
        for _ in 0..<2 {   // a TLS 1.2 session ID resumes again and again
            let (again, serverSide) = try await ConnectionPump.connectAndClose(client, server, offering: session)
            #expect(again.sessionReused && serverSide.sessionReused)
            #expect(serverSide.negotiated?.resumptionMechanism == .sessionID)
        }
        #expect(asked.withLock { $0 } == [session.sessionID, session.sessionID])
        #expect(server.statistics.callbackHits == 2)
    }

    @Test("S21, S23: a server restarted on a directory store resumes a TLS 1.2 session ID it never cached")
    func directoryStoreAcrossRestart_S21_S23() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tls12-store-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // One context ID across the restart, shared with the store (S5): the sessions stay its own.
        let id = UUID()
        func serverContext(contextID: UUID = id) throws -> TLSContext {
            var configuration = Self.serverConfiguration()
            configuration.sessionStore = try DirectorySessionStore(directory: directory, contextID: id)
            return try TLSContext(configuration, contextID: contextID)
        }
        let client = try Self.client()
        var first: TLSContext? = try serverContext()
        let (connection, _) = try await ConnectionPump.connectAndClose(client, try #require(first))
        for _ in 0..<200 where (try? FileManager.default.contentsOfDirectory(atPath: directory.path).count) ?? 0 < 1 {
            try await Task.sleep(for: .milliseconds(10))
        }
        let saved = try #require(connection.session)
        first = nil   // the restart
        // A server of another context reading the same directory refuses the sessions (S5).
        let stranger = try serverContext(contextID: UUID())
        let (refused, _) = try await ConnectionPump.connectAndClose(client, stranger, offering: saved)
        #expect(!refused.sessionReused)
        #expect(stranger.statistics.callbackHits == 1 && stranger.statistics.hits == 0 && stranger.statistics.misses == 1)
        let restarted = try serverContext()
        #expect(restarted.sessionCache.cache.count == 0)
        let (resumed, serverSide) = try await ConnectionPump.connect(client, restarted, offering: saved)
        #expect(resumed.sessionReused && serverSide.sessionReused)
        #expect(restarted.statistics.callbackHits == 1)
    }

    @Test("S30: TLS 1.2 hits, misses and timeouts are counted, for session IDs and for stateless tickets")
    func statistics_S30() async throws {
        let clock = TestClock()
        let server = try TLSContext(Self.serverConfiguration { $0.sessionTimeout = 60 }, clock: clock)
        let client = try Self.client()
        let (first, _) = try await ConnectionPump.connectAndClose(client, server)
        let session = try #require(first.session)
        _ = try await ConnectionPump.connectAndClose(client, server, offering: session)           // hit
        let unknown = session.replacing(sessionID: [UInt8](repeating: 7, count: 32))
        _ = try await ConnectionPump.connectAndClose(client, server, offering: unknown)           // miss
        clock.advance(by: 61)
        let (late, _) = try await ConnectionPump.connectAndClose(client, server, offering: session) // timeout
        #expect(!late.sessionReused)
        let statistics = server.statistics
        #expect(statistics.hits == 1 && statistics.misses == 1 && statistics.timeouts == 1, "\(statistics)")
        #expect(statistics.accept == 4 && statistics.acceptGood == 4)

        let ticketServer = try TLSContext(Self.serverConfiguration())
        let ticketClient = try Self.client(tickets: true)
        let (withTicket, _) = try await ConnectionPump.connectAndClose(ticketClient, ticketServer)
        let ticketSession = try #require(withTicket.session)
        #expect(!ticketSession.ticket.isEmpty)
        _ = try await ConnectionPump.connectAndClose(ticketClient, ticketServer, offering: ticketSession)   // hit
        let forged = TLSSession(protocolVersion: .tls12, cipherSuite: ticketSession.cipherSuite, secret: ticketSession.secret,
                                sessionID: ticketSession.sessionID, ticket: [UInt8](repeating: 1, count: 100),
                                creationTime: ticketSession.creationTime, timeout: 600, serverName: "localhost",
                                contextID: ticketClient.contextID, extendedMasterSecret: true)
        _ = try await ConnectionPump.connectAndClose(ticketClient, ticketServer, offering: forged)        // miss
        #expect(ticketServer.statistics.hits == 1 && ticketServer.statistics.misses == 1, "\(ticketServer.statistics)")
    }

    @Test("S13: a protocol error after a TLS 1.2 handshake poisons its session and takes it out of the cache")
    func protocolErrorPoisons_S13() async throws {
        let server = try TLSContext(Self.serverConfiguration())
        let client = try Self.client()
        let (_, serverSide) = try await ConnectionPump.connect(client, server)
        let session = try #require(serverSide.session)
        #expect(session.isResumable)
        #expect(server.sessionCache.cache.contains(id: session.sessionID))
        // A record that does not authenticate: bad_record_mac, fatal.
        Hostile.expectThrows(.badRecordMAC) { try serverSide.receive(Hostile.record(ContentType.applicationData.rawValue, [UInt8](repeating: 0, count: 40))) }
        #expect(!session.isResumable)
        #expect(!server.sessionCache.cache.contains(id: session.sessionID))
    }
}
