import NIOCore
import ResumableTLS

/// A SwiftNIO handler that runs a `TLSConnection` over a channel, for either role (like
/// swift-nio-ssl's `NIOSSLHandler`): ciphertext `ByteBuffer`s below it, plaintext `ByteBuffer`s
/// above it.
///
/// - Inbound bytes go to the connection; each flight it produces is written as one buffer,
///   flushed at the end of the read cycle, so that what one read produces (a flight, tickets,
///   the reply of the handlers behind) leaves in one write. Decrypted application data is
///   passed on with `fireChannelRead`.
/// - Certificate verification (`TLSPendingWork`) runs in a `Task`, off the event loop; its
///   result is fed back on the loop. Records that arrive meanwhile wait in the connection.
/// - Writes are sealed at `flush`: the plaintext of the writes since the last flush is
///   coalesced into as few records as fit (16 KiB each), so a reply written in parts (an HTTP
///   head, body and end) is one record, not three. Writes before the handshake completes wait
///   for it. Closing seals what was written before close_notify, and both leave in one write.
/// - User events: `TLSUserEvent.handshakeCompleted` and `.newSession`.
/// - Backpressure (channels with `autoRead` off, such as `NIOAsyncChannel`'s): the handler
///   asks the transport for reads itself only while the handshake needs the peer's bytes, and,
///   like `NIOSSLHandler`, repeats a read the handlers behind asked for when what arrived held
///   no complete application-data record (otherwise that read would be lost and the channel
///   stall). Once plaintext is delivered, further reads are theirs to ask for.
/// - `close(mode: .all/.output)` sends close_notify, then closes once it is written. A
///   close_notify from the peer ends its side only (RFC 8446 §6.1): on a channel with
///   `allowRemoteHalfClosure` it is passed on as `ChannelEvent.inputClosed` and the handlers
///   behind may go on writing until they close; otherwise what they wrote is sent, then our
///   close_notify, and the channel is closed.
/// - A TLS error sends its alert, then `fireErrorCaught(error)` and the channel is closed.
/// - The transport closing before the handshake completed fails the handshake with
///   `NIOTLSError.closedDuringHandshake`; closing without the peer's close_notify after it
///   fires `NIOTLSError.uncleanShutdown`. A handshake that takes longer than the
///   configuration's `handshakeTimeout` (10 s by default) fails with
///   `NIOTLSError.handshakeTimeout` and the channel is closed.
///
/// All members must be used on the channel's event loop.
public final class TLSChannelHandler: ChannelDuplexHandler, RemovableChannelHandler {
    /// Ciphertext from the transport.
    public typealias InboundIn = ByteBuffer
    /// Plaintext to the handlers behind this one.
    public typealias InboundOut = ByteBuffer
    /// Plaintext from the handlers behind this one.
    public typealias OutboundIn = ByteBuffer
    /// Ciphertext to the transport.
    public typealias OutboundOut = ByteBuffer

    /// Where the handler stands, as one value (swift-nio-ssl's `ConnectionState`).
    private enum State: Equatable {
        case idle
        /// The handshake runs; `workPending`: a `TLSPendingWork` is out, and no read reaches
        /// the transport meanwhile (security review M2).
        case handshaking(workPending: Bool)
        /// Application data flows; `peerClosed`: the peer's close_notify arrived on a
        /// half-closable channel and we may still write (RFC 8446 §6.1, security review L9).
        case established(peerClosed: Bool)
        /// We sent close_notify, failed, or are closing the channel; `peerClosed`: the peer's
        /// close_notify arrived (transport errors are expected and dropped then).
        case closing(peerClosed: Bool)
        case closed

        var workPending: Bool {
            if case .handshaking(workPending: true) = self { return true }
            return false
        }

        var peerClosed: Bool {
            switch self {
            case .established(let peerClosed), .closing(let peerClosed): return peerClosed
            case .idle, .handshaking, .closed: return false
            }
        }

        var isHandshaking: Bool {
            if case .handshaking = self { return true }
            return false
        }

        var isEstablished: Bool {
            if case .established = self { return true }
            return false
        }

        var isClosing: Bool {
            if case .closing = self { return true }
            return false
        }
    }

