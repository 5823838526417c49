import Foundation
import Testing
@testable import ResumableTLS

/// The OpenSSL session API, statement by statement, where the seed-conformance audit
/// (`../shared/reviews/seeds.md`) found a behaviour untested, weakly tested or deviating
/// (issue 15). Each test fails if its behaviour breaks.
@Suite struct OpenSSLSessionAPITests {
    /// What the remove callback was told, in order.
    final class Removals: Sendable {
        let seen = LockedValue<[(id: [UInt8], reason: SessionRemovalReason, hadContext: Bool)]>([])
        var reasons: [SessionRemovalReason] { seen.withLock { $0.map(\.reason) } }
    }

    private func server(_ removals: Removals? = nil, _ adjust: (inout TLSConfiguration) -> Void = { _ in }) throws -> TLSContext {
        var configuration = InMemoryIdentity.serverConfiguration()
        if let removals {
            configuration.sessionCallbacks.onRemove = { session, reason, context in
                removals.seen.withLock { $0.append((session.sessionID, reason, context != nil)) }
            }
        }
        adjust(&configuration)
        return try TLSContext(configuration)
    }

    private func client(_ adjust: (inout TLSConfiguration) -> Void = { _ in }) throws -> TLSContext {
        var configuration = try InMemoryIdentity.clientConfiguration()
        adjust(&configuration)
        return try TLSContext(configuration)
    }

    // MARK: SSL_get_session / SSL_set_session (A11, A25, B2, B6, B10)

    @Test("A25, P2: session is nil before the handshake, also after offer(_:), which offeredSession reads back")
    func sessionIsNilUntilTheHandshakeCompletes() async throws {
        let (clientContext, serverContext) = (try client(), try server())
        let (first, _) = try await ConnectionPump.connectAndClose(clientContext, serverContext)
        let offered = try #require(first.session)
        let connection = clientContext.makeConnection()
        #expect(connection.session == nil && connection.offeredSession == nil)
        try connection.offer(offered)
        #expect(connection.session == nil, "SSL_get_session after SSL_set_session: nil here, unlike OpenSSL")
        #expect(connection.offeredSession === offered)
        try connection.startHandshake()
        #expect(connection.session == nil)
        let serverConnection = serverContext.makeConnection()
        try await ConnectionPump.run(connection, serverConnection)
        #expect(connection.sessionReused)
        #expect(connection.session != nil && connection.session !== offered, "the session actually used: the new ticket's")
        try ConnectionPump.shutDown(connection, serverConnection)
    }

    @Test("A11: a server that sends no ticket reports its connection's own session; after a resumption without a ticket, the resumed one")
    func serverSessionWithoutTickets() async throws {
        let noTickets = try server { $0.ticketCount = 0 }
        let (client1, server1) = try await ConnectionPump.connectAndClose(try client(), noTickets)
        let own = try #require(server1.session)
        #expect(!own.isResumable, "no ticket was sent: the connection's own session cannot be resumed")
        #expect(own.cipherSuite == server1.negotiated?.cipherSuite && own.serverName == "localhost")
        #expect(!ConnectionPump.events(server1).contains { if case .newSession = $0 { return true } else { return false } })
        #expect(client1.session?.isResumable == false)

        let (clientContext, serverContext) = (try client(), try server { $0.ticketCountAfterResumption = 0 })
        let (first, _) = try await ConnectionPump.connectAndClose(clientContext, serverContext)
        let offered = try #require(first.session)
        let (again, againServer) = try await ConnectionPump.connectAndClose(clientContext, serverContext, offering: offered)
        #expect(again.sessionReused && againServer.sessionReused)
        let resumed = try #require(againServer.session)
        #expect(resumed.ticket == offered.ticket && resumed.secret == offered.secret, "the server's session is the one resumed")
        #expect(again.session === offered, "no new ticket: the client's session is the resumed one")
    }

    @Test("B2, B10: offer(_:) throws on a server and once the handshake started")
    func offerIsForClientsBeforeTheHandshake() async throws {
        let (clientContext, serverContext) = (try client(), try server())
        let (first, _) = try await ConnectionPump.connectAndClose(clientContext, serverContext)
        let session = try #require(first.session)
        let serverConnection = serverContext.makeConnection()
        #expect(throws: TLSError.invalidState("only a client offers a session")) { try serverConnection.offer(session) }
        let started = clientContext.makeConnection()
        try started.startHandshake()
        #expect(throws: TLSError.invalidState("the session must be set before the handshake starts")) { try started.offer(session) }
        #expect(started.offeredSession == nil)
    }

