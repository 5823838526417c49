import NIOConcurrencyHelpers
import NIOCore
import ResumableTLS

/// An established TLS connection seen from async code, in the style of `NIOAsyncChannel`:
/// `inbound` yields the decrypted data, `write(_:)` sends, `close()` sends close_notify and
/// closes. The connection's `session` is read on its event loop.
///
/// `inbound` is a single-consumer stream with backpressure (`TLSInboundStream`): at most about
/// 256 KiB wait unread before the channel stops reading from the socket. It ends when the
/// channel closes; it throws the error that closed it (a `TLSError`, or
/// `NIOTLSError.uncleanShutdown` when the peer closed without close_notify).
public final class TLSAsyncConnection: Sendable {
    /// The underlying channel (its pipeline holds a `TLSChannelHandler`).
    public let channel: any Channel
    /// What the handshake agreed on.
    public let negotiated: NegotiatedParameters
    /// The decrypted application data, chunk by chunk, in order.
    public let inbound: TLSInboundStream

    /// The newest session from a `.newSession` event, kept after the channel closed.
    private let latestSession: NIOLockedValueBox<TLSSession?>
    /// Tasks waiting in `newSession(timeout:)`.
    private let newSessions: NewSessionWaiters
    /// The handler's session when the handshake completed, for after the channel closed.
    private let completedSession: NIOLockedValueBox<TLSSession?>

    /// Whether the handshake resumed a session.
    public var sessionReused: Bool { negotiated.isResumed }

    /// Server: how many bytes at the start of `inbound` arrived as early data (0-RTT, S29),
    /// before the handshake completed. They may be a replay (RFC 8446 §8). 0 without early data;
    /// `negotiated.earlyData` says whether any was accepted.
    public var earlyDataByteCount: Int { earlyDataCount.withLockedValue { $0 } }
    private let earlyDataCount: NIOLockedValueBox<Int>

    init(channel: any Channel, negotiated: NegotiatedParameters, inbound: TLSInboundStream, latestSession: NIOLockedValueBox<TLSSession?>,
         completedSession: NIOLockedValueBox<TLSSession?>, newSessions: NewSessionWaiters, earlyDataCount: NIOLockedValueBox<Int>) {
        self.earlyDataCount = earlyDataCount
        self.completedSession = completedSession
        self.newSessions = newSessions
        self.channel = channel
        self.negotiated = negotiated
        self.inbound = inbound
        self.latestSession = latestSession
    }

    /// The connection's current session (`SSL_get_session`): the newest session a
    /// NewSessionTicket made (on a server: the newest ticket sent), else the handler's session
    /// (the resumed one, or a not yet resumable one after a full handshake). Still available
    /// after the connection closed. Throws what reading it on the channel's event loop threw
    /// (an event loop that has shut down, for example); a closed channel is not an error.
    public func session() async throws -> TLSSession? {
        if let latest = latestSession.withLockedValue({ $0 }) { return latest }
        guard channel.isActive else { return completedSession.withLockedValue { $0 } }
        let completed = completedSession
        return try await channel.eventLoop.submit { [channel] in
            do {
                return try channel.pipeline.syncOperations.handler(type: TLSChannelHandler.self).session
            } catch ChannelPipelineError.notFound {
                // The channel closed meanwhile and took its handlers: the session it ended with.
                return completed.withLockedValue { $0 }
            } catch ChannelError.ioOnClosedChannel {
                // The same, seen from a pipeline already torn down.
                return completed.withLockedValue { $0 }
            }
        }.get()
    }

