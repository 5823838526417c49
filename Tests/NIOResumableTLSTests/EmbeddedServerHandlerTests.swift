import NIOCore
import NIOEmbedded
import Testing
import ResumableTLS
@testable import NIOResumableTLS

/// Records what reaches the end of an embedded pipeline: plaintext, user events, errors.
final class InboundRecorder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    var received: [UInt8] = []
    var events: [TLSUserEvent] = []
    var errors: [any Error] = []
    var inactive = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received.append(contentsOf: unwrapInboundIn(data).readableBytesView)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent { events.append(event) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        errors.append(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        inactive = true
    }

    var handshakeCompleted: Bool {
        events.contains { if case .handshakeCompleted = $0 { return true } else { return false } }
    }
}

/// Counts the reads that reach the transport (it sits in front of the TLS handler).
final class ReadCounter: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    var reads = 0

    func read(context: ChannelHandlerContext) {
        reads += 1
        context.read()
    }
}

/// Counts the flushes and writes that reach the transport (it sits in front of the TLS handler).
final class FlushCounter: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    var flushes = 0
    var writes = 0

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        writes += 1
        context.write(data, promise: promise)
    }

    func flush(context: ChannelHandlerContext) {
        flushes += 1
        context.flush()
    }
}

/// Writes back what it reads, with one flush (a request/response server).
final class EchoHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.writeAndFlush(data, promise: nil)
    }
}

/// Asks for one read at a time, like a consumer with autoRead off (NIOAsyncChannel's way).
final class OneReadAtATime: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func requestRead() { context?.read() }
}

/// The result of a future of an embedded channel, if it has completed (synchronously).
func completedResult<Value>(_ future: EventLoopFuture<Value>) -> Result<Value, any Error>? {
    var result: Result<Value, any Error>?
    future.assumeIsolated().whenComplete { result = $0 }
    return result
}

/// The server side of `TLSChannelHandler` on an `EmbeddedChannel`, against a sans-I/O client
/// connection the test drives (so the client's asynchronous chain check runs in the test).
@Suite struct EmbeddedServerHandlerTests {
    struct Harness {
        let channel: EmbeddedChannel
        let handler: TLSChannelHandler
        let recorder: InboundRecorder
        let client: TLSConnection
    }

