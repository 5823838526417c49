import NIOCore
import NIOEmbedded
import Synchronization
import Testing
import ResumableTLS
import NIOResumableTLS

/// Security review M2 in the NIO handler: no read reaches the transport while the connection
/// awaits asynchronous work (here a get callback that the test holds), and reading resumes when
/// the work ends. An `NIOAsyncTestingChannel` (the embedded channel for asynchronous work)
/// stands in for the socket.
@Suite(.timeLimit(.minutes(1))) struct PendingWorkReadTests {
    @Test func noReadIsIssuedWhileALookupIsPending() async throws {
        // A session made by another stateful server: this server must ask its get callback.
        var origin = TLSConfiguration.server(chain: TestIdentity.shared.chain, key: TestIdentity.shared.privateKey)
        origin.ticketMode = .stateful
        let originContext = try TLSContext(origin)
        let clientContext = try TestIdentity.clientContext()
        let session = try await Self.sessionFrom(originContext, client: clientContext)

        let gate = Gate()
        let lookupStarted = Gate()
        let lookups = Mutex(0)
        let serverContext = try TestIdentity.serverContext { configuration in
            configuration.ticketMode = .stateful
            configuration.sessionStoreTimeLimit = .seconds(30)
            configuration.sessionCallbacks.onLookup = { _ in
                lookups.withLock { $0 += 1 }
                lookupStarted.open()
                await gate.wait()
                return nil
            }
        }
        let channel = NIOAsyncTestingChannel()
        let reads = LockedReadCounter()
        try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(reads)
            try channel.pipeline.syncOperations.addHandler(try TLSChannelHandler(context: serverContext))
        }.get()
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 443))
        let readsAtStart = reads.count
        #expect(readsAtStart >= 1)   // the handshake asks for the ClientHello

        let client = clientContext.makeConnection()
        try client.offer(session)
        try client.startHandshake()
        try await channel.writeInbound(ByteBuffer(bytes: client.takeOutput()))
        await lookupStarted.wait()
        // The read cycle ended and the handlers behind ask for more: neither reaches the socket.
        try await channel.eventLoop.submit { channel.read() }.get()
        try await channel.writeInbound(ByteBuffer(bytes: ChangeCipherSpec.record))   // one more record, kept
        let readsWhilePending = reads.count
        #expect(readsWhilePending == readsAtStart, "read() reached the transport while the lookup was pending")
        #expect(try await channel.readOutbound(as: ByteBuffer.self) == nil)   // no ServerHello yet

        gate.open()
        // The lookup found nothing: the server answers with a full handshake and reads again.
        var flight: [UInt8] = []
        for _ in 0..<500 where flight.isEmpty {
            if let buffer = try await channel.readOutbound(as: ByteBuffer.self) {
                flight = Array(buffer.readableBytesView)
            } else {
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        #expect(flight.first == ContentType.handshake.rawValue, "no ServerHello after the lookup")
        let readsAfter = reads.count
        #expect(readsAfter > readsAtStart, "reading did not resume after the lookup")
        #expect(lookups.withLock { $0 } == 1)
        _ = try? await channel.finish()
    }

    /// A resumable session from a full handshake with `server`, both sides sans-I/O.
    private static func sessionFrom(_ server: TLSContext, client: TLSContext) async throws -> TLSSession {
        let clientConnection = client.makeConnection()
        let serverConnection = server.makeConnection()
        try clientConnection.startHandshake()
        for _ in 0..<16 {
            let toServer = clientConnection.takeOutput()
            if !toServer.isEmpty { try serverConnection.receive(toServer) }
            let toClient = serverConnection.takeOutput()
            if !toClient.isEmpty { try clientConnection.receive(toClient) }
            if let work = clientConnection.takePendingWork() { try clientConnection.completePendingWork(await work.run()) }
            if let session = clientConnection.session, session.isResumable {
                // Released without close() the connections would poison the session (S13).
                clientConnection.transportClosed()
                serverConnection.transportClosed()
                return session
            }
        }
        throw TLSError.invalidState("no resumable session after 16 rounds")
    }
}

/// Counts the reads that reach the transport, readable from any task.
final class LockedReadCounter: ChannelOutboundHandler, Sendable {
    typealias OutboundIn = ByteBuffer
    private let reads = Mutex(0)

    var count: Int { reads.withLock { $0 } }

    func read(context: ChannelHandlerContext) {
        reads.withLock { $0 += 1 }
        context.read()
    }
}
