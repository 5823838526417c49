// nio-ssl-server: a small HTTPS server on swift-nio-ssl (BoringSSL) + NIOHTTP1 with one event
// loop, the swift-nio-ssl peer of `scripts/compare-servers.sh` (issue 17).
//
//   nio-ssl-server [--port PORT] --cert CERT.pem --key KEY.pem
//
// Binds 127.0.0.1 (port 0: the OS chooses) and prints `ACCEPT 127.0.0.1:PORT` on stdout, as
// `rtls server` does. Answers any request with a small 200 page; `Connection: close` when the
// request asks for it (or is HTTP/1.0 without keep-alive), as a real server. TLS 1.2 and 1.3.
// Sessions: swift-nio-ssl exposes no server session cache or ticket-key API, so this runs with
// BoringSSL's defaults, which issue TLS 1.3 tickets (and TLS 1.2 tickets) with a key BoringSSL
// makes per SSL_CTX, so resumption works for the life of the process.
// Exits on SIGTERM or SIGINT.
import BenchServerLifecycle
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

func usage() -> Never {
    FileHandle.standardError.write(Data("usage: nio-ssl-server [--port PORT] --cert CERT.pem --key KEY.pem\n".utf8))
    exit(2)
}

var port = 0
var certPath: String?
var keyPath: String?
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--port": guard let value = arguments.popFirst(), let p = Int(value) else { usage() }; port = p
    case "--cert": guard let value = arguments.popFirst() else { usage() }; certPath = value
    case "--key": guard let value = arguments.popFirst() else { usage() }; keyPath = value
    default: usage()
    }
}
guard let certPath, let keyPath else { usage() }

final class HTTPHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    static let body = "<html><body><p>nio-ssl-server: ok</p></body></html>\n"

    // Stateless: the response (and whether to keep the connection open) follows from the
    // request head alone; a request body, if any, is ignored.
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request):
            let keepAlive = request.isKeepAlive
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "text/html")
            headers.add(name: "Content-Length", value: String(Self.body.utf8.count))
            headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
            let head = HTTPResponseHead(version: request.version, status: .ok, headers: headers)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            var buffer = context.channel.allocator.buffer(capacity: Self.body.utf8.count)
            buffer.writeString(Self.body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            let done = context.writeAndFlushPromise(wrapOutboundOut(.end(nil)))
            if !keepAlive {
                let channel = context.channel
                done.whenComplete { _ in channel.close(promise: nil) }
            }
        case .body, .end:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}

extension ChannelHandlerContext {
    func writeAndFlushPromise(_ data: NIOAny) -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        writeAndFlush(data, promise: promise)
        return promise.futureResult
    }
}

let certificates = try NIOSSLCertificate.fromPEMFile(certPath)
let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
var tls = TLSConfiguration.makeServerConfiguration(
    certificateChain: certificates.map { .certificate($0) },
    privateKey: .privateKey(key)
)
tls.minimumTLSVersion = .tlsv12
tls.maximumTLSVersion = .tlsv13
let sslContext = try NIOSSLContext(configuration: tls)

let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let bootstrap = benchServerBootstrap(group: group)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
            try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
            try channel.pipeline.syncOperations.addHandler(HTTPHandler())
        }
    }

try serveUntilSignalled(bootstrap, port: port, group: group, name: "nio-ssl-server")
