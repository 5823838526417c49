import NIOCore
import NIOPosix
import Testing
import ResumableTLS
import NIOResumableTLS

/// Security review L9 (RFC 8446 §6.1): a close_notify closes the sender's side only. A client
/// that sends its request, then close_notify (and a TCP half-close), still gets the reply a
/// server writes afterwards, asynchronously.
@Suite(.timeLimit(.minutes(1))) struct HalfCloseTests {
    @Test func aReplyWrittenAfterThePeersCloseNotifyArrives() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await TLSServer.bind(host: "127.0.0.1", port: 0, context: try TestIdentity.serverContext(), group: group) { connection in
            // The whole request: the inbound stream ends at the client's close_notify.
            guard let request = try? await connection.readToEnd() else { return }
            try? await Task.sleep(for: .milliseconds(50))   // the answer takes a while
            try? await connection.write(Array("reply to \(String(decoding: request, as: UTF8.self))".utf8))
        }
        let client = try await TLSClient.connect(host: "127.0.0.1", port: server.port, context: try TestIdentity.clientContext(), group: group)
        try await client.write(Array("request".utf8))
        // close_notify, then shut down our write side; reading goes on.
        try await client.channel.close(mode: .output)
        let reply = try await client.readToEnd()
        #expect(String(decoding: reply, as: UTF8.self) == "reply to request")
        await client.close()
        await server.close()
        try await group.shutdownGracefully()
    }

    @Test func withoutHalfClosureWhatWasWrittenGoesBeforeOurCloseNotify() async throws {
        // A pipeline server (no allowRemoteHalfClosure): written data is sent, then close_notify.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await TLSServer.bind(host: "127.0.0.1", port: 0, context: try TestIdentity.serverContext(), group: group) { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(WriteWithoutFlushOnRead())
            }
        }
        let client = try await TLSClient.connect(host: "127.0.0.1", port: server.port, context: try TestIdentity.clientContext(), group: group)
        try await client.write(Array("x".utf8))
        try await client.channel.close(mode: .output)
        let reply = try await client.readToEnd()
        #expect(String(decoding: reply, as: UTF8.self) == "unflushed")
        await client.close()
        await server.close()
        try await group.shutdownGracefully()
    }
}

/// Writes a reply without flushing it when data arrives: the close_notify that follows must
/// not drop it.
final class WriteWithoutFlushOnRead: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.write(wrapOutboundOut(context.channel.allocator.buffer(string: "unflushed")), promise: nil)
    }
}
