import Foundation
import Testing
@testable import ResumableTLS

/// S14 "offers a policy for stateless tickets": `StatelessTicketReuse`.
@Suite struct StatelessTicketReuseTests {
    private func contexts(_ reuse: StatelessTicketReuse, clock: TestClock = TestClock()) throws -> (TLSContext, TLSContext) {
        var serverConfiguration = InMemoryIdentity.serverConfiguration()
        serverConfiguration.ticketMode = .stateless
        serverConfiguration.statelessTicketReuse = reuse
        serverConfiguration.sessionTimeout = 600
        return (try TLSContext(try InMemoryIdentity.clientConfiguration(), clock: clock), try TLSContext(serverConfiguration, clock: clock))
    }

    @Test func s14ByDefaultAStatelessTicketResumesUntilItExpires() async throws {
        let (client, server) = try contexts(.allowed)
        let (first, _) = try await ConnectionPump.connectAndClose(client, server, offering: nil)
        let ticket = try #require(first.session)
        for _ in 0..<3 {
            let (again, _) = try await ConnectionPump.connectAndClose(client, server, offering: ticket)
            #expect(again.sessionReused)
        }
    }

    @Test func s14SingleUseStatelessTicketResumesOnceThenIsDeclinedAsReplayed() async throws {
        let (client, server) = try contexts(.singleUse)
        let (first, _) = try await ConnectionPump.connectAndClose(client, server, offering: nil)
        let ticket = try #require(first.session)
        let (once, _) = try await ConnectionPump.connectAndClose(client, server, offering: ticket)
        #expect(once.sessionReused)
        let (twice, twiceServer) = try await ConnectionPump.connect(client, server, offering: ticket)
        #expect(!twice.sessionReused, "a replayed ticket gets a full handshake, not an error")
        #expect(twiceServer.negotiated?.resumption == .declined([.replayed]))
        // The new tickets from the resumed connection are fresh: each resumes once.
        let fresh = try #require(once.session)
        #expect(fresh.ticket != ticket.ticket)
        let (next, _) = try await ConnectionPump.connectAndClose(client, server, offering: fresh)
        #expect(next.sessionReused)
    }

    /// A HelloRetryRequest makes the client send its ticket twice in one handshake: the first
    /// ClientHello must not spend the single use (nor take a stateful session) that the second
    /// one resumes with.
    @Test(arguments: [StatelessTicketReuse.allowed, .singleUse])
    func s14ATicketResumesAcrossAHelloRetryRequest(reuse: StatelessTicketReuse) async throws {
        for mode in [TicketMode.stateless, .stateful] {
            var serverConfiguration = InMemoryIdentity.serverConfiguration()
            serverConfiguration.ticketMode = mode
            serverConfiguration.statelessTicketReuse = reuse
            serverConfiguration.groups = [.x25519, .secp256r1]
            var clientConfiguration = try InMemoryIdentity.clientConfiguration()
            clientConfiguration.groups = [.secp384r1, .x25519]
            let clock = TestClock()
            let clientContext = try TLSContext(clientConfiguration, clock: clock)
            let serverContext = try TLSContext(serverConfiguration, clock: clock)
            let (first, _) = try await ConnectionPump.connectAndClose(clientContext, serverContext, offering: nil)
            #expect(first.negotiated?.didHelloRetryRequest == true)
            let ticket = try #require(first.session)
            let (again, againServer) = try await ConnectionPump.connect(clientContext, serverContext, offering: ticket)
            #expect(again.negotiated?.didHelloRetryRequest == true, "\(mode)")
            #expect(again.sessionReused, "\(mode) \(reuse): \(String(describing: againServer.negotiated?.resumption))")
        }
    }

    @Test func s14ReplayCacheForgetsExpiredClaimsAndFailsClosedWhenFull() {
        let cache = StatelessTicketReplayCache(capacity: 2, purgeInterval: 1)
        let now = Date(timeIntervalSince1970: 1_000)
        #expect(cache.claim([1], until: now.addingTimeInterval(10), now: now))
        #expect(!cache.claim([1], until: now.addingTimeInterval(10), now: now), "a second claim is a replay")
        #expect(cache.claim([2], until: now.addingTimeInterval(20), now: now))
        #expect(!cache.claim([3], until: now.addingTimeInterval(20), now: now), "full of live claims: declined")
        let later = now.addingTimeInterval(11)
        #expect(cache.claim([3], until: later.addingTimeInterval(20), now: later), "the expired claim made room")
        #expect(cache.claim([1], until: later.addingTimeInterval(10), now: later) == false, "full again (2 and 3 live)")
        #expect(cache.count == 2)
    }

    @Test func s14ClaimsArePerTicketBytes() {
        let cache = StatelessTicketReplayCache(capacity: 10)
        let now = Date(timeIntervalSince1970: 0)
        let ticket = [UInt8](repeating: 7, count: 200)
        var other = ticket
        other[199] = 8
        #expect(cache.claim(ticket, until: now.addingTimeInterval(5), now: now))
        #expect(cache.claim(other, until: now.addingTimeInterval(5), now: now))
        #expect(!cache.claim(ticket, until: now.addingTimeInterval(5), now: now))
    }
}
