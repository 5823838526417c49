import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A failed socket call: the operation and `errno`'s message.
struct LoopbackSocketError: Error, CustomStringConvertible {
    var operation: String
    var code: Int32
    var description: String { "\(operation): \(String(cString: strerror(code))) (errno \(code))" }
}

/// A TCP listener on 127.0.0.1 with a port chosen by the OS. Blocking, with timeouts;
/// for pumping the library's connection against a real peer.
///
///     let listener = try LoopbackListener()
///     // start a client peer against listener.port ...
///     let connection = try listener.accept(timeout: .seconds(5))
final class LoopbackListener {
    private var descriptor: Int32
    /// The port the OS chose.
    let port: UInt16

    /// Listens on 127.0.0.1, port chosen by the OS.
    init(backlog: Int32 = 8) throws {
        let socket = try LoopbackSocket.makeTCPSocket()
        var address = LoopbackSocket.address(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(socket, backlog) == 0 else {
            let error = LoopbackSocketError(operation: "bind/listen 127.0.0.1:0", code: errno)
            Glibc.close(socket)
            throw error
        }
        do {
            port = try LoopbackSocket.localPort(of: socket)
        } catch {
            Glibc.close(socket)
            throw error
        }
        descriptor = socket
    }

    deinit { close() }

    /// Accepts one connection, waiting at most `timeout`.
    func accept(timeout: Duration = .seconds(10)) throws -> LoopbackConnection {
        try LoopbackSocket.poll(descriptor, events: Int16(POLLIN), timeout: timeout, operation: "accept")
        let client = Glibc.accept(descriptor, nil, nil)
        guard client >= 0 else { throw LoopbackSocketError(operation: "accept", code: errno) }
        return LoopbackConnection(descriptor: client)
    }

    /// Stops listening. Safe to call twice.
    func close() {
        if descriptor >= 0 { Glibc.close(descriptor); descriptor = -1 }
    }
}

/// A connected TCP socket on loopback. Blocking calls with timeouts; closed in `deinit`.
final class LoopbackConnection {
    private var descriptor: Int32

    init(descriptor: Int32) { self.descriptor = descriptor }

    deinit { close() }

    /// Connects to 127.0.0.1:`port`, waiting at most `timeout`.
    static func connect(port: UInt16, timeout: Duration = .seconds(10)) throws -> LoopbackConnection {
        let descriptor = try LoopbackSocket.makeTCPSocket()
        let connection = LoopbackConnection(descriptor: descriptor)
        let flags = fcntl(descriptor, F_GETFL)
        _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK)
        var address = LoopbackSocket.address(port: port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if result != 0 {
            guard errno == EINPROGRESS else { throw LoopbackSocketError(operation: "connect 127.0.0.1:\(port)", code: errno) }
            try LoopbackSocket.poll(descriptor, events: Int16(POLLOUT), timeout: timeout, operation: "connect 127.0.0.1:\(port)")
            var socketError: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &socketError, &length)
            guard socketError == 0 else { throw LoopbackSocketError(operation: "connect 127.0.0.1:\(port)", code: socketError) }
        }
        _ = fcntl(descriptor, F_SETFL, flags)
        return connection
    }

    /// Sends all of `bytes` (each write waits at most `timeout`).
    func sendAll(_ bytes: [UInt8], timeout: Duration = .seconds(10)) throws {
        var offset = 0
        while offset < bytes.count {
            try LoopbackSocket.poll(descriptor, events: Int16(POLLOUT), timeout: timeout, operation: "send")
            let sent = bytes[offset...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw LoopbackSocketError(operation: "send", code: errno)
            }
            offset += sent
        }
    }

    /// Receives what is available (at most `maxBytes`), waiting at most `timeout` for anything
    /// to arrive. Returns an empty array when the peer has closed its side. Throws on timeout.
    func receive(maxBytes: Int = 65536, timeout: Duration = .seconds(10)) throws -> [UInt8] {
        try LoopbackSocket.poll(descriptor, events: Int16(POLLIN), timeout: timeout, operation: "receive")
        var buffer = [UInt8](repeating: 0, count: maxBytes)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR { continue }
                throw LoopbackSocketError(operation: "receive", code: errno)
            }
            return Array(buffer[..<count])
        }
    }

    /// Receives exactly `count` bytes, waiting at most `timeout` in total. Throws if the peer
    /// closes first or on timeout.
    func receive(exactly count: Int, timeout: Duration = .seconds(10)) throws -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        var result: [UInt8] = []
        while result.count < count {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { throw LoopbackSocketError(operation: "receive \(count) bytes (got \(result.count))", code: ETIMEDOUT) }
            let chunk = try receive(maxBytes: count - result.count, timeout: remaining)
            guard !chunk.isEmpty else {
                throw LoopbackSocketError(operation: "receive \(count) bytes (peer closed after \(result.count))", code: ECONNRESET)
            }
            result += chunk
        }
        return result
    }

    /// Closes the sending direction (the peer reads end of file); receiving still works.
    func shutdownWrite() {
        if descriptor >= 0 { _ = shutdown(descriptor, Int32(SHUT_WR)) }
    }

    /// Closes the socket. Safe to call twice.
    func close() {
        if descriptor >= 0 { Glibc.close(descriptor); descriptor = -1 }
    }
}

/// Socket plumbing shared by `LoopbackListener` and `LoopbackConnection`.
enum LoopbackSocket {
    static func makeTCPSocket() throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw LoopbackSocketError(operation: "socket", code: errno) }
        return descriptor
    }

    static func address(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian   // 127.0.0.1
        return address
    }

    static func localPort(of descriptor: Int32) throws -> UInt16 {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard result == 0 else { throw LoopbackSocketError(operation: "getsockname", code: errno) }
        return UInt16(bigEndian: address.sin_port)
    }

    /// Waits until `descriptor` is ready for `events`; throws ETIMEDOUT after `timeout`.
    static func poll(_ descriptor: Int32, events: Int16, timeout: Duration, operation: String) throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            let remaining = deadline - ContinuousClock.now
            let milliseconds = max(0, Int32(min(remaining.seconds * 1000, 3_600_000).rounded(.up)))
            var entry = pollfd(fd: descriptor, events: events, revents: 0)
            let ready = Glibc.poll(&entry, 1, milliseconds)
            if ready > 0 { return }
            if ready < 0 && errno != EINTR { throw LoopbackSocketError(operation: operation, code: errno) }
            if ready == 0 && ContinuousClock.now >= deadline {
                throw LoopbackSocketError(operation: "\(operation) timed out after \(timeout)", code: ETIMEDOUT)
            }
        }
    }

    /// A port that was free a moment ago (bind 127.0.0.1:0, read the port, close). Racy: only
    /// for peers that cannot report the port they bound themselves.
    static func probablyFreePort() throws -> UInt16 {
        let listener = try LoopbackListener()
        defer { listener.close() }
        return listener.port
    }
}