    /// The sans-I/O connection this handler drives.
    public let connection: TLSConnection
    private var state: State = .idle
    private var handshakePromise: EventLoopPromise<NegotiatedParameters>?
    /// Plaintext written and not yet sealed: until the next flush, or the handshake.
    private var unsealedWrites: [(ByteBuffer, EventLoopPromise<Void>?)] = []
    private var flushRequested = false
    /// Output written inside a read cycle and not yet flushed: `channelReadComplete` flushes
    /// it, so what one read produces (tickets, a reply, close_notify) leaves in one write.
    private var outputAwaitingFlush = false
    /// The handlers behind asked for a read and no plaintext has reached them since.
    private var readRequested = false
    /// Inside a transport read cycle (`channelRead`… `channelReadComplete`).
    private var inReadCycle = false
    private weak var storedContext: ChannelHandlerContext?
    /// Fails the handshake when `TLSConfiguration.handshakeTimeout` passes.
    private var handshakeTimer: Scheduled<Void>?
    /// A client's 0-RTT data, sent with the ClientHello.
    private var earlyData: [UInt8]?

    /// A handler for a new connection made from `context`; a client may offer `session` for
    /// resumption and name the server it connects to (`serverName`, overriding the
    /// configuration's: sent as SNI and checked against the certificate, see
    /// `TLSConnection.setServerName(_:)`). `handshakePromise`, if given, is completed when the
    /// handshake completes or fails (otherwise the handler makes its own: see `handshakeFuture`).
    /// A client may give `earlyData` to send as 0-RTT data with `session` (S29,
    /// `TLSConnection.startHandshake(earlyData:)`); `TLSUserEvent.earlyDataAccepted` or
    /// `.earlyDataRejected` follows, and `NegotiatedParameters.earlyData` says it too.
    ///
    /// Throws `TLSError.invalidState` if a session or a server name is given on a server
    /// context, or if a client that verifies certificates has no server name to check.
    public init(
        context: TLSContext, offering session: TLSSession? = nil, serverName: String? = nil,
        handshakePromise: EventLoopPromise<NegotiatedParameters>? = nil, earlyData: [UInt8]? = nil
    ) throws {
        connection = context.makeConnection()
        if earlyData != nil, context.configuration.role != .client {
            throw TLSError.invalidState("only a client sends early data")
        }
        self.earlyData = earlyData
        if let serverName { try connection.setServerName(serverName) }
        // Refuse here, before a channel is touched, rather than fail the handshake later.
        try context.configuration.validateServerIdentity(serverName: connection.serverName)
        if let session { try connection.offer(session) }
        self.handshakePromise = handshakePromise
    }

    // MARK: What the handshake produced (read on the event loop)

    /// The connection's session (`SSL_get_session`): nil before the handshake completed.
    public var session: TLSSession? { connection.session }
    /// Whether the handshake resumed a session (`SSL_session_reused`).
    public var sessionReused: Bool { connection.sessionReused }
    /// Server: whether this connection may accept early data (S29, with
    /// `TLSConfiguration.earlyData`); set it before the ClientHello arrives, for example in a
    /// child channel initializer. False declines it: the early data is skipped and the handshake
    /// goes on in 1-RTT (`TLSConnection.acceptsEarlyData`).
    public var acceptsEarlyData: Bool {
        get { connection.acceptsEarlyData }
        set { connection.acceptsEarlyData = newValue }
    }
    /// What the handshake agreed on, once it completed.
    public var negotiated: NegotiatedParameters? { connection.negotiated }
    /// Completes with the negotiated parameters when the handshake completes, fails if it
    /// fails. Nil until the handler is added to a pipeline (unless a promise was passed in).
    public var handshakeFuture: EventLoopFuture<NegotiatedParameters>? { handshakePromise?.futureResult }

    // MARK: Lifecycle

    /// Makes the handshake promise if needed and starts the handshake if the channel is active.
    public func handlerAdded(context: ChannelHandlerContext) {
        storedContext = context
        if handshakePromise == nil { handshakePromise = context.eventLoop.makePromise() }
        if context.channel.isActive { startHandshake(context: context) }
    }

    /// Fails whatever still waits on the handshake or buffered writes.
    public func handlerRemoved(context: ChannelHandlerContext) {
        failPending(NIOTLSError.closedDuringHandshake)
        storedContext = nil
    }

    /// Starts the handshake (a client sends its ClientHello).
    public func channelActive(context: ChannelHandlerContext) {
        startHandshake(context: context)
        context.fireChannelActive()
    }

    /// The transport ended: fails a handshake in progress and buffered writes, reports an unclean
    /// shutdown if the peer never sent close_notify.
    public func channelInactive(context: ChannelHandlerContext) {
        let was = state
        state = .closed
        // The core decides what an unclean end means for the session (S13).
        connection.transportClosed()
        switch was {
        case .idle, .handshaking:
            failPending(NIOTLSError.closedDuringHandshake)
        case .established(let peerClosed):
            failPending(NIOTLSError.uncleanShutdown)
            if !peerClosed { context.fireErrorCaught(NIOTLSError.uncleanShutdown) }
        case .closing, .closed:
            failPending(NIOTLSError.writeAfterClose)
        }
        context.fireChannelInactive()
    }

