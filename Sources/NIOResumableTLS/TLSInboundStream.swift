import NIOConcurrencyHelpers
import NIOCore

/// The decrypted data of a `TLSAsyncConnection`, chunk by chunk, with backpressure (security
/// review L13): once more than `highWatermark` bytes wait unread, the channel stops reading
/// from the socket (the peer's TCP window closes), and it reads again when the consumer has
/// brought them below `lowWatermark`. A single-consumer sequence: iterate it from one task.
///
/// It ends when the peer's close_notify arrives or the channel closes; it throws the error
/// that closed it (a `TLSError`, or `NIOTLSError.uncleanShutdown`).
public struct TLSInboundStream: AsyncSequence, Sendable {
    /// One chunk of decrypted data.
    public typealias Element = ByteBuffer

    /// Unread bytes above which reading stops.
    public static let highWatermark = 256 * 1024
    /// Unread bytes below which reading resumes.
    public static let lowWatermark = 64 * 1024

    let base: AsyncThrowingStream<ByteBuffer, any Error>
    let flow: InboundFlowControl

    /// An iterator that reports each chunk it hands out, so reading can resume.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<ByteBuffer, any Error>.AsyncIterator
        let flow: InboundFlowControl

        /// The next chunk, or nil at the end.
        public mutating func next() async throws -> ByteBuffer? {
            let chunk = try await base.next()
            if let chunk { flow.consumed(chunk.readableBytes) }
            return chunk
        }
    }

    /// An iterator over the chunks.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), flow: flow)
    }
}

/// Counts the bytes between the bridge handler (producer, on the event loop) and the
/// consumer (any task), and decides when reading stops and resumes.
final class InboundFlowControl: Sendable {
    private struct State {
        var unread = 0
        var paused = false
    }

    private let state = NIOLockedValueBox(State())
    private let resume: @Sendable () -> Void

    /// `resume` asks the channel for a read again (it hops to the event loop itself).
    init(resume: @escaping @Sendable () -> Void) {
        self.resume = resume
    }

    /// The bytes handed to the stream and not yet taken.
    var unreadBytes: Int { state.withLockedValue { $0.unread } }
    /// Whether reading is stopped.
    var isPaused: Bool { state.withLockedValue { $0.paused } }

    /// The bridge handed `count` bytes to the stream; true if reading must stop.
    func produced(_ count: Int) -> Bool {
        state.withLockedValue { state in
            state.unread += count
            if state.unread > TLSInboundStream.highWatermark { state.paused = true }
            return state.paused
        }
    }

    /// The consumer took `count` bytes.
    func consumed(_ count: Int) {
        let resumeNow = state.withLockedValue { state -> Bool in
            state.unread -= count
            guard state.paused, state.unread <= TLSInboundStream.lowWatermark else { return false }
            state.paused = false
            return true
        }
        if resumeNow { resume() }
    }
}
