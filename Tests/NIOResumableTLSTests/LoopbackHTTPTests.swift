import NIOCore
import NIOHTTP1
import NIOPosix
import Testing
import ResumableTLS
import NIOResumableTLS

/// Answers every request with a page that says whether the TLS handshake resumed.
final class ResumptionPageHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        let tls = try? context.pipeline.syncOperations.handler(type: TLSChannelHandler.self)
        let body = "hello over TLS, \(tls?.sessionReused == true ? "Reused" : "New")\n"
        var headers = HTTPHeaders()
        headers.add(name: "Content-Length", value: "\(body.utf8.count)")
        headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}

/// A real loopback server (NIOPosix, NIOHTTP1 over `TLSChannelHandler`) and our client.
@Suite(.timeLimit(.minutes(1))) struct LoopbackHTTPTests {
    @Test(arguments: [TicketMode.stateless, .stateful])
    func fetchTwiceSecondIsResumed(ticketMode: TicketMode) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            try await fetchTwice(group: group, ticketMode: ticketMode)
        } catch {
            try await group.shutdownGracefully()
            throw error
        }
        try await group.shutdownGracefully()
    }

    private func fetchTwice(group: MultiThreadedEventLoopGroup, ticketMode: TicketMode) async throws {
        let server = try await TLSServer.bind(
            host: "127.0.0.1", port: 0, context: try TestIdentity.serverContext { $0.ticketMode = ticketMode }, group: group
        ) { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                try channel.pipeline.syncOperations.addHandler(ResumptionPageHandler())
            }
        }
        #expect(server.port > 0)
        let clientContext = try TestIdentity.clientContext()
        let request = Array("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".utf8)

        let first = try await TLSClient.connect(host: "127.0.0.1", port: server.port, context: clientContext, group: group)
        #expect(!first.sessionReused)
        try await first.write(request)
        let firstPage = String(decoding: try await first.readToEnd(), as: UTF8.self)
        #expect(firstPage.hasPrefix("HTTP/1.1 200 OK"))
        #expect(firstPage.hasSuffix("hello over TLS, New\n"))
        let session = try #require(try await first.session())
        #expect(session.isResumable)
        await first.close()

        let second = try await TLSClient.connect(host: "127.0.0.1", port: server.port, context: clientContext, offering: session, group: group)
        #expect(second.sessionReused)
        try await second.write(request)
        let secondPage = String(decoding: try await second.readToEnd(), as: UTF8.self)
        #expect(secondPage.hasSuffix("hello over TLS, Reused\n"))
        await second.close()
        await server.close()
    }

    @Test func asyncServerHelperEchoesAfterTheHandshake() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            let server = try await TLSServer.bind(context: try TestIdentity.serverContext(), group: group) { connection in
                do {
                    for try await chunk in connection.inbound {
                        try await connection.write(chunk)
                        break
                    }
                } catch {}
            }
            let client = try await TLSClient.connect(host: "127.0.0.1", port: server.port, context: try TestIdentity.clientContext(), group: group)
            try await client.write(Array("echo me".utf8))
            #expect(try await client.readToEnd() == Array("echo me".utf8))
            await client.close()
            await server.close()
        } catch {
            try await group.shutdownGracefully()
            throw error
        }
        try await group.shutdownGracefully()
    }

    @Test func connectingToAClosedPortFails() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await TLSServer.bind(context: try TestIdentity.serverContext(), group: group) { _ in }
        let port = server.port
        await server.close()
        await #expect(throws: (any Error).self) {
            _ = try await TLSClient.connect(host: "127.0.0.1", port: port, context: try TestIdentity.clientContext(), group: group)
        }
        await #expect(throws: TLSClientError.invalidPort(70_000)) {
            _ = try await TLSClient.connect(host: "127.0.0.1", port: 70_000, context: try TestIdentity.clientContext(), group: group)
        }
        try await group.shutdownGracefully()
    }
}