    private func startHandshake(context: ChannelHandlerContext) {
        guard state == .idle else { return }
        state = .handshaking(workPending: false)
        // For the get callback (S21); formatted only where one can ask.
        if connection.peerAddress == nil, connection.context.sessionCache.looksUpExternally,
           let address = context.channel.remoteAddress, let ip = address.ipAddress, let port = address.port {
            connection.peerAddress = ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
        }
        if let timeout = connection.context.configuration.handshakeTimeout {
            // Security review L13: a peer that stalls the handshake does not keep the channel.
            let nanoseconds = timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
            handshakeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(nanoseconds)) { [self] in
                guard state.isHandshaking, let context = storedContext else { return }
                fail(NIOTLSError.handshakeTimeout, context: context)
            }
        }
        do {
            if let earlyData {
                self.earlyData = nil
                try connection.startHandshake(earlyData: earlyData)
            } else {
                try connection.startHandshake()
            }
        } catch {
            fail(error, context: context)
            return
        }
        flushOutput(context: context)
        // A client may first check the session it offers (RFC 8446 §4.6.1).
        startPendingWork(context: context)
        // The handshake needs the peer's first flight whether or not anyone behind asked to read.
        readAgainIfNeeded(context: context)
    }

    // MARK: Inbound

    /// Feeds ciphertext to the connection and acts on what it produced.
    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        inReadCycle = true
        let buffer = unwrapInboundIn(data)
        switch state {
        case .handshaking, .established, .closing: break
        case .idle, .closed: return
        }
        do {
            // Straight from the buffer's bytes: no intermediate array per read.
            try connection.receive(buffer.readableBytesView)
        } catch {
            fail(error, context: context)
            return
        }
        afterConnectionProgress(context: context)
    }

    /// Passes the read cycle's end on, and reads again if the handshake still needs bytes or a
    /// read asked for by the handlers behind produced no plaintext.
    public func channelReadComplete(context: ChannelHandlerContext) {
        inReadCycle = false
        if outputAwaitingFlush {
            outputAwaitingFlush = false
            context.flush()
        }
        context.fireChannelReadComplete()
        readAgainIfNeeded(context: context)
    }

    /// A read asked for by the handlers behind: remembered until plaintext reaches them. While
    /// pending work runs it is held back (security review M2): the connection would only have
    /// to buffer what arrives.
    public func read(context: ChannelHandlerContext) {
        readRequested = true
        guard !state.workPending else { return }
        context.read()
    }

    /// Reads again if the handshake still needs bytes or the handlers behind asked for a read
    /// that produced no plaintext; never while pending work runs (it reads when the work ends).
    private func readAgainIfNeeded(context: ChannelHandlerContext) {
        switch state {
        case .handshaking(let workPending):
            if !workPending { context.read() }
        case .established, .closing:
            if readRequested { context.read() }
        case .idle, .closed:
            break
        }
    }

    /// The transport's end of input (a channel with `allowRemoteHalfClosure`): after the peer's
    /// close_notify it is expected and already reported; before it, the peer's data may have
    /// been cut short, so the connection fails like a transport close.
    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let channelEvent = event as? ChannelEvent, channelEvent == .inputClosed else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        if state.peerClosed { return }
        switch state {
        case .idle, .handshaking:
            fail(NIOTLSError.closedDuringHandshake, context: context)
        case .established:
            fail(NIOTLSError.uncleanShutdown, context: context)
        case .closing, .closed:
            context.fireUserInboundEventTriggered(event)
        }
    }

    private static func allowsRemoteHalfClosure(_ context: ChannelHandlerContext) -> Bool {
        (try? context.channel.syncOptions?.getOption(.allowRemoteHalfClosure)) ?? false
    }

    /// Drops transport errors once the TLS session ended (a peer that closes right after its
    /// close_notify may reset the connection); passes the others on.
    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if state.peerClosed || state == .closed { return }
        context.fireErrorCaught(error)
    }

    /// Sends the connection's output, delivers its events and starts its pending work.
    private func afterConnectionProgress(context: ChannelHandlerContext) {
        flushOutput(context: context)
        deliverEvents(context: context)
        startPendingWork(context: context)
    }

    private func deliverEvents(context: ChannelHandlerContext) {
        var delivered = false
        while let event = connection.nextEvent() {
            switch event {
            case .handshakeCompleted(let parameters):
                if state.isHandshaking { state = .established(peerClosed: false) }
                handshakeTimer?.cancel()
                handshakeTimer = nil
                handshakePromise?.succeed(parameters)
                context.fireUserInboundEventTriggered(TLSUserEvent.handshakeCompleted(parameters))
                writeBufferedData(context: context)
            case .applicationData(let bytes):
                readRequested = false
                context.fireChannelRead(wrapInboundOut(context.channel.allocator.buffer(bytes: bytes)))
                delivered = true
            case .newSession(let session):
                context.fireUserInboundEventTriggered(TLSUserEvent.newSession(session))
            case .closeNotifyReceived:
                guard case .established = state else {
                    // During the handshake (an error) or after our own close_notify: close.
                    close(context: context, mode: .all, promise: nil)
                    if state.isClosing { state = .closing(peerClosed: true) }
                    continue
                }
                state = .established(peerClosed: true)
                if Self.allowsRemoteHalfClosure(context) {
                    // RFC 8446 §6.1: the peer closed its side only; the handlers behind may
                    // still write, and close when they are done (security review L9).
                    context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
                } else {
                    // What was written goes first, then our close_notify; then the channel closes.
                    close(context: context, mode: .all, promise: nil)
                }
            case .peerKeyUpdated:
                break
            case .earlyData(let bytes):
                // The typed flag comes first, so the handler behind knows what the read is.
                context.fireUserInboundEventTriggered(TLSUserEvent.earlyDataReceived(byteCount: bytes.count))
                readRequested = false
                context.fireChannelRead(wrapInboundOut(context.channel.allocator.buffer(bytes: bytes)))
                delivered = true
            case .earlyDataAccepted:
                context.fireUserInboundEventTriggered(TLSUserEvent.earlyDataAccepted)
            case .earlyDataRejected:
                context.fireUserInboundEventTriggered(TLSUserEvent.earlyDataRejected)
            }
        }
        // Inside a transport read cycle, channelReadComplete follows; outside one (after pending
        // work), end this burst of reads here.
        if delivered && !inReadCycle { context.fireChannelReadComplete() }
    }

    private func startPendingWork(context: ChannelHandlerContext) {
        guard !state.workPending, let work = connection.takePendingWork() else { return }
        if state.isHandshaking { state = .handshaking(workPending: true) }
        let promise = context.eventLoop.makePromise(of: Result<Void, TLSError>.self)
        promise.completeWithTask { await work.run() }
        promise.futureResult.assumeIsolated().whenSuccess { [self] result in
            // The handshake may have failed or timed out meanwhile: then the result is moot.
            guard let context = storedContext, state.isHandshaking else { return }
            state = .handshaking(workPending: false)
            do {
                try connection.completePendingWork(result)
            } catch {
                fail(error, context: context)
                return
            }
            afterConnectionProgress(context: context)
            // Reading stopped while the work ran.
            readAgainIfNeeded(context: context)
        }
    }

    /// Writes whatever the connection has to send as one buffer, and flushes it: at once when
    /// someone waits for it (`promise`) or outside a read cycle, else at `channelReadComplete`.
    private func flushOutput(context: ChannelHandlerContext, promise: EventLoopPromise<Void>? = nil) {
        let output = connection.takeOutput()
        if output.isEmpty {
            promise?.succeed(())
            return
        }
        let buffer = wrapOutboundOut(context.channel.allocator.buffer(bytes: output))
        if inReadCycle && promise == nil {
            context.write(buffer, promise: nil)
            outputAwaitingFlush = true
        } else {
            outputAwaitingFlush = false
            context.writeAndFlush(buffer, promise: promise)
        }
    }

    // MARK: Outbound

    /// Queues application data; it is sealed at the next flush (or when the handshake completes).
    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch state {
        case .idle, .handshaking, .established:
            unsealedWrites.append((unwrapOutboundIn(data), promise))
        case .closing, .closed:
            promise?.fail(NIOTLSError.writeAfterClose)
        }
    }

    /// Seals what was written and flushes it; remembered while writes wait for the handshake.
    public func flush(context: ChannelHandlerContext) {
        if state.isEstablished {
            sealUnsealedWrites(context: context)
            outputAwaitingFlush = false
            context.flush()
        } else {
            flushRequested = true
        }
    }

    /// Sends close_notify, then closes once it is written (`.all`, `.output`); `.input` is passed on.
    public func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        switch (state, mode) {
        case (_, .input):
            context.close(mode: mode, promise: promise)
        case (.established, _):
            // What was written before the close goes first, in the same write as close_notify.
            sealUnsealedWrites(context: context)
            guard state.isEstablished else {
                context.close(mode: mode, promise: promise)
                return
            }
            do {
                try connection.close()
            } catch {
                // The connection already failed: nothing more to send.
            }
            closeAfterFlushing(context: context, mode: mode, promise: promise)
        case (.idle, _), (.handshaking, _):
            state = .closing(peerClosed: false)
            failPending(NIOTLSError.closedDuringHandshake)
            context.close(mode: mode, promise: promise)
        case (.closing, _), (.closed, _):
            context.close(mode: mode, promise: promise)
        }
    }

    /// The most plaintext coalesced into one `connection.write`: one full record (RFC 8446 §5.1).
    private static let coalescedWriteLimit = 1 << 14

    /// Seals the queued writes (small ones coalesced up to a record's worth, large ones passed
    /// as they are) and writes the records as one buffer, unflushed. Its promise completes every
    /// queued write's promise.
    private func sealUnsealedWrites(context: ChannelHandlerContext) {
        guard !unsealedWrites.isEmpty else { return }
        let writes = unsealedWrites
        unsealedWrites = []
        var chunk: [UInt8] = []
        chunk.reserveCapacity(min(Self.coalescedWriteLimit, writes.reduce(0) { $0 + $1.0.readableBytes }))
        do {
            for (buffer, _) in writes {
                if buffer.readableBytes >= Self.coalescedWriteLimit {
                    if !chunk.isEmpty { try connection.write(chunk); chunk.removeAll(keepingCapacity: true) }
                    try connection.write(buffer.readableBytesView)
                    continue
                }
                if chunk.count + buffer.readableBytes > Self.coalescedWriteLimit {
                    try connection.write(chunk)
                    chunk.removeAll(keepingCapacity: true)
                }
                chunk.append(contentsOf: buffer.readableBytesView)
            }
            if !chunk.isEmpty { try connection.write(chunk) }
        } catch {
            for (_, promise) in writes { promise?.fail(error) }
            fail(error, context: context)
            return
        }
        let promises = writes.compactMap(\.1)
        var promise: EventLoopPromise<Void>?
        if !promises.isEmpty {
            let combined = context.eventLoop.makePromise(of: Void.self)
            combined.futureResult.assumeIsolated().whenComplete { result in
                for each in promises { each.completeWith(result) }
            }
            promise = combined
        }
        let output = connection.takeOutput()
        if output.isEmpty {
            promise?.succeed(())
        } else {
            context.write(wrapOutboundOut(context.channel.allocator.buffer(bytes: output)), promise: promise)
        }
    }

    /// The handshake completed: seals the writes that waited for it and flushes them (and any
    /// flush asked for meanwhile).
    private func writeBufferedData(context: ChannelHandlerContext) {
        let hadWrites = !unsealedWrites.isEmpty
        sealUnsealedWrites(context: context)
        if hadWrites || flushRequested {
            outputAwaitingFlush = false
            context.flush()
        }
        flushRequested = false
    }

    /// Sends what the connection queued (close_notify), then closes the channel.
    private func closeAfterFlushing(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard state != .closed else {
            context.close(mode: mode, promise: promise)
            return
        }
        state = .closing(peerClosed: state.peerClosed)
        failPending(NIOTLSError.writeAfterClose)
        let written = context.eventLoop.makePromise(of: Void.self)
        flushOutput(context: context, promise: written)
        written.futureResult.assumeIsolated().whenComplete { _ in
            context.close(mode: mode, promise: promise)
        }
    }

    // MARK: Errors

    /// Sends the alert the connection queued, reports `error` and closes the channel.
    private func fail(_ error: any Error, context: ChannelHandlerContext) {
        guard state != .closed, state != .closing(peerClosed: true) else { return }
        let wasClosing = state.isClosing
        state = .closing(peerClosed: state.peerClosed)
        failPending(error)
        let written = context.eventLoop.makePromise(of: Void.self)
        flushOutput(context: context, promise: written)
        // Report the error once the alert is on its way, so a handler that closes on error
        // does not cut the alert off.
        written.futureResult.assumeIsolated().whenComplete { _ in
            context.fireErrorCaught(error)
            if !wasClosing { context.close(promise: nil) }
        }
    }

    private func failPending(_ error: any Error) {
        handshakeTimer?.cancel()
        handshakeTimer = nil
        handshakePromise?.fail(error) // no effect once it succeeded
        let writes = unsealedWrites
        unsealedWrites = []
        for (_, promise) in writes { promise?.fail(error) }
    }
}

@available(*, unavailable)
extension TLSChannelHandler: Sendable {}
