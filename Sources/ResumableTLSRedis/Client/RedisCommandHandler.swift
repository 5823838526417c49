import NIOCore

/// A command on its way to Redis, with the promise its reply completes.
struct RedisCommand: Sendable {
    let arguments: [[UInt8]]
    let reply: EventLoopPromise<RESPValue>
}

/// Pipelining on one connection: commands are written as they come, and replies, which Redis
/// sends in the same order, complete the waiting promises first in, first out. A reply nobody
/// waits for, bytes that are not RESP, an error or the end of the connection fail everything
/// still waiting and close the channel.
final class RedisCommandHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = RedisCommand
    typealias OutboundOut = ByteBuffer

    private var parser = RESPParser()
    private var received: ByteBuffer?
    private var waiting = CircularBuffer<EventLoopPromise<RESPValue>>()

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let command = unwrapOutboundIn(data)
        var bytes = context.channel.allocator.buffer(capacity: 64)
        RESPCommandEncoder.encode(command.arguments, into: &bytes)
        waiting.append(command.reply)
        context.write(wrapOutboundOut(bytes), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        var bytes: ByteBuffer
        if var earlier = received {
            earlier.writeBuffer(&incoming)
            bytes = earlier
        } else {
            bytes = incoming
        }
        do {
            while let value = try parser.next(&bytes) {
                guard let reply = waiting.popFirst() else {
                    throw RedisError.unexpectedReply("a reply no command waits for")
                }
                reply.succeed(value)
            }
        } catch let error as RedisError {
            fail(error, context: context)
            return
        } catch {
            fail(.malformedReply("\(error)"), context: context)
            return
        }
        bytes.discardReadBytes()
        received = bytes.readableBytes > 0 ? bytes : nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        failWaiting(.connectionClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(.connectionClosed, context: context)
    }

    private func fail(_ error: RedisError, context: ChannelHandlerContext) {
        failWaiting(error)
        received = nil
        context.close(promise: nil)
    }

    private func failWaiting(_ error: RedisError) {
        while let reply = waiting.popFirst() { reply.fail(error) }
    }
}

@available(*, unavailable)
extension RedisCommandHandler: Sendable {}
