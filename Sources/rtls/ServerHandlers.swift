import Logging
import NIOCore
import NIOHTTP1
import NIOResumableTLS
import ResumableTLS

/// What `rtls server` logs about each connection: its handshake as full or resumed and, when
/// a client's session was declined, why (`ResumptionDecision`, S30); and connection errors. The
/// last handler of the pipeline logs through it, so it costs no handler of its own.
struct ConnectionLog {
    let logger: Logger

    /// Logs a completed handshake (at `info`; the metadata is built only then).
    func log(event: Any, context: ChannelHandlerContext) {
        guard logger.logLevel <= .info, case .handshakeCompleted(let negotiated)? = event as? TLSUserEvent else { return }
        var metadata: Logger.Metadata = [
            "peer": "\(Self.peer(context))", "version": "\(negotiated.version)", "cipher": "\(negotiated.cipherSuite)",
            "group": "\(negotiated.group.map { "\($0)" } ?? "none")",
            "alpn": "\(negotiated.applicationProtocol ?? "none")",
            "sni": "\(negotiated.serverName ?? "none")",
        ]
        metadata.merge(negotiated.resumption.logMetadata) { $1 }
        // Which mechanism resumed: psk (TLS 1.3), session_id or ticket (TLS 1.2).
        if let mechanism = negotiated.resumptionMechanism { metadata["mechanism"] = "\(mechanism.rawValue)" }
        logger.info("handshake \(negotiated.isResumed ? "resumed" : "full")", metadata: metadata)
    }

    /// Logs an error that ends the connection.
    func log(error: any Error, context: ChannelHandlerContext) {
        logger.warning("connection error", metadata: ["peer": "\(Self.peer(context))", "error": "\(error)"])
    }

    /// The client's address, formatted only for a line that is written.
    private static func peer(_ context: ChannelHandlerContext) -> String {
        context.channel.remoteAddress?.description ?? "?"
    }
}

/// Echoes back what the client sends (`rtls server` without `--www`).
final class EchoHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let log: ConnectionLog?

    init(log: ConnectionLog? = nil) {
        self.log = log
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.write(data, promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        log?.log(event: event, context: context)
        context.fireUserInboundEventTriggered(event)
    }

    /// A TLS or transport error: logged, and the connection closed.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        log?.log(error: error, context: context)
        context.close(promise: nil)
    }
}

/// Puts NIO's HTTP/1 server handlers into the pipeline, right after itself, when the first
/// bytes of a request arrive, and then leaves: an established connection that has not sent a
/// request yet holds no HTTP parser or pipelining state (~2.3 KB per connection in
/// `idle-memory.sh`; BENCHMARKS.md "Memory per idle connection"), as nginx allocates a request's
/// buffers only once it has bytes to read.
final class DeferredHTTPServerPipeline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        do {
            try context.pipeline.syncOperations.configureHTTPServerPipeline(position: .after(self))
        } catch {
            context.fireErrorCaught(error)
            return
        }
        context.fireChannelRead(data)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}

/// Answers every HTTP GET with a short text page, like `openssl s_server -www`: it says whether
/// the handshake was `New` or `Reused`, the protocol and the cipher.
final class StatusPageHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let log: ConnectionLog?
    private var requestHead: HTTPRequestHead?
    /// Early data (0-RTT) is being read: the request that ends next arrived as early data.
    private var readingEarlyData = false
    private var requestArrivedEarly = false
    /// A request that arrived as early data waits for the handshake before it is answered.
    private var waitingForHandshake: HTTPRequestHead?
    private var handshakeCompleted = false

    init(log: ConnectionLog? = nil) {
        self.log = log
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            requestHead = head
            requestArrivedEarly = readingEarlyData
        case .body:
            break
        case .end:
            guard let head = requestHead else { return }
            requestHead = nil
            if handshakeCompleted {
                respond(to: head, context: context)
            } else {
                waitingForHandshake = head
            }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        log?.log(event: event, context: context)
        switch event as? TLSUserEvent {
        case .earlyDataReceived?:
            readingEarlyData = true
        case .handshakeCompleted?:
            readingEarlyData = false
            handshakeCompleted = true
            if let head = waitingForHandshake {
                waitingForHandshake = nil
                respond(to: head, context: context)
            }
        default:
            break
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// A TLS or transport error, or a malformed request (NIO's `HTTPServerProtocolErrorHandler`,
    /// in front, has then queued its `400 Bad Request`): logged, and the connection closed,
    /// which sends what was queued with close_notify (security review L15: the connection
    /// stayed open and later bytes got a second 400).
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        log?.log(error: error, context: context)
        context.close(promise: nil)
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let status: HTTPResponseStatus
        let body: String
        if head.method == .GET || head.method == .HEAD {
            status = .ok
            body = page(context: context)
        } else {
            status = .methodNotAllowed
            body = "only GET is supported\n"
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        headers.add(name: "Content-Length", value: "\(body.utf8.count)")
        let keepAlive = head.isKeepAlive
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        let responseHead = HTTPResponseHead(version: head.version, status: status, headers: headers)
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        }
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            // Closing seals the reply and close_notify together: one write to the socket.
            context.write(wrapOutboundOut(.end(nil)), promise: nil)
            context.close(promise: nil)
        }
    }

    /// What the page says about 0-RTT (S29): whether this request itself arrived as early data.
    private func earlyDataLine(_ negotiated: NegotiatedParameters) -> String {
        switch negotiated.earlyData {
        case .accepted where requestArrivedEarly: return "accepted; this request arrived as early data (0-RTT)"
        case .accepted: return "accepted; this request arrived after the handshake"
        case .rejected: return "rejected; this request arrived after the handshake (1-RTT)"
        case .notOffered: return "none"
        }
    }

    private func page(context: ChannelHandlerContext) -> String {
        guard let tls = try? context.pipeline.syncOperations.handler(type: TLSChannelHandler.self),
              let negotiated = tls.negotiated
        else { return "no TLS connection\n" }
        return """
            rtls server -www
            ---
            \(SessionSummary.line(negotiated))
            \(SessionSummary.alpnLine(negotiated))
            Key exchange group: \(negotiated.group.map { "\($0)" } ?? "none (psk_ke)")
            SNI: \(negotiated.serverName ?? "none")
            Early data: \(earlyDataLine(negotiated))

            """
    }
}