    /// Waits, at most `timeout`, for a session from this connection's own NewSessionTicket
    /// (a `.newSession` event) and returns it; when none comes in time (or the channel closes
    /// first) returns the current `session()`. Suspends without polling; cancelling the task
    /// ends the wait early, like a timeout.
    ///
    /// After a resumption the current session is the one that was offered, which a stateful
    /// (single-use) ticket no longer resumes: waiting for the fresh ticket matters then.
    public func newSession(timeout: TimeAmount) async throws -> TLSSession? {
        // TLS 1.2 makes its sessions (and receives its ticket) inside the handshake.
        if negotiated.version < .tls13 { return try await session() }
        let waiter = UInt64.random(in: 0...UInt64.max)
        let arrived: TLSSession? = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                guard newSessions.wait(waiter, continuation) else { return }
                let deadline = channel.eventLoop.scheduleTask(in: timeout) { [newSessions] in newSessions.expire(waiter) }
                newSessions.onResolution(of: waiter) { deadline.cancel() }
            }
        } onCancel: { [newSessions] in
            newSessions.expire(waiter)
        }
        if let arrived { return arrived }
        return try await session()
    }

    /// Encrypts and sends `bytes`.
    public func write(_ bytes: some Sequence<UInt8>) async throws {
        try await channel.writeAndFlush(channel.allocator.buffer(bytes: bytes))
    }

    /// Encrypts and sends `buffer`.
    public func write(_ buffer: ByteBuffer) async throws {
        try await channel.writeAndFlush(buffer)
    }

    /// Reads until the peer closes, up to `maximumBytes` (more is an error).
    ///
    /// Call it at most once, from one task: `inbound` has a single consumer.
    public func readToEnd(maximumBytes: Int = 1 << 20) async throws -> [UInt8] {
        var received: [UInt8] = []
        for try await chunk in inbound {
            received.append(contentsOf: chunk.readableBytesView)
            if received.count > maximumBytes { throw TLSAsyncConnectionError.tooMuchData(limit: maximumBytes) }
        }
        return received
    }

    /// Sends close_notify and closes the channel; closing an already closed one does nothing.
    public func close() async {
        do {
            try await channel.close()
        } catch {
            // Already closed (the peer may have closed first): nothing more to do.
        }
    }
}

/// Errors from `TLSAsyncConnection`'s helpers.
public enum TLSAsyncConnectionError: Error, Sendable, Hashable {
    /// The peer sent more than the caller's limit.
    case tooMuchData(limit: Int)
}

