import NIOCore
import NIOPosix
import NIOResumableTLS
import ResumableTLS

/// One connection to Redis, authenticated and on its database, on which commands are
/// pipelined (`RedisCommandHandler`).
final class RedisConnection: Sendable {
    let channel: any Channel
    private let commandTimeout: TimeAmount

    private init(channel: any Channel, commandTimeout: TimeAmount) {
        self.channel = channel
        self.commandTimeout = commandTimeout
    }

    /// Whether the connection can still carry commands.
    var isActive: Bool { channel.isActive }

    /// Connects (with TLS if configured), then `AUTH` and `SELECT` as configured, all within
    /// `connectTimeout`.
    static func connect(_ configuration: RedisConfiguration, on eventLoop: any EventLoop) async throws -> RedisConnection {
        let channel: any Channel
        let tls = configuration.tls
        let handshake = tls.map { _ in eventLoop.makePromise(of: NegotiatedParameters.self) }
        let serverName = tls?.configuration.serverName == nil ? configuration.host : nil
        do {
            channel = try await ClientBootstrap(group: eventLoop)
                .connectTimeout(configuration.connectTimeout)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls, let handshake {
                            try channel.pipeline.syncOperations.addHandler(
                                TLSChannelHandler(context: tls, serverName: serverName, handshakePromise: handshake))
                        }
                        try channel.pipeline.syncOperations.addHandler(RedisCommandHandler())
                    }
                }
                .connect(host: configuration.host, port: configuration.port).get()
        } catch {
            handshake?.fail(RedisError.connectFailed("no connection"))
            throw RedisError.connectFailed("\(configuration.host):\(configuration.port): \(error)")
        }
        if let handshake {
            // The TLS handshake shares the connect time limit.
            let deadline = eventLoop.scheduleTask(in: configuration.connectTimeout) { channel.close(promise: nil) }
            defer { deadline.cancel() }
            do {
                _ = try await handshake.futureResult.get()
            } catch {
                channel.close(promise: nil)
                throw RedisError.connectFailed("TLS to \(configuration.host):\(configuration.port): \(error)")
            }
        }
        // The set-up commands share the connect time limit.
        let connection = RedisConnection(channel: channel, commandTimeout: configuration.connectTimeout)
        do {
            if let password = configuration.password {
                let arguments = [Array("AUTH".utf8)] + (configuration.username.map { [Array($0.utf8)] } ?? []) + [Array(password.utf8)]
                try Self.expectOK(try await connection.send(arguments), "AUTH")
            }
            if configuration.database != 0 {
                try Self.expectOK(try await connection.send([Array("SELECT".utf8), Array(String(configuration.database).utf8)]), "SELECT")
            }
        } catch {
            connection.close()
            throw error
        }
        return RedisConnection(channel: channel, commandTimeout: configuration.commandTimeout)
    }

    private static func expectOK(_ reply: RESPValue, _ command: String) throws {
        guard case .simpleString("OK") = reply else {
            throw RedisError.unexpectedReply("\(command) answered \(reply)")
        }
    }

    /// Sends one command and waits for its reply, at most `commandTimeout`; an error reply
    /// throws `serverError`. A timeout closes the connection (later replies would be out of step).
    func send(_ arguments: [[UInt8]]) async throws -> RESPValue {
        let reply = channel.eventLoop.makePromise(of: RESPValue.self)
        let channel = self.channel
        let deadline = channel.eventLoop.scheduleTask(in: commandTimeout) {
            reply.fail(RedisError.commandTimedOut)
            channel.close(promise: nil)
        }
        channel.writeAndFlush(RedisCommand(arguments: arguments, reply: reply), promise: nil)
        defer { deadline.cancel() }
        let value = try await reply.futureResult.get()
        if case .error(let message) = value { throw RedisError.serverError(message) }
        return value
    }

    /// Sends `commands` back to back, with nothing else between them on this connection, and
    /// waits for all their replies, at most `commandTimeout` in all. Error replies are returned,
    /// not thrown. A timeout closes the connection.
    func send(pipelined commands: [[[UInt8]]]) async throws -> [RESPValue] {
        let channel = self.channel
        let eventLoop = channel.eventLoop
        let replies = commands.map { _ in eventLoop.makePromise(of: RESPValue.self) }
        let deadline = eventLoop.scheduleTask(in: commandTimeout) {
            for reply in replies { reply.fail(RedisError.commandTimedOut) }
            channel.close(promise: nil)
        }
        defer { deadline.cancel() }
        // One event-loop task writes them all: no other sender's command can come in between.
        eventLoop.execute {
            for (arguments, reply) in zip(commands, replies) {
                channel.write(RedisCommand(arguments: arguments, reply: reply), promise: nil)
            }
            channel.flush()
        }
        var values: [RESPValue] = []
        do {
            for reply in replies { values.append(try await reply.futureResult.get()) }
        } catch {
            for reply in replies { reply.fail(error) }   // those not completed yet: none is left pending
            throw error
        }
        return values
    }

    /// Closes the connection; commands still waiting fail with `connectionClosed`.
    func close() {
        channel.close(promise: nil)
    }
}