    @Test("B6, S12: a second offer replaces the first and releases it; nil withdraws the offer")
    func aSecondOfferReplacesTheFirst() async throws {
        let (clientContext, serverContext) = (try client(), try server())
        let (first, _) = try await ConnectionPump.connectAndClose(clientContext, serverContext)
        let (second, _) = try await ConnectionPump.connectAndClose(clientContext, serverContext)
        let connection = clientContext.makeConnection()
        weak var released: TLSSession?
        do {
            let firstCopy = try #require(first.session).copy()
            released = firstCopy
            try connection.offer(firstCopy)
        }
        #expect(released != nil, "the connection holds its offer")
        let replacement = try #require(second.session)
        try connection.offer(replacement)
        #expect(released == nil, "the replaced offer was released")
        #expect(connection.offeredSession === replacement)
        try connection.offer(nil)
        #expect(connection.offeredSession == nil)
    }

    // MARK: SSL_SESSION_dup (C2)

    @Test("C2, S3: copy() keeps every parameter, is a distinct object and carries the resumable flag")
    func copyKeepsEveryField() throws {
        let created = Date(timeIntervalSince1970: 1_800_000_000)
        let original = TLSSession(
            protocolVersion: .tls13, cipherSuite: .tlsAES256GCMSHA384, secret: [UInt8](repeating: 7, count: 48),
            sessionID: [1, 2, 3], ticket: [4, 5, 6, 7], ticketLifetime: 3_600, ticketAgeAdd: 0xDEAD_BEEF,
            ticketNonce: [9, 9], creationTime: created, timeout: 3_600, serverName: "copy.example",
            applicationProtocol: "h2", maxEarlyDataSize: 16_384, sessionIDContext: [0xC0, 0xDE],
            peerCertificates: [InMemoryIdentity.shared.certificateDER], group: .secp384r1, contextID: UUID(),
            authenticationTime: created.addingTimeInterval(-60), extendedMasterSecret: true)
        let copy = original.copy()
        #expect(copy !== original && copy != original, "a new object (== is identity)")
        #expect(copy.hasSameParameters(as: original))
        #expect(copy.secret == original.secret && copy.ticket == original.ticket && copy.sessionID == original.sessionID)
        #expect(copy.ticketLifetime == 3_600 && copy.ticketAgeAdd == 0xDEAD_BEEF && copy.ticketNonce == [9, 9])
        #expect(copy.serverName == "copy.example" && copy.applicationProtocol == "h2" && copy.maxEarlyDataSize == 16_384)
        #expect(copy.sessionIDContext == [0xC0, 0xDE] && copy.peerCertificates == original.peerCertificates && copy.group == .secp384r1)
        #expect(copy.contextID == original.contextID && copy.authenticationTime == original.authenticationTime)
        #expect(copy.extendedMasterSecret && copy.creationTime == created && copy.timeout == 3_600)
        #expect(copy.isResumable)
        original.markNotResumable()
        #expect(copy.isResumable, "marking the original does not touch an earlier copy")
        #expect(!original.copy().isResumable, "as SSL_SESSION_dup, a copy starts with the original's flag")
        let other = UUID()
        let adopted = copy.copy(ownedBy: other)
        #expect(adopted.contextID == other && adopted.secret == copy.secret && adopted.ticket == copy.ticket)
    }

    // MARK: Timeouts (S16)

    @Test("S16: the default timeout is 7,200 s; a 30-day timeout is capped at 7 days on the wire and on both sides")
    func timeoutDefaultAndSevenDayCap() async throws {
        #expect(TLSConfiguration(role: .server).sessionTimeout == 7_200)
        #expect(TLSConfiguration(role: .client).sessionTimeout == 7_200)
        for mode in [TicketMode.stateless, .stateful] {
            let serverContext = try server { $0.sessionTimeout = 30 * 86_400; $0.ticketMode = mode }
            #expect(serverContext.sessionCache.timeout(for: .tls13) == 604_800)
            let (client, server) = try await ConnectionPump.connectAndClose(try client { $0.sessionTimeout = 30 * 86_400 }, serverContext)
            let clientSession = try #require(client.session)
            #expect(clientSession.ticketLifetime == 604_800, "ticket_lifetime on the wire (RFC 8446 §4.6.1)")
            #expect(clientSession.timeout <= 604_800)
            let serverSession = try #require(server.session)
            #expect(serverSession.timeout <= 604_800 && serverSession.ticketLifetime == 604_800)
        }
    }

    // MARK: S13: clean and unclean ends

