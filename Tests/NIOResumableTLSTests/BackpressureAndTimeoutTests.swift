import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import NIOPosix
import Testing
import ResumableTLS
@testable import NIOResumableTLS

/// Does nothing with what it reads: a peer that never answers.
final class SilentHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}

/// Security review L13: the async API's inbound stream has backpressure, and every handshake
/// has a time limit.
@Suite(.timeLimit(.minutes(1))) struct BackpressureAndTimeoutTests {
    @Test func aServerThatDoesNotReadStopsReadingFromTheSocket() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let accepted = NIOLockedValueBox<TLSAsyncConnection?>(nil)
        let gate = Gate()
        let received = NIOLockedValueBox<Int>(-1)
        let server = try await TLSServer.bind(host: "127.0.0.1", port: 0, context: try TestIdentity.serverContext(), group: group) { connection in
            accepted.withLockedValue { $0 = connection }
            await gate.wait()   // the application is busy: it reads nothing until the test says so
            let all = (try? await connection.readToEnd(maximumBytes: 64 << 20)) ?? []
            received.withLockedValue { $0 = all.count }
        }
        let client = try await TLSClient.connect(host: "127.0.0.1", port: server.port, context: try TestIdentity.clientContext(), group: group)
        let total = 16 << 20
        let writer = Task {
            for _ in 0..<(total >> 16) { try await client.write([UInt8](repeating: 0x42, count: 1 << 16)) }
            await client.close()
        }
        // Wait (bounded) until the server's stream pauses reading.
        var connection: TLSAsyncConnection?
        for _ in 0..<1_000 {
            connection = accepted.withLockedValue { $0 }
            if let connection, connection.inbound.flow.isPaused { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        let flow = try #require(connection?.inbound.flow)
        #expect(flow.isPaused, "reading never paused")
        // A little more may arrive with the read in progress; then nothing until it drains.
        try await Task.sleep(for: .milliseconds(200))
        let unread = flow.unreadBytes
        #expect(unread <= TLSInboundStream.highWatermark + (1 << 20), "\(unread) bytes buffered while the application reads nothing")
        #expect(unread < total)

        gate.open()
        try await writer.value
        for _ in 0..<1_000 where received.withLockedValue({ $0 }) < 0 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(received.withLockedValue { $0 } == total)
        await server.close()
        try await group.shutdownGracefully()
    }

    @Test func theHandlerFailsAHandshakeThatTakesTooLong() throws {
        let context = try TestIdentity.serverContext { $0.handshakeTimeout = .seconds(1) }
        let handler = try TLSChannelHandler(context: context)
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 443)).wait()
        let future = try #require(handler.handshakeFuture)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(900))
        #expect(completedResult(future) == nil)
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(200))
        guard case .failure(let error)? = completedResult(future) else {
            Issue.record("the handshake did not fail after its time limit")
            return
        }
        #expect(error as? NIOTLSError == .handshakeTimeout)
        #expect(!channel.isActive)
    }

    @Test func aClientGivesUpOnAServerThatNeverAnswers() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let silent = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(SilentHandler()) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        var configuration = TLSConfiguration.client(serverName: "localhost")
        configuration.certificateVerification = .fullVerification(trustRoots: try .certificates([TestIdentity.shared.certificateDER]))
        configuration.handshakeTimeout = .milliseconds(300)
        let started = ContinuousClock.now
        await #expect(throws: NIOTLSError.handshakeTimeout) {
            _ = try await TLSClient.connect(host: "127.0.0.1", port: silent.localAddress?.port ?? 0, context: try TLSContext(configuration), group: group)
        }
        #expect(ContinuousClock.now - started < .seconds(10))
        try await silent.close()
        try await group.shutdownGracefully()
    }

    @Test func aServerClosesAConnectionThatNeverSendsAClientHello() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let failures = NIOLockedValueBox<[String]>([])
        let server = try await TLSServer.bind(
            host: "127.0.0.1", port: 0, context: try TestIdentity.serverContext { $0.handshakeTimeout = .milliseconds(300) }, group: group,
            handshakeFailed: { error in failures.withLockedValue { $0.append("\(error)") } }
        ) { _ in }
        // A raw TCP client that sends nothing (slowloris).
        let idle = try await ClientBootstrap(group: group).channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(SilentHandler()) }
            }
            .connect(host: "127.0.0.1", port: server.port).get()
        // The server closes it after 300 ms (the suite's time limit bounds the wait).
        try await idle.closeFuture.get()
        #expect(!idle.isActive)
        #expect(failures.withLockedValue { $0 }.contains { $0.contains("did not complete in time") })
        await server.close()
        try await group.shutdownGracefully()
    }
}
