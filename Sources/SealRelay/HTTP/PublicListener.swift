import HummingbirdCore
import Logging
import NIOCore
import NIOSSL

/// How a public connection is set up: TLS with our hardened context (or none, for the
/// loopback onion listener), then a deadline for the first request head, then HTTP/1.1.
public enum PublicListener {
    public static func builder(tls: NIOSSLContext?, headDeadline: TimeAmount,
                               configuration: HTTP1Channel.Configuration) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            PublicChannel(base: HTTP1Channel(responder: responder, configuration: configuration),
                          tls: tls, headDeadline: headDeadline)
        }
    }
}

/// Hummingbird's TLSChannel builds its own NIOSSLContext; this one takes ours, hardened.
struct PublicChannel<Base: ServerChildChannel & HTTPChannelHandler>: ServerChildChannel, HTTPChannelHandler {
    typealias Value = Base.Value
    let base: Base
    let tls: NIOSSLContext?
    let headDeadline: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
            try channel.pipeline.syncOperations.addHandler(RequestHeadDeadline(timeout: headDeadline))
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }

    var responder: HTTPChannelHandler.Responder { base.responder }
}

/// Closes a connection that has not delivered a complete request head (the blank line
/// ending the headers) within `timeout` of connecting: a client dribbling one byte a second
/// must not hold a connection slot for ever. Later requests on the connection are governed
/// by the idle timeout; the handler removes itself once the first head is complete.
final class RequestHeadDeadline: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let timeout: TimeAmount
    private var deadline: Scheduled<Void>?
    /// The last 3 bytes seen, so a "\r\n\r\n" split across reads is still found.
    private var tail: [UInt8] = []

    init(timeout: TimeAmount) { self.timeout = timeout }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        let bytes = tail + buffer.readableBytesView
        if bytes.count >= 4, Self.containsHeadEnd(bytes) {
            deadline?.cancel()
            deadline = nil
            context.fireChannelRead(data)
            context.pipeline.syncOperations.removeHandler(self, promise: nil)
            return
        }
        tail = Array(bytes.suffix(3))
        context.fireChannelRead(data)
    }

    static func containsHeadEnd(_ bytes: [UInt8]) -> Bool {
        var i = 0
        while i + 3 < bytes.count {
            if bytes[i] == 13, bytes[i + 1] == 10, bytes[i + 2] == 13, bytes[i + 3] == 10 { return true }
            i += 1
        }
        return false
    }
}
