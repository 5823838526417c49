import NIOCore
import NIOHTTP1

/// Answers the HTTP requests of a `--metrics` connection: `GET` or `HEAD /metrics` with the
/// Prometheus text exposition format, `405` for another method there, `404` for any other path.
///
/// Request bodies are not wanted: their bytes are dropped as they come, and a request whose body
/// runs past `maximumBodyBytes` is answered `413` and its connection closed, so a client cannot
/// make the server hold more than one read. (The head is bounded by the decoder's limits, see
/// `MetricsEndpoint`.)
final class MetricsRequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// The one path served.
    static let metricsPath = "/metrics"
    /// The Prometheus text format, version 0.0.4, as Prometheus's own clients label it.
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"
    /// The most body bytes a request may carry (a scrape has none).
    static let maximumBodyBytes = 4_096

    private let scrape: @Sendable () -> [UInt8]
    private var requestHead: HTTPRequestHead?
    private var bodyBytes = 0
    /// Set once a response closes the connection: later parts of the request are ignored.
    private var closing = false

    /// A handler that answers `/metrics` with what `scrape` returns at the time of the request.
    init(scrape: @escaping @Sendable () -> [UInt8]) {
        self.scrape = scrape
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            requestHead = head
            bodyBytes = 0
        case .body(let chunk):
            bodyBytes += chunk.readableBytes
            if bodyBytes > Self.maximumBodyBytes, let head = requestHead {
                closing = true
                respond(to: head, status: .payloadTooLarge, body: "request body too large\n", closeAfterwards: true, context: context)
            }
        case .end:
            guard let head = requestHead else { return }
            requestHead = nil
            route(head, context: context)
        }
    }

    /// A malformed or oversized request head: NIO's `HTTPServerProtocolErrorHandler` (in front)
    /// has queued its `400 Bad Request`; closing sends it.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// A connection idle past `MetricsEndpoint`'s read timeout is closed.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    private func route(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        // The query string, if any, does not choose anything here.
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? head.uri
        guard path == Self.metricsPath else {
            respond(to: head, status: .notFound, body: "not found: only \(Self.metricsPath) is served\n", context: context)
            return
        }
        guard head.method == .GET || head.method == .HEAD else {
            respond(to: head, status: .methodNotAllowed, body: "only GET and HEAD are supported\n",
                    extraHeaders: [("Allow", "GET, HEAD")], context: context)
            return
        }
        var buffer = context.channel.allocator.buffer(bytes: scrape())
        respond(to: head, status: .ok, contentType: Self.contentType, body: &buffer, context: context)
    }

    private func respond(
        to head: HTTPRequestHead, status: HTTPResponseStatus, body: String,
        extraHeaders: [(String, String)] = [], closeAfterwards: Bool = false, context: ChannelHandlerContext
    ) {
        var buffer = context.channel.allocator.buffer(string: body)
        respond(to: head, status: status, contentType: "text/plain; charset=utf-8", body: &buffer,
                extraHeaders: extraHeaders, closeAfterwards: closeAfterwards, context: context)
    }

    private func respond(
        to head: HTTPRequestHead, status: HTTPResponseStatus, contentType: String, body: inout ByteBuffer,
        extraHeaders: [(String, String)] = [], closeAfterwards: Bool = false, context: ChannelHandlerContext
    ) {
        let keepAlive = head.isKeepAlive && !closeAfterwards
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: "\(body.readableBytes)")
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        for (name, value) in extraHeaders { headers.add(name: name, value: value) }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        guard !keepAlive else {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            return
        }
        // Closed once written: a close now could drop a response the socket has not taken yet.
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        written.futureResult.whenComplete { [channel = context.channel] _ in channel.close(promise: nil) }
    }
}