    @Test("S13, S20: releasing an established connection without close() poisons its session and removes it (SSL_free without SSL_shutdown)")
    func releaseWithoutClosePoisons() async throws {
        let removals = Removals()
        let serverContext = try server(removals) { $0.ticketMode = .stateful; $0.ticketCount = 1 }
        let clientContext = try client()
        var clientSession: TLSSession?
        do {
            let (client, server) = try await ConnectionPump.connect(clientContext, serverContext)
            clientSession = client.session
            #expect(serverContext.sessionCache.cache.count == 1)
            _ = (client, server)   // released here, never closed
        }
        #expect(clientSession?.isResumable == false, "the client's session is poisoned")
        #expect(serverContext.sessionCache.cache.count == 0, "the server's session left the cache")
        #expect(removals.reasons == [.uncleanShutdown])
        #expect(removals.seen.withLock { $0.allSatisfy(\.hadContext) }, "the remove callback gets the context")

        // Closed with close_notify, or after the peer's close_notify, nothing is poisoned.
        let (closed, _) = try await ConnectionPump.connectAndClose(clientContext, serverContext)
        #expect(closed.session?.isResumable == true)
        #expect(serverContext.sessionCache.cache.count == 1)
        #expect(removals.reasons == [.uncleanShutdown])
    }

    @Test("S13: after a peer's TCP close without close_notify the session is kept by default; uncleanTransportClose = .invalidateSession poisons it")
    func transportCloseWithoutNotify() async throws {
        for policy in [UncleanTransportClosePolicy.keepSession, .invalidateSession] {
            let removals = Removals()
            let serverContext = try server(removals) { $0.ticketMode = .stateful; $0.ticketCount = 1; $0.uncleanTransportClose = policy }
            let clientContext = try client { $0.uncleanTransportClose = policy }
            let (client, server) = try await ConnectionPump.connect(clientContext, serverContext)
            client.transportClosed()
            server.transportClosed()
            let kept = policy == .keepSession
            #expect(client.session?.isResumable == kept, "\(policy)")
            #expect(server.session?.isResumable == kept, "\(policy)")
            #expect(serverContext.sessionCache.cache.count == (kept ? 1 : 0), "\(policy)")
            #expect(removals.reasons == (kept ? [] : [.uncleanShutdown]), "\(policy)")
        }
    }

    @Test("A15b, S13: a failed handshake poisons the session it offered, so it is not offered again")
    func failedHandshakePoisonsTheOfferedSession() async throws {
        let (clientContext, serverContext) = (try client(), try server())
        let (first, _) = try await ConnectionPump.connectAndClose(clientContext, serverContext)
        let offered = try #require(first.session)
        let connection = clientContext.makeConnection()
        try connection.offer(offered)
        try connection.startHandshake()
        let serverConnection = serverContext.makeConnection()
        try serverConnection.receive(connection.takeOutput())
        var flight = serverConnection.takeOutput()
        flight[flight.count - 1] ^= 0x01   // the last record (protected) no longer authenticates
        #expect(throws: TLSError.self) { try connection.receive(flight) }
        #expect(!offered.isResumable)
        let next = clientContext.makeConnection()
        try next.offer(offered)
        try await ConnectionPump.run(next, serverContext.makeConnection())
        #expect(next.negotiated?.resumption == .declined([.notResumable]))
        try next.close()
    }

    @Test("S13, S20: a TLS 1.2 server whose resumed handshake fails poisons the cached session")
    func failedResumptionPoisonsTheServersSession() async throws {
        let removals = Removals()
        let serverContext = try server(removals) { $0.maximumVersion = .tls12 }
        let clientContext = try client { $0.maximumVersion = .tls12; $0.tls12SessionTickets = false }
        let (first, _) = try await ConnectionPump.connectAndClose(clientContext, serverContext)
        let offered = try #require(first.session)
        #expect(serverContext.sessionCache.cache.count == 1)
        let connection = clientContext.makeConnection()
        try connection.offer(offered)
        try connection.startHandshake()
        let serverConnection = serverContext.makeConnection()
        try serverConnection.receive(connection.takeOutput())
        try connection.receive(serverConnection.takeOutput())
        var finished = connection.takeOutput()
        finished[finished.count - 1] ^= 0x01
        #expect(throws: TLSError.self) { try serverConnection.receive(finished) }
        #expect(serverContext.sessionCache.cache.count == 0)
        #expect(removals.reasons == [.uncleanShutdown])
    }

