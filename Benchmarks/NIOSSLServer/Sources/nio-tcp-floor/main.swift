// nio-tcp-floor: what SwiftNIO alone costs per loopback connection, with no TLS and no HTTP:
// the floor under `rtls server` and the swift-nio-ssl server in `scripts/compare-servers.sh`
// (BENCHMARKS.md, "The floors under the loopback targets"). One event loop, the socket options
// of NIOResumableTLS's `TLSServer` (`benchServerBootstrap`: backlog 256, TCP_NODELAY; NIO's
// default receive buffers) and one handler that answers the byte pattern of
// `Benchmarks/TCPFloor/tcp-floor.c` (a resumed TLS 1.2 connection): after CH bytes it writes
// FLIGHT bytes, after REQUEST more it writes REPLY bytes and closes. Driven by `tcp-floor client`.
//
//   nio-tcp-floor [--port PORT]     prints `ACCEPT 127.0.0.1:PORT`; exits on SIGTERM or SIGINT
import BenchServerLifecycle
import Foundation
import NIOCore
import NIOPosix

// The sizes tcp-floor.c uses (keep them equal).
let clientHelloBytes = 517
let flightBytes = 155
let requestBytes = 110
let replyBytes = 420

final class FloorHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var received = 0
    private var answeredHello = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received += unwrapInboundIn(data).readableBytes
        if !answeredHello, received >= clientHelloBytes {
            answeredHello = true
            received -= clientHelloBytes
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(repeating: 0, count: flightBytes)), promise: nil)
        }
        if answeredHello, received >= requestBytes {
            received = -1 << 30  // answered: ignore anything after
            context.write(wrapOutboundOut(context.channel.allocator.buffer(repeating: 0, count: replyBytes)), promise: nil)
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}

var port = 0
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    guard argument == "--port", let value = arguments.popFirst(), let p = Int(value) else {
        FileHandle.standardError.write(Data("usage: nio-tcp-floor [--port PORT]\n".utf8))
        exit(2)
    }
    port = p
}

let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let bootstrap = benchServerBootstrap(group: group)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(FloorHandler())
        }
    }
try serveUntilSignalled(bootstrap, port: port, group: group, name: "nio-tcp-floor")
