import NIOCore
import NIOPosix
import Testing
import ResumableTLS
import NIOResumableTLS

/// S29 through the NIO adapter on loopback: `TLSClient.connect(earlyData:)` to a `TLSServer`
/// whose context accepts early data (the server's `TLSAsyncConnection` says how much of its
/// inbound data came early), and to one with the same ticket keys that declines it (skipped;
/// the client sends the request again after the handshake).
@Suite(.timeLimit(.minutes(1))) struct EarlyDataLoopbackTests {
    private typealias Seen = (earlyByteCount: Int, status: EarlyDataStatus, data: [UInt8])

    @Test("S29: early data through TLSClient and TLSServer: accepted, or declined and sent again in 1-RTT", arguments: [true, false])
    func earlyDataOverLoopback(accept: Bool) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let request = Array("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8)
        let keys = TicketKeyRing()
        let issuer = try TestIdentity.serverContext { $0.ticketKeys = keys; $0.earlyData = EarlyDataConfiguration() }
        let resumer = try TestIdentity.serverContext { $0.ticketKeys = keys; $0.earlyData = accept ? EarlyDataConfiguration() : nil }
        let (stream, seen) = AsyncStream<Seen>.makeStream()
        let handler: @Sendable (TLSAsyncConnection) async -> Void = { connection in
            var received: [UInt8] = []
            do {
                for try await chunk in connection.inbound {
                    received += Array(buffer: chunk)
                    if received.count >= request.count { break }
                }
            } catch {}
            seen.yield((connection.earlyDataByteCount, connection.negotiated.earlyData, received))
        }
        do {
            let first = try await TLSServer.bind(host: "127.0.0.1", port: 0, context: issuer, group: group, handleConnection: handler)
            let second = try await TLSServer.bind(host: "127.0.0.1", port: 0, context: resumer, group: group, handleConnection: handler)
            let clientContext = try TestIdentity.clientContext()
            let made = try await TLSClient.connect(host: "127.0.0.1", port: first.port, context: clientContext, group: group)
            try await made.write(request)
            let ticket = try #require(try await made.newSession(timeout: .seconds(5)))
            await made.close()
            var results = stream.makeAsyncIterator()
            _ = await results.next()
            #expect(ticket.maxEarlyDataSize == 16_384)

            let resumed = try await TLSClient.connect(host: "127.0.0.1", port: second.port, context: clientContext, offering: ticket,
                                                      group: group, earlyData: request)
            #expect(resumed.sessionReused)
            #expect(resumed.negotiated.earlyData == (accept ? .accepted : .rejected))
            if !accept { try await resumed.write(request) }   // not delivered: send it again
            let result = try #require(await results.next())
            #expect(result.data == request)
            #expect(result.status == (accept ? .accepted : .rejected))
            #expect(result.earlyByteCount == (accept ? request.count : 0))
            await resumed.close()
            await first.close()
            await second.close()
            try await group.shutdownGracefully()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }
}