    private func makeHarness(readCounter: ReadCounter? = nil, flushCounter: FlushCounter? = nil, consumer: OneReadAtATime? = nil, echo: Bool = false) throws -> Harness {
        let handler = try TLSChannelHandler(context: try TestIdentity.serverContext())
        let recorder = InboundRecorder()
        let channel = EmbeddedChannel()
        if let readCounter { try channel.pipeline.syncOperations.addHandler(readCounter) }
        if let flushCounter { try channel.pipeline.syncOperations.addHandler(flushCounter) }
        try channel.pipeline.syncOperations.addHandler(handler)
        if let consumer { try channel.pipeline.syncOperations.addHandler(consumer) }
        if echo { try channel.pipeline.syncOperations.addHandler(EchoHandler()) }
        try channel.pipeline.syncOperations.addHandler(recorder)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 443)).wait()
        let client = try TestIdentity.clientContext().makeConnection()
        try client.startHandshake()
        return Harness(channel: channel, handler: handler, recorder: recorder, client: client)
    }

    /// Everything the channel wrote, joined.
    private func outbound(_ channel: EmbeddedChannel) throws -> [UInt8] {
        var bytes: [UInt8] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) {
            bytes.append(contentsOf: buffer.readableBytesView)
        }
        return bytes
    }

    /// Feeds `bytes` to the channel, one byte per read if `byteByByte`.
    private func feed(_ bytes: [UInt8], to channel: EmbeddedChannel, byteByByte: Bool) throws {
        if byteByByte {
            for byte in bytes { try channel.writeInbound(ByteBuffer(bytes: [byte])) }
        } else {
            try channel.writeInbound(ByteBuffer(bytes: bytes))
        }
    }

    /// Moves the client's bytes to the server and back until the handshake is done (bounded).
    private func handshake(_ harness: Harness, byteByByte: Bool) async throws {
        for _ in 0..<8 {
            let toServer = harness.client.takeOutput()
            if !toServer.isEmpty { try feed(toServer, to: harness.channel, byteByByte: byteByByte) }
            let toClient = try outbound(harness.channel)
            if !toClient.isEmpty { try harness.client.receive(toClient) }
            if let work = harness.client.takePendingWork() {
                try harness.client.completePendingWork(await work.run())
            }
            if harness.client.state == .established && harness.recorder.handshakeCompleted { return }
        }
        Issue.record("the handshake did not complete")
    }

    @Test func partialReadsOneByteAtATime() async throws {
        let harness = try makeHarness()
        defer { _ = try? harness.channel.finish() }
        try await handshake(harness, byteByByte: true)
        #expect(harness.handler.negotiated?.cipherSuite == .tlsAES128GCMSHA256)
        #expect(harness.handler.sessionReused == false)
        let handshakeFuture = try #require(harness.handler.handshakeFuture)
        let handshakeResult = try #require(completedResult(handshakeFuture))
        #expect(try handshakeResult.get().isResumed == false)
        // Tickets went out right after the handshake: the client gets new sessions.
        var clientSessions = 0
        while let event = harness.client.nextEvent() { if case .newSession = event { clientSessions += 1 } }
        #expect(clientSessions == 2)
        #expect(harness.recorder.events.filter { if case .newSession = $0 { return true } else { return false } }.count == 2)

        try harness.client.write(Array("hello, one byte at a time".utf8))
        try feed(harness.client.takeOutput(), to: harness.channel, byteByByte: true)
        #expect(harness.recorder.received == Array("hello, one byte at a time".utf8))
    }

    /// The client's Finished and its first request in one read: the server's tickets and the
    /// reply of the handler behind leave in one flush (one transport write), not two.
    @Test func ticketsAndTheReplyToTheSameReadLeaveInOneFlush() async throws {
        let flushes = FlushCounter()
        let harness = try makeHarness(flushCounter: flushes, echo: true)
        defer { _ = try? harness.channel.finish() }
        try harness.channel.writeInbound(ByteBuffer(bytes: harness.client.takeOutput()))
        try harness.client.receive(try outbound(harness.channel))
        let work = try #require(harness.client.takePendingWork())
        try harness.client.completePendingWork(await work.run())
        #expect(harness.client.state == .established)
        try harness.client.write(Array("ping".utf8))
        let before = (flushes.flushes, flushes.writes)
        try harness.channel.writeInbound(ByteBuffer(bytes: harness.client.takeOutput()))
        #expect(harness.recorder.handshakeCompleted)
        #expect(flushes.flushes - before.0 == 1, "one flush for the tickets and the reply")
        #expect(flushes.writes - before.1 == 2, "the tickets' buffer and the reply's records")
        try harness.client.receive(try outbound(harness.channel))
        var sessions = 0
        var echoed: [UInt8] = []
        while let event = harness.client.nextEvent() {
            switch event {
            case .newSession: sessions += 1
            case .applicationData(let bytes): echoed += bytes
            default: break
            }
        }
        #expect(sessions == 2)
        #expect(echoed == Array("ping".utf8))
    }

    /// The TLS records in `bytes` (outer headers only): their count.
    private func recordCount(_ bytes: [UInt8]) -> Int {
        var index = 0
        var count = 0
        while index + 5 <= bytes.count {
            index += 5 + (Int(bytes[index + 3]) << 8 | Int(bytes[index + 4]))
            count += 1
        }
        return index == bytes.count ? count : -1
    }

    /// Writes since the last flush are sealed together: three small writes are one record; a
    /// write then close is one buffer with the data's record and close_notify's.
    @Test func writesUntilAFlushAreCoalescedIntoOneRecord() async throws {
        let harness = try makeHarness()
        defer { _ = try? harness.channel.finish() }
        try await handshake(harness, byteByByte: false)
        try harness.client.receive(try outbound(harness.channel))   // tickets
        while harness.client.nextEvent() != nil {}

        let promises = ["GET ", "/ ", "HTTP/1.1\r\n\r\n"].map { part in
            let promise = harness.channel.embeddedEventLoop.makePromise(of: Void.self)
            harness.channel.write(ByteBuffer(string: part), promise: promise)
            return promise
        }
        #expect(try outbound(harness.channel).isEmpty, "nothing is sealed before the flush")
        harness.channel.flush()
        let flushed = try outbound(harness.channel)
        #expect(recordCount(flushed) == 1)
        for promise in promises {
            let result = try #require(completedResult(promise.futureResult))
            #expect(throws: Never.self) { try result.get() }
        }
        try harness.client.receive(flushed)
        var data: [UInt8] = []
        while let event = harness.client.nextEvent() { if case .applicationData(let bytes) = event { data += bytes } }
        #expect(data == Array("GET / HTTP/1.1\r\n\r\n".utf8))

        // 20,000 bytes in one write and 10 more: two records for the large write, one for the small.
        harness.channel.write(ByteBuffer(bytes: [UInt8](repeating: 0x41, count: 20_000)), promise: nil)
        harness.channel.write(ByteBuffer(string: "0123456789"), promise: nil)
        harness.channel.flush()
        let large = try outbound(harness.channel)
        #expect(recordCount(large) == 3)
        try harness.client.receive(large)
        data = []
        while let event = harness.client.nextEvent() { if case .applicationData(let bytes) = event { data += bytes } }
        #expect(data.count == 20_010 && data.suffix(10) == Array("0123456789".utf8)[...])

        harness.channel.write(ByteBuffer(string: "bye"), promise: nil)
        harness.channel.close(mode: .all, promise: nil)
        let last = try outbound(harness.channel)
        #expect(recordCount(last) == 2, "the data's record and close_notify, in one write")
        try harness.client.receive(last)
        var events: [String] = []
        while let event = harness.client.nextEvent() {
            switch event {
            case .applicationData(let bytes): events.append(String(decoding: bytes, as: UTF8.self))
            case .closeNotifyReceived: events.append("close_notify")
            default: break
            }
        }
        #expect(events == ["bye", "close_notify"])
    }

    @Test func writesBeforeTheHandshakeAreBufferedThenFlushed() async throws {
        let harness = try makeHarness()
        defer { _ = try? harness.channel.finish() }
        let early = harness.channel.embeddedEventLoop.makePromise(of: Void.self)
        harness.channel.writeAndFlush(ByteBuffer(string: "early data"), promise: early)
        #expect(try outbound(harness.channel).isEmpty, "nothing is sent before the ClientHello")
        try await handshake(harness, byteByByte: false)
        let earlyResult = try #require(completedResult(early.futureResult))
        #expect(throws: Never.self) { try earlyResult.get() }
        // The buffered write went out after the server's flight: the client decrypts it.
        var data: [UInt8] = []
        try harness.client.receive(try outbound(harness.channel))
        while let event = harness.client.nextEvent() {
            if case .applicationData(let bytes) = event { data += bytes }
        }
        #expect(data == Array("early data".utf8))
    }

    @Test func closeDuringTheHandshakeFailsItAndBufferedWrites() throws {
        let harness = try makeHarness()
        try harness.channel.writeInbound(ByteBuffer(bytes: harness.client.takeOutput()))
        #expect(!(try outbound(harness.channel)).isEmpty, "the server answered the ClientHello")
        let pending = harness.channel.writeAndFlush(ByteBuffer(string: "never sent"))
        let handshake = try #require(harness.handler.handshakeFuture)
        try harness.channel.close().wait()
        #expect(throws: NIOTLSError.closedDuringHandshake) { try handshake.wait() }
        #expect(throws: NIOTLSError.closedDuringHandshake) { try pending.wait() }
        #expect(!harness.channel.isActive)
        #expect(harness.recorder.inactive)
        #expect(try outbound(harness.channel).isEmpty, "no application data leaked")
    }

    @Test func peerClosingTheTransportDuringTheHandshakeFailsIt() throws {
        let harness = try makeHarness()
        try harness.channel.writeInbound(ByteBuffer(bytes: harness.client.takeOutput()))
        let handshake = try #require(harness.handler.handshakeFuture)
        harness.channel.pipeline.fireChannelInactive()
        #expect(throws: NIOTLSError.closedDuringHandshake) { try handshake.wait() }
        _ = try? harness.channel.finish()
    }

    @Test func badBytesSendAnAlertThenCloseTheChannel() throws {
        let harness = try makeHarness()
        // A record of an unknown content type (0x42) instead of a ClientHello.
        let garbage: [UInt8] = [0x42, 0x03, 0x03, 0x00, 0x02, 0x01, 0x02]
        try harness.channel.writeInbound(ByteBuffer(bytes: garbage))
        #expect(harness.recorder.errors.count == 1, "the error reached the handlers behind")
        #expect(harness.recorder.errors.first is TLSError)
        let alert = try outbound(harness.channel)
        #expect(alert.count == 7, "one plaintext alert record")
        #expect(alert.first == 0x15, "content type alert")
        #expect(alert.dropFirst(5).first == 2, "fatal")
        #expect(!harness.channel.isActive, "the channel closed after the alert")
        let handshakeFuture = try #require(harness.handler.handshakeFuture)
        let handshakeResult = try #require(completedResult(handshakeFuture))
        #expect(throws: TLSError.self) { try handshakeResult.get() }
        #expect(harness.handler.connection.state != .established)
    }

    @Test func closeAfterTheHandshakeSendsCloseNotify() async throws {
        let harness = try makeHarness()
        try await handshake(harness, byteByByte: false)
        _ = try outbound(harness.channel)
        harness.channel.close(promise: nil)
        try harness.client.receive(try outbound(harness.channel))
        var closeNotify = false
        while let event = harness.client.nextEvent() { if event == .closeNotifyReceived { closeNotify = true } }
        #expect(closeNotify)
    }

    @Test func backpressureTheHandshakeReadsByItselfThenReadsFollowTheConsumer() async throws {
        let reads = ReadCounter()
        let consumer = OneReadAtATime()
        let harness = try makeHarness(readCounter: reads, consumer: consumer)
        defer { _ = try? harness.channel.finish() }
        #expect(reads.reads == 1, "the handshake asks for the ClientHello although nobody behind read")
        try await handshake(harness, byteByByte: false)
        let afterHandshake = reads.reads
        #expect(afterHandshake >= 2, "each handshake read cycle asked for the next flight")

        // After the handshake, nothing reads unless the consumer asks.
        try harness.client.write(Array("first".utf8))
        let record = harness.client.takeOutput()
        try harness.channel.writeInbound(ByteBuffer(bytes: Array(record.prefix(3))))
        #expect(reads.reads == afterHandshake, "no read the consumer did not ask for")

        // The consumer asks once; the rest of the header arrives, still no whole record: the
        // handler repeats the read so that it is not lost.
        consumer.requestRead()
        #expect(reads.reads == afterHandshake + 1)
        try harness.channel.writeInbound(ByteBuffer(bytes: Array(record.dropFirst(3).prefix(4))))
        #expect(harness.recorder.received.isEmpty)
        #expect(reads.reads == afterHandshake + 2, "a read that produced no plaintext is repeated")

        // The record completes: plaintext reaches the consumer and its read is satisfied.
        try harness.channel.writeInbound(ByteBuffer(bytes: Array(record.dropFirst(7))))
        #expect(harness.recorder.received == Array("first".utf8))
        #expect(reads.reads == afterHandshake + 2, "satisfied: no further read until asked")

        // Writes pass straight to the transport after the handshake: its writability is the
        // channel's (a 64 KiB write is four full records plus one, written at once).
        let big = [UInt8](repeating: 0x61, count: 65_536)
        try harness.channel.writeAndFlush(ByteBuffer(bytes: big)).wait()
        try harness.client.receive(try outbound(harness.channel))
        var echoed: [UInt8] = []
        while let event = harness.client.nextEvent() { if case .applicationData(let bytes) = event { echoed += bytes } }
        #expect(echoed == big)
    }
}
