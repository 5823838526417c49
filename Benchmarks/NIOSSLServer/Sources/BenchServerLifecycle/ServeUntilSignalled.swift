// What the benchmark servers of this package share: bind, say where, serve until told to stop.
import Foundation
import NIOCore
import NIOPosix

/// A server bootstrap on `group` with the socket options both servers use, as NIOResumableTLS's
/// `TLSServer` sets them (backlog 256, SO_REUSEADDR, TCP_NODELAY); NIO's default receive
/// buffers (`TLSServer` starts its at 1 KiB).
public func benchServerBootstrap(group: MultiThreadedEventLoopGroup) -> ServerBootstrap {
    ServerBootstrap(group: group)
        .serverChannelOption(.backlog, value: 256)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
}

/// Binds `bootstrap` on 127.0.0.1:`port` (0: the OS chooses), prints `ACCEPT 127.0.0.1:PORT` on
/// stdout as `rtls server` does (scripts/lib/servers.sh reads it back), and serves until SIGTERM
/// or SIGINT closes the listening channel; then shuts `group` down and exits.
public func serveUntilSignalled(_ bootstrap: ServerBootstrap, port: Int, group: MultiThreadedEventLoopGroup, name: String) throws -> Never {
    let channel = try bootstrap.bind(host: "127.0.0.1", port: port).wait()
    guard let bound = channel.localAddress?.port else {
        FileHandle.standardError.write(Data("\(name): no local port\n".utf8))
        exit(1)
    }
    FileHandle.standardOutput.write(Data("ACCEPT 127.0.0.1:\(bound)\n".utf8))

    signal(SIGTERM, SIG_IGN)
    signal(SIGINT, SIG_IGN)
    var sources: [DispatchSourceSignal] = []
    for sig in [SIGTERM, SIGINT] {
        let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
        source.setEventHandler { channel.close(promise: nil) }
        source.resume()
        sources.append(source)
    }
    try channel.closeFuture.wait()
    sources.forEach { $0.cancel() }
    try group.syncShutdownGracefully()
    exit(0)
}
