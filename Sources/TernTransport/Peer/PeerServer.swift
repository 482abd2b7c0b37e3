public import Logging
public import NIOCore
import NIOPosix
import Synchronization

/// Answers the inter-broker RPC: `request` frames get a response frame with the same
/// correlation id (the handler's body); `oneWay` frames get none. Requests of one connection are
/// handled concurrently (each in a task) and answered as they complete: peers multiplex by
/// correlation id, so there is no order to keep.
public protocol PeerRequestHandling: Sendable {
    /// The answer to a request (runs in a task of its own; requests may complete in any order).
    func handle(_ frame: PeerFrame) async -> ByteBuffer
    /// A one-way frame, on the connection's event loop, in arrival order; must not block
    /// (hand the work to its owner). Raft envelopes come this way, so one peer's messages to a
    /// group keep their order.
    func receive(_ frame: PeerFrame)
}

extension PeerRequestHandling {
    /// By default a one-way frame is handled like a request whose answer is dropped.
    public func receive(_ frame: PeerFrame) {
        Task { _ = await handle(frame) }
    }
}

/// The RPC listener (`rpc.listener`).
public final class PeerServer: Sendable {
    /// Where it is bound (the real port when asked for 0).
    public let localAddress: SocketAddress
    private let channel: any Channel
    private let connections: ConnectionList

    private init(channel: any Channel, localAddress: SocketAddress, connections: ConnectionList) {
        self.channel = channel
        self.localAddress = localAddress
        self.connections = connections
    }

    /// Binds `host:port` on `group`.
    public static func start(
        host: String, port: Int, group: any EventLoopGroup, frameBytesMax: Int, handler: any PeerRequestHandling,
        logger: Logger
    ) async throws -> PeerServer {
        let registry = ConnectionList()
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                registry.add(channel)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        ByteToMessageHandler(PeerFrameDecoder(frameBytesMax: frameBytesMax)),
                        MessageToByteHandler(PeerFrameEncoder()),
                        PeerServerHandler(handler: handler, logger: logger),
                    ])
                }
            }
        let channel = try await bootstrap.bind(host: host, port: port).get()
        guard let address = channel.localAddress else { throw PeerFrameError("the RPC listener has no address") }
        return PeerServer(channel: channel, localAddress: address, connections: registry)
    }

    /// Stops accepting and closes every connection (peers see the loss at once).
    public func shutdown() async {
        try? await channel.close()
        let open = connections.channels.withLock { state in
            defer { state = [:] }
            return Array(state.values)
        }
        for connection in open { try? await connection.close() }
    }
}

/// The server's open connections, so a shutdown closes them.
private final class ConnectionList: Sendable {
    let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    func add(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        channels.withLock { $0[key] = channel }
        channel.closeFuture.whenComplete { [self] _ in _ = channels.withLock { $0.removeValue(forKey: key) } }
    }
}

/// One server-side peer connection.
private final class PeerServerHandler: ChannelInboundHandler {
    typealias InboundIn = PeerFrame
    typealias OutboundOut = PeerFrame

    private let handler: any PeerRequestHandling
    private let logger: Logger

    init(handler: any PeerRequestHandling, logger: Logger) {
        self.handler = handler
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        let handler = self.handler
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        guard frame.kind != .response else {
            logger.notice("peer sent a response frame to the server; closing")
            context.close(promise: nil)
            return
        }
        guard frame.kind == .request else {
            handler.receive(frame)
            return
        }
        Task {
            let body = await handler.handle(frame)
            eventLoop.execute {
                let context = bound.value
                let answer = PeerFrame(kind: .response, apiKey: frame.apiKey, correlationID: frame.correlationID, body: body)
                context.writeAndFlush(NIOAny(answer), promise: nil)
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.notice("closing a peer connection", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension PeerServerHandler: Sendable {}
