import NIOCore
import NIOHTTP1
import NIOPosix

/// The admin HTTP listener (`admin.listener`, loopback by default):
///
/// - `GET /v1/status/ready`: 200 `ready` while the broker serves (it binds only after every
///   partition is recovered), for orchestration and scripts;
/// - `GET /metrics`: Prometheus text (`BrokerMetrics`), Redpanda's shapes under a `tern_` prefix.
///
/// Anything else is 404; a method other than GET is 405. Requests are small and answered in
/// order on their connection; the body of a request is ignored.
final class AdminServer: Sendable {
    /// Where it is bound (with the real port when configured as 0).
    let localAddress: SocketAddress
    private let channel: any Channel

    private init(channel: any Channel, localAddress: SocketAddress) {
        self.channel = channel
        self.localAddress = localAddress
    }

    /// Binds `host:port` on `group`; `respond` answers each GET path.
    static func start(
        host: String, port: Int, group: any EventLoopGroup,
        respond: @escaping @Sendable (String) async -> (status: HTTPResponseStatus, contentType: String, body: String)
    ) async throws -> AdminServer {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMap {
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(AdminRequestHandler(respond: respond))
                    }
                }
            }
        let channel = try await bootstrap.bind(host: host, port: port).get()
        guard let address = channel.localAddress else { throw BrokerStartupError("the admin listener has no address") }
        return AdminServer(channel: channel, localAddress: address)
    }

    /// Stops accepting (open connections end with the event loops).
    func shutdown() async {
        try? await channel.close()
    }
}

/// One admin connection: collects a request head, answers at its end.
private final class AdminRequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let respond: @Sendable (String) async -> (status: HTTPResponseStatus, contentType: String, body: String)
    private var head: HTTPRequestHead?

    init(respond: @escaping @Sendable (String) async -> (status: HTTPResponseStatus, contentType: String, body: String)) {
        self.respond = respond
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
        case .body:
            break
        case .end:
            guard let requestHead = head else { return }
            head = nil
            answer(requestHead, context: context)
        }
    }

    private func answer(_ requestHead: HTTPRequestHead, context: ChannelHandlerContext) {
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        let keepAlive = requestHead.isKeepAlive
        let version = requestHead.version
        guard requestHead.method == .GET else {
            write(status: .methodNotAllowed, contentType: "text/plain", body: "only GET\n", version: version,
                keepAlive: keepAlive, context: context)
            return
        }
        let path = String(requestHead.uri.split(separator: "?", maxSplits: 1).first ?? "")
        let respond = self.respond
        let eventLoop = context.eventLoop
        Task {
            let (status, contentType, body) = await respond(path)
            eventLoop.execute {
                let (handler, context) = bound.value
                handler.write(
                    status: status, contentType: contentType, body: body, version: version, keepAlive: keepAlive,
                    context: context)
            }
        }
    }

    private func write(
        status: HTTPResponseStatus, contentType: String, body: String, version: HTTPVersion, keepAlive: Bool,
        context: ChannelHandlerContext
    ) {
        var buffer = context.channel.allocator.buffer(capacity: body.utf8.count)
        buffer.writeString(body)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(buffer.readableBytes))
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        let done = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: done)
        if !keepAlive {
            let channel = context.channel
            done.futureResult.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}

@available(*, unavailable)
extension AdminRequestHandler: Sendable {}