    @Test("S5: a stateless ticket another context sealed under shared keys is re-owned by the context that opens it")
    func sharedTicketKeysReOwnTheSession() async throws {
        let ring = TicketKeyRing(clock: SystemClock())
        let issuer = try server { $0.ticketKeys = ring }
        let other = try server { $0.ticketKeys = ring; $0.ticketCountAfterResumption = 0 }
        let clientContext = try client()
        let (first, _) = try await ConnectionPump.connectAndClose(clientContext, issuer)
        let (again, againServer) = try await ConnectionPump.connectAndClose(clientContext, other, offering: try #require(first.session))
        #expect(again.sessionReused)
        #expect(againServer.session?.contextID == other.contextID)
        #expect(other.contextID != issuer.contextID)
    }

    @Test("S32: a reloaded certificate serves new handshakes; sessions made before still resume; a mismatched key is refused")
    func reloadedIdentityKeepsSessions() async throws {
        let renewed = try SelfSignedIdentity(commonName: "renewed")
        let roots = try TrustRoots.certificates([InMemoryIdentity.shared.certificateDER, renewed.certificateDER])
        let removals = Removals()
        for mode in [TicketMode.stateless, .stateful] {
            let serverContext = try server(removals) { $0.ticketMode = mode }
            let clientContext = try client {
                $0.certificateVerification = .fullVerification(trustRoots: roots)
            }
            let (first, _) = try await ConnectionPump.connectAndClose(clientContext, serverContext)
            #expect(first.negotiated?.peerCertificates.first == InMemoryIdentity.shared.certificateDER)
            let before = try #require(first.session)
            let cachedBefore = serverContext.sessionCache.cache.count

            let established = serverContext.makeConnection()   // made before: keeps the old identity
            try serverContext.reloadIdentity(chain: renewed.chain, key: renewed.privateKey)
            #expect(serverContext.configuration.certificateChain?.leafDER == renewed.certificateDER)
            #expect(serverContext.sessionCache.cache.count == cachedBefore, "\(mode): the cache survives")

            let (resumed, _) = try await ConnectionPump.connectAndClose(clientContext, serverContext, offering: before)
            #expect(resumed.sessionReused, "\(mode): a session from before the reload resumes")
            let (fresh, _) = try await ConnectionPump.connectAndClose(clientContext, serverContext)
            #expect(fresh.negotiated?.peerCertificates.first == renewed.certificateDER, "\(mode): new handshakes present the new certificate")
            let oldClient = clientContext.makeConnection()
            try await ConnectionPump.run(oldClient, established)
            #expect(oldClient.negotiated?.peerCertificates.first == InMemoryIdentity.shared.certificateDER)
            try ConnectionPump.shutDown(oldClient, established)

            let stranger = try SelfSignedIdentity(commonName: "stranger")
            #expect(throws: TLSError.invalidState("the private key does not match the certificate")) {
                try serverContext.reloadIdentity(chain: renewed.chain, key: stranger.privateKey)
            }
            #expect(serverContext.configuration.certificateChain?.leafDER == renewed.certificateDER, "a refused reload changes nothing")
        }
        #expect(throws: TLSError.invalidState("only a server context has an identity to reload")) {
            try client().reloadIdentity(chain: renewed.chain, key: renewed.privateKey)
        }
    }

    // MARK: Callbacks (S20, S21)

    @Test("S21: the get callback sees the proposed ID, SNI, offered ALPN, version, peer address and its context")
    func getCallbackSeesTheConnection() async throws {
        let requests = LockedValue<[SessionLookupRequest]>([])
        let serverContext = try server {
            $0.ticketMode = .stateful
            $0.sessionCacheMode = [.server, .noInternalLookup]
            $0.applicationProtocols = ["h2", "http/1.1"]
            $0.sessionCallbacks.onLookup = { request in
                requests.withLock { $0.append(request) }
                return nil
            }
        }
        let clientContext = try client { $0.applicationProtocols = ["http/1.1", "h2"] }
        let (first, _) = try await ConnectionPump.connectAndClose(clientContext, serverContext)
        let offered = try #require(first.session)
        let connection = clientContext.makeConnection()
        try connection.offer(offered)
        let serverConnection = serverContext.makeConnection()
        serverConnection.peerAddress = "192.0.2.7:41000"
        try await ConnectionPump.run(connection, serverConnection)
        let request = try #require(requests.withLock { $0 }.first)
        #expect(request.sessionID == offered.ticket)
        #expect(request.serverName == "localhost")
        #expect(request.offeredApplicationProtocols == ["http/1.1", "h2"])
        #expect(request.protocolVersion == .tls13)
        #expect(request.peerAddress == "192.0.2.7:41000")
        #expect(request.context === serverContext)
        try ConnectionPump.shutDown(connection, serverConnection)
    }

    @Test("S20: the remove callback gets the context for explicit removals, and nil only while the context deinitialises")
    func removeCallbackGetsTheContext() async throws {
        let removals = Removals()
        var serverContext: TLSContext? = try server(removals) { $0.ticketMode = .stateful }
        let clientContext = try client()
        let (first, _) = try await ConnectionPump.connectAndClose(clientContext, try #require(serverContext))
        try #require(serverContext).removeSession(try #require(first.session).copy())
        // The client's session ID names the ticket by its hash; the server's is the ticket.
        #expect(removals.reasons.isEmpty, "another ID: nothing removed")
        let tickets = ConnectionPump.events(first).compactMap { event -> TLSSession? in
            if case .newSession(let session) = event { return session }
            return nil
        }
        let cached = try #require(serverContext?.sessionCache.cache.lookup(id: tickets[0].ticket, now: Date()))
        try #require(serverContext).removeSession(cached)
        #expect(removals.seen.withLock { $0.map { ($0.reason, $0.hadContext) } }.elementsEqual([(.explicit, true)]) { $0 == $1 })
        serverContext = nil
        #expect(removals.seen.withLock { $0.map { ($0.reason, $0.hadContext) } }.elementsEqual([(.explicit, true), (.contextTeardown, false)]) { $0 == $1 })
    }

    // MARK: S4: one session, several connections at once

    @Test("S4, C8: several connections resume from one session at the same time (run under TSan by scripts/test.sh)")
    func concurrentResumptionsFromOneSession() async throws {
        let (clientContext, serverContext) = (try client(), try server())
        let (first, _) = try await ConnectionPump.connectAndClose(clientContext, serverContext)
        let shared = try #require(first.session)
        let resumed = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let (client, server) = try await ConnectionPump.connectAndClose(clientContext, serverContext, offering: shared)
                    return client.sessionReused && server.sessionReused
                }
            }
            var count = 0
            for try await ok in group where ok { count += 1 }
            return count
        }
        #expect(resumed == 8, "a stateless ticket with StatelessTicketReuse.allowed resumes on every connection")
        #expect(shared.isResumable)
    }

    // MARK: validate() warnings (P6)

    @Test("P6: settings that do nothing are reported as warnings and logged when the context is made")
    func settingsThatDoNothingAreWarned() throws {
        #expect(InMemoryIdentity.serverConfiguration().warnings.isEmpty)
        #expect(try InMemoryIdentity.clientConfiguration().warnings.isEmpty)

        var statelessOnly = InMemoryIdentity.serverConfiguration()
        statelessOnly.minimumVersion = .tls13
        statelessOnly.sessionCallbacks.onLookup = { _ in nil }
        statelessOnly.sessionCallbacks.onRemove = { _, _, _ in }
        #expect(statelessOnly.warnings == [.lookupNeverAskedWithStatelessTickets, .removeCallbackNeverCalled])
        var withTLS12 = statelessOnly
        withTLS12.minimumVersion = .tls12   // session IDs use the callbacks
        #expect(withTLS12.warnings.isEmpty)

        var off = InMemoryIdentity.serverConfiguration()
        off.sessionCacheMode = .off
        off.sessionCallbacks.onNew = { _, _ in .kept }
        #expect(off.warnings == [.newSessionsNotReportedWithCachingOff])

        var stateful = InMemoryIdentity.serverConfiguration()
        stateful.ticketMode = .stateful
        stateful.sessionCacheMode = [.server, .noInternalStore]
        #expect(stateful.warnings == [.statefulTicketsCannotResume])
        stateful.sessionCallbacks.onLookup = { _ in nil }
        #expect(stateful.warnings.isEmpty)

        var clientLookup = try InMemoryIdentity.clientConfiguration()
        clientLookup.sessionCallbacks.onLookup = { _ in nil }
        #expect(clientLookup.warnings == [.lookupCallbackOnClient])

        let recorder = ResumptionDecisionTests.LogRecorder()
        statelessOnly.logger = recorder.logger("warnings")
        _ = try TLSContext(statelessOnly)
        let logged = recorder.lines.withLock { $0.map(\.message) }
        #expect(logged == [TLSConfigurationWarning.lookupNeverAskedWithStatelessTickets.description,
                           TLSConfigurationWarning.removeCallbackNeverCalled.description])
    }
}