/// The last handler of a connection's pipeline: hands decrypted data to a
/// `TLSInboundStream`, and holds back the reads asked for while too much waits unread.
final class AsyncStreamBridgeHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer

    private let continuation: AsyncThrowingStream<ByteBuffer, any Error>.Continuation
    private let latestSession: NIOLockedValueBox<TLSSession?>
    private let completedSession: NIOLockedValueBox<TLSSession?>
    private let newSessions: NewSessionWaiters
    private let flow: InboundFlowControl
    private let earlyDataCount: NIOLockedValueBox<Int>

    init(continuation: AsyncThrowingStream<ByteBuffer, any Error>.Continuation, latestSession: NIOLockedValueBox<TLSSession?>,
         completedSession: NIOLockedValueBox<TLSSession?>, newSessions: NewSessionWaiters, flow: InboundFlowControl,
         earlyDataCount: NIOLockedValueBox<Int>) {
        self.earlyDataCount = earlyDataCount
        self.continuation = continuation
        self.newSessions = newSessions
        self.completedSession = completedSession
        self.latestSession = latestSession
        self.flow = flow
    }

    /// A read (autoRead's, or `InboundFlowControl`'s resume) reaches the transport only while
    /// the consumer keeps up.
    func read(context: ChannelHandlerContext) {
        guard !flow.isPaused else { return }
        context.read()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event as? TLSUserEvent {
        case .newSession(let session)?:
            latestSession.withLockedValue { $0 = session }
            newSessions.deliver(session)
        case .handshakeCompleted?:
            let session = try? context.pipeline.syncOperations.handler(type: TLSChannelHandler.self).session
            completedSession.withLockedValue { $0 = session }
        case .earlyDataReceived(let byteCount)?:
            earlyDataCount.withLockedValue { $0 += byteCount }
        default:
            break
        }
        // The peer's close_notify (passed on as `inputClosed` on half-closable channels) ends
        // the stream; the application may still write.
        if let channelEvent = event as? ChannelEvent, channelEvent == .inputClosed {
            continuation.finish()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        _ = flow.produced(buffer.readableBytes)
        continuation.yield(buffer)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        continuation.finish(throwing: error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
        newSessions.finish()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        continuation.finish()
        newSessions.finish()
    }

    /// Adds a TLS handler and a bridge to `channel`'s pipeline (on its event loop); returns the
    /// handshake's future and a function that makes the connection object once it completed.
    static func install(
        on channel: any Channel, context: TLSContext, offering session: TLSSession?, serverName: String? = nil,
        earlyData: [UInt8]? = nil
    ) throws -> (EventLoopFuture<NegotiatedParameters>, @Sendable (NegotiatedParameters) -> TLSAsyncConnection) {
        let earlyDataCount = NIOLockedValueBox(0)
        let (stream, continuation) = AsyncThrowingStream<ByteBuffer, any Error>.makeStream()
        let latestSession = NIOLockedValueBox<TLSSession?>(nil)
        let completedSession = NIOLockedValueBox<TLSSession?>(nil)
        let newSessions = NewSessionWaiters()
        let flow = InboundFlowControl { [weak channel] in
            guard let channel else { return }
            channel.eventLoop.execute { channel.read() }
        }
        let promise = channel.eventLoop.makePromise(of: NegotiatedParameters.self)
        do {
            let tls = try TLSChannelHandler(context: context, offering: session, serverName: serverName, handshakePromise: promise,
                                            earlyData: earlyData)
            try channel.pipeline.syncOperations.addHandler(tls)
            try channel.pipeline.syncOperations.addHandler(AsyncStreamBridgeHandler(continuation: continuation, latestSession: latestSession, completedSession: completedSession,
                                                                                  newSessions: newSessions, flow: flow, earlyDataCount: earlyDataCount))
        } catch {
            // A channel that closed before the handlers were added (or a bad argument) must not
            // leave the handshake promise unfulfilled.
            promise.fail(error)
            continuation.finish(throwing: error)
            throw error
        }
        return (promise.futureResult, { negotiated in
            TLSAsyncConnection(channel: channel, negotiated: negotiated, inbound: TLSInboundStream(base: stream, flow: flow),
                               latestSession: latestSession, completedSession: completedSession, newSessions: newSessions,
                               earlyDataCount: earlyDataCount)
        })
    }
}

@available(*, unavailable)
extension AsyncStreamBridgeHandler: Sendable {}

/// The tasks waiting in `TLSAsyncConnection.newSession(timeout:)`: each is resumed once, with
/// the next session a NewSessionTicket makes, or with nil when its deadline passes, it is
/// cancelled, or the channel goes away.
final class NewSessionWaiters: Sendable {
    private struct State {
        var waiting: [UInt64: CheckedContinuation<TLSSession?, Never>] = [:]
        var onResolution: [UInt64: @Sendable () -> Void] = [:]
        var expiredEarly: Set<UInt64> = []
        var finished = false
        /// The newest session delivered: a waiter that comes later gets it at once.
        var latest: TLSSession?
    }

    private let state = NIOLockedValueBox(State())

    /// Registers `id`; returns false (having resumed it) when it need not or cannot wait: a
    /// session was already delivered (it gets that one), the channel is gone, or it expired
    /// before it got here (nil).
    func wait(_ id: UInt64, _ continuation: CheckedContinuation<TLSSession?, Never>) -> Bool {
        let (accepted, latest) = state.withLockedValue { state -> (Bool, TLSSession?) in
            if let latest = state.latest { return (false, latest) }
            if state.finished || state.expiredEarly.remove(id) != nil { return (false, nil) }
            state.waiting[id] = continuation
            return (true, nil)
        }
        if !accepted { continuation.resume(returning: latest) }
        return accepted
    }

    /// Runs `action` once `id` is resumed (cancels its deadline), at once if it already was.
    func onResolution(of id: UInt64, _ action: @escaping @Sendable () -> Void) {
        let pending = state.withLockedValue { state -> Bool in
            guard state.waiting[id] != nil else { return false }
            state.onResolution[id] = action
            return true
        }
        if !pending { action() }
    }

    /// A new session arrived: every waiter gets it, and so does every later one.
    func deliver(_ session: TLSSession) {
        state.withLockedValue { $0.latest = session }
        resumeAll(with: session)
    }

    /// The channel went away: every waiter, present and future, gets nil.
    func finish() {
        state.withLockedValue { $0.finished = true }
        resumeAll(with: nil)
    }

    /// `id`'s deadline passed or its task was cancelled: it gets nil.
    func expire(_ id: UInt64) {
        let (continuation, action) = state.withLockedValue { state -> (CheckedContinuation<TLSSession?, Never>?, (@Sendable () -> Void)?) in
            guard let continuation = state.waiting.removeValue(forKey: id) else {
                state.expiredEarly.insert(id)   // cancelled before it registered
                return (nil, nil)
            }
            return (continuation, state.onResolution.removeValue(forKey: id))
        }
        continuation?.resume(returning: nil)
        action?()
    }

    private func resumeAll(with session: TLSSession?) {
        let (continuations, actions) = state.withLockedValue { state in
            defer { state.waiting = [:]; state.onResolution = [:] }
            return (Array(state.waiting.values), Array(state.onResolution.values))
        }
        for continuation in continuations { continuation.resume(returning: session) }
        for action in actions { action() }
    }
}
