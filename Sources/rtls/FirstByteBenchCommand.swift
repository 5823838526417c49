import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import NIOResumableTLS
import ResumableTLS
import RTLSBenchmarks

/// `rtls bench-first-byte`: time to the first response byte on loopback, for a full
/// handshake, a resumed one, and a resumed one whose request goes as 0-RTT early data (S29).
struct FirstByteBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-first-byte",
        abstract: "Time to the first response byte on loopback: full vs resumed vs 0-RTT.",
        discussion: """
            An in-process TLSServer on 127.0.0.1 (one event loop, early data on) answers each
            request with one line; a TLSClient (another event loop) connects, sends a 40-byte
            request and waits for the first byte of the answer, one connection at a time.
            full: no session offered. resumed: the newest ticket offered, the request sent after
            the handshake. 0-rtt: the same, the request sent as early data with the ClientHello.
            Times run from the TCP connect to the first response byte. Build with -c release.
            """
    )

    @Option(help: "Seconds per mode.")
    var seconds: Double = 2

    @Flag(help: "Print the results as JSON.")
    var json = false

    func validate() throws {
        guard seconds > 0, seconds <= 600 else { throw ValidationError("--seconds must be in (0, 600]") }
    }

    /// One mode's figures.
    struct Figure: Codable {
        var mode: String
        var connections: Int
        var p50Microseconds: Double
        var p99Microseconds: Double
        var meanMicroseconds: Double
        /// Connections that resumed / whose early data was accepted, of `connections`.
        var resumed: Int
        var earlyDataAccepted: Int
    }

    func run() async throws {
        let identity = try SelfSignedIdentity()
        var serverConfiguration = TLSConfiguration.server(chain: identity.chain, key: identity.privateKey)
        serverConfiguration.earlyData = EarlyDataConfiguration()
        serverConfiguration.ticketCountAfterResumption = 1
        let serverContext = try TLSContext(serverConfiguration)
        var clientConfiguration = TLSConfiguration.client(serverName: "localhost")
        clientConfiguration.certificateVerification = .fullVerification(trustRoots: try .certificates([identity.certificateDER]))
        let clientContext = try TLSContext(clientConfiguration)
        let serverGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let clientGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let request = Array("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n\r\n\r\n".utf8.prefix(40))
        let reply = Array("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".utf8)
        var figures: [Figure] = []
        do {
            let server = try await TLSServer.bind(host: "127.0.0.1", port: 0, context: serverContext, group: serverGroup) { connection in
                var received = 0
                do {
                    for try await chunk in connection.inbound {
                        received += chunk.readableBytes
                        if received >= request.count { break }
                    }
                    try await connection.write(reply)
                } catch {}
            }
            for mode in ["full", "resumed", "0-rtt"] {
                if !json { FileHandle.standardError.write(Data("rtls bench-first-byte: \(mode)…\n".utf8)) }
                figures.append(try await measure(mode, port: server.port, context: clientContext, group: clientGroup, request: request))
            }
            await server.close()
        } catch {
            try? await clientGroup.shutdownGracefully()
            try? await serverGroup.shutdownGracefully()
            throw error
        }
        try await clientGroup.shutdownGracefully()
        try await serverGroup.shutdownGracefully()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            Console.line(String(decoding: try encoder.encode(figures), as: UTF8.self))
        } else {
            Console.line("mode      connections   p50 µs   p99 µs  mean µs  resumed  0-RTT accepted")
            for figure in figures {
                Console.line(figure.mode.padding(toLength: 8, withPad: " ", startingAt: 0)
                    + String(format: "  %11d  %7.0f  %7.0f  %7.0f  %7d  %14d", figure.connections, figure.p50Microseconds,
                             figure.p99Microseconds, figure.meanMicroseconds, figure.resumed, figure.earlyDataAccepted))
            }
        }
    }

    /// Connections in `mode` for `seconds` (at least 10), each timed to its first response byte.
    private func measure(_ mode: String, port: Int, context: TLSContext, group: any EventLoopGroup, request: [UInt8]) async throws -> Figure {
        var session: TLSSession?
        if mode != "full" {
            let first = try await TLSClient.connect(host: "127.0.0.1", port: port, context: context, group: group)
            try await first.write(request)
            session = try await first.newSession(timeout: .seconds(5))
            _ = try? await first.readToEnd(maximumBytes: 4096)
            await first.close()
        }
        var times: [Duration] = []
        var resumed = 0
        var accepted = 0
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while times.count < 10 || (ContinuousClock.now < deadline && times.count < 100_000) {
            let start = ContinuousClock.now
            let connection = try await TLSClient.connect(host: "127.0.0.1", port: port, context: context, offering: session, group: group,
                                                         earlyData: mode == "0-rtt" ? request : nil)
            if connection.negotiated.earlyData != .accepted { try await connection.write(request) }
            var iterator = connection.inbound.makeAsyncIterator()
            guard (try await iterator.next()) != nil else { throw CLIError("the server sent no answer") }
            times.append(ContinuousClock.now - start)
            if connection.sessionReused { resumed += 1 }
            if connection.negotiated.earlyData == .accepted { accepted += 1 }
            if mode != "full", let next = try await connection.newSession(timeout: .seconds(1)), next.isResumable { session = next }
            await connection.close()
        }
        let samples = times.map { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 }
        let summary = LatencySummary(seconds: samples)
        return Figure(mode: mode, connections: summary.count, p50Microseconds: summary.p50Microseconds, p99Microseconds: summary.p99Microseconds,
                      meanMicroseconds: samples.reduce(0, +) / Double(max(1, samples.count)) * 1e6, resumed: resumed, earlyDataAccepted: accepted)
    }
}
