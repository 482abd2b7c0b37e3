public import NIOCore
import NIOPosix
import Synchronization

/// Why a peer call failed.
public struct PeerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// No connection, and the last attempt failed less than the backoff ago.
        case unavailable
        /// The connection went away with the request unanswered.
        case connectionLost
        /// No answer within the request's timeout.
        case timedOut
        /// Too many requests waiting for answers on this peer.
        case overloaded
        /// The client was closed.
        case closed
    }

    public var kind: Kind
    public var detail: String
    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { "peer \(kind): \(detail)" }
}

/// How a peer connection ended, for the owner (Raft: a follower whose connection to the leader
/// was *reset* knows the leader's process died, the kernel answered for it, and campaigns at
/// once instead of waiting out the election timeout).
public enum PeerConnectionLoss: Sendable, Equatable {
    /// The peer's kernel reset the connection (ECONNRESET, or refused on reconnect).
    case reset
    /// The connection closed otherwise (FIN, or we closed it).
    case closed
}

/// The one connection from this broker to one peer, multiplexed by correlation id.
///
/// Connects lazily on the first call and again after a loss, no sooner than the backoff after a
/// failed attempt (doubling from `backoffInitial` to `backoffMax`, reset by a success); calls
/// inside the backoff fail at once with `.unavailable`, so a dead peer costs its callers nothing.
/// At most `pendingMax` requests wait for answers. One-way posts while disconnected are dropped
/// (Raft resends) and start a reconnect.
public actor PeerClient {
    /// Where the peer listens.
    public nonisolated let host: String
    public nonisolated let port: Int
    private let group: any EventLoopGroup
    private let frameBytesMax: Int
    private let pendingMax: Int
    private let backoffInitial: Duration
    private let backoffMax: Duration
    private let onLoss: @Sendable (PeerConnectionLoss) -> Void
    private let onConnect: @Sendable () -> Void
    /// Called on the event loop the moment a connection that carried frames goes inactive,
    /// before the actor hears of it (a hint: the actor's `onLoss` follows).
    nonisolated let onDisconnect: @Sendable () -> Void

    private var channel: (any Channel)?
    private var connecting: Task<any Channel, any Error>?
    private var pending: [Int32: CheckedContinuation<ByteBuffer, any Error>] = [:]
    private var nextCorrelationID: Int32 = 0
    private var backoff: Duration
    private var retryNotBefore: ContinuousClock.Instant?
    private var isClosed = false
    /// One-way frames posted while a connection attempt is under way, sent once it succeeds
    /// (dropped if it fails). Without this the first messages to a peer after a (re)connect
    /// were lost, and a pre-vote lost that way cost a whole election timeout.
    private var postedWhileConnecting: [PeerFrame] = []
    /// Most frames held while connecting.
    public static let postedWhileConnectingMax = 1_024

    /// A client for the peer at `host:port`; `onLoss` hears of every lost connection,
    /// `onConnect` of every connection that came up.
    public init(
        host: String, port: Int, group: any EventLoopGroup, frameBytesMax: Int, pendingMax: Int = 4_096,
        backoffInitial: Duration = .milliseconds(20), backoffMax: Duration = .seconds(1),
        onLoss: @escaping @Sendable (PeerConnectionLoss) -> Void = { _ in },
        onConnect: @escaping @Sendable () -> Void = {},
        onDisconnect: @escaping @Sendable () -> Void = {}
    ) {
        precondition(pendingMax > 0, "at least one request may wait")
        precondition(backoffInitial > .zero && backoffInitial <= backoffMax, "a positive, bounded backoff")
        self.host = host
        self.port = port
        self.group = group
        self.frameBytesMax = frameBytesMax
        self.pendingMax = pendingMax
        self.backoffInitial = backoffInitial
        self.backoffMax = backoffMax
        self.backoff = backoffInitial
        self.onLoss = onLoss
        self.onConnect = onConnect
        self.onDisconnect = onDisconnect
    }

    /// Whether a connection is up.
    public var isConnected: Bool { channel != nil }

    /// Sends a request and waits (at most `timeout`) for its response body.
    public func request(apiKey: Int16, body: ByteBuffer, timeout: Duration) async throws(PeerError) -> ByteBuffer {
        let channel = try await connected()
        guard pending.count < pendingMax else { throw PeerError(.overloaded, "\(pending.count) requests wait on \(host):\(port)") }
        nextCorrelationID = nextCorrelationID == .max ? 0 : nextCorrelationID + 1
        let correlationID = nextCorrelationID
        let frame = PeerFrame(kind: .request, apiKey: apiKey, correlationID: correlationID, body: body)
        let deadline = channel.eventLoop.scheduleTask(in: TimeAmount(timeout)) { [self] in
            Task { await self.fail(correlationID, PeerError(.timedOut, "no answer from \(host):\(port) in \(timeout)")) }
        }
        defer { deadline.cancel() }
        do {
            return try await withCheckedThrowingContinuation { continuation in
                pending[correlationID] = continuation
                let written = channel.eventLoop.makePromise(of: Void.self)
                written.futureResult.whenFailure { [self] error in
                    Task { await self.fail(correlationID, PeerError(.connectionLost, "write failed: \(error)")) }
                }
                channel.writeAndFlush(frame, promise: written)
            }
        } catch let error as PeerError {
            throw error
        } catch {
            throw PeerError(.connectionLost, "\(error)")
        }
    }

    /// Sends a one-way frame if connected. If not, starts reconnecting (unless inside the
    /// backoff) and holds the frame until the connection is up; returns false when the frame was
    /// dropped (closed, inside the backoff, or too many held).
    @discardableResult
    public func post(apiKey: Int16, body: ByteBuffer) -> Bool {
        let frame = PeerFrame(kind: .oneWay, apiKey: apiKey, correlationID: 0, body: body)
        if let channel {
            channel.writeAndFlush(frame, promise: nil)
            return true
        }
        guard !isClosed else { return false }
        if connecting == nil {
            if let retryNotBefore, ContinuousClock.now < retryNotBefore { return false }
            Task { _ = try? await self.connected() }
        }
        guard postedWhileConnecting.count < Self.postedWhileConnectingMax else { return false }
        postedWhileConnecting.append(frame)
        return true
    }

    /// Closes the connection and fails every waiting request; later calls fail with `.closed`.
    public func close() async {
        isClosed = true
        let attempt = connecting
        attempt?.cancel()
        let open = channel
        channel = nil
        failAll(PeerError(.closed, "the client was closed"))
        try? await open?.close()
        // A dial in flight must end before the owner shuts the event loops down: NIO traps on
        // a connect whose loop went away. It ends within the connect timeout.
        if let attempt, let late = try? await attempt.value { try? await late.close() }
    }

    /// The open connection, or a new one (single flight; respects the backoff).
    private func connected() async throws(PeerError) -> any Channel {
        if isClosed { throw PeerError(.closed, "the client was closed") }
        if let channel { return channel }
        if connecting == nil {
            if let retryNotBefore, ContinuousClock.now < retryNotBefore {
                throw PeerError(.unavailable, "\(host):\(port) is unreachable; retrying after the backoff")
            }
            connecting = Task { try await self.openChannel() }
        }
        guard let attempt = connecting else { throw PeerError(.unavailable, "no connection attempt") }
        do {
            let channel = try await attempt.value
            // Only the waiter of the current attempt clears it (a late waiter of an older one
            // must not let a second attempt start beside a newer one).
            if connecting == attempt { connecting = nil }
            if self.channel == nil, !isClosed, channel.isActive {
                self.channel = channel
                backoff = backoffInitial
                retryNotBefore = nil
                let held = postedWhileConnecting
                postedWhileConnecting = []
                for frame in held { channel.write(frame, promise: nil) }
                if !held.isEmpty { channel.flush() }
                onConnect()
            } else if self.channel !== channel {
                // Not adopted (closed meanwhile, already dead, or another one won): close it.
                channel.close(promise: nil)
            }
            if isClosed { throw PeerError(.closed, "the client was closed") }
            guard let current = self.channel else {
                throw PeerError(.connectionLost, "the connection to \(host):\(port) ended as it opened")
            }
            return current
        } catch let error as PeerError {
            throw error
        } catch {
            if connecting == attempt { connecting = nil }
            postedWhileConnecting = []
            retryNotBefore = ContinuousClock.now.advanced(by: backoff)
            backoff = min(backoff * 2, backoffMax)
            onLoss(Self.isRefused(error) ? .reset : .closed)
            throw PeerError(.unavailable, "cannot connect to \(host):\(port): \(error)")
        }
    }

    private func openChannel() async throws -> any Channel {
        // Closed before this attempt started: never dial (the event loops may be going away).
        guard !isClosed else { throw PeerError(.closed, "the client was closed") }
        let frameBytesMax = self.frameBytesMax
        let bootstrap = ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(2))
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        ByteToMessageHandler(PeerFrameDecoder(frameBytesMax: frameBytesMax)),
                        MessageToByteHandler(PeerFrameEncoder()),
                        PeerClientHandler(client: self),
                    ])
                }
            }
        return try await bootstrap.connect(host: host, port: port).get()
    }

    /// A response arrived.
    func received(_ frame: PeerFrame) {
        guard frame.kind == .response, let continuation = pending.removeValue(forKey: frame.correlationID) else { return }
        continuation.resume(returning: frame.body)
    }

    /// The connection `lost` ended (`reset` when the peer's kernel reset it).
    func connectionEnded(_ lost: ObjectIdentifier, reset: Bool) {
        guard let channel, ObjectIdentifier(channel) == lost else { return }
        self.channel = nil
        failAll(PeerError(.connectionLost, "the connection to \(host):\(port) was \(reset ? "reset" : "closed")"))
        onLoss(reset ? .reset : .closed)
        // Dial again at once: a refused dial tells a dead process (`.reset`) from a dropped
        // connection, which is what a follower of a killed leader needs to know soonest.
        if !reset, !isClosed, connecting == nil { Task { _ = try? await self.connected() } }
    }

    private func fail(_ correlationID: Int32, _ error: PeerError) {
        pending.removeValue(forKey: correlationID)?.resume(throwing: error)
    }

    private func failAll(_ error: PeerError) {
        let waiting = pending
        pending = [:]
        for continuation in waiting.values { continuation.resume(throwing: error) }
    }

    private static func isRefused(_ error: any Error) -> Bool {
        if let io = error as? IOError { return io.errnoCode == ECONNREFUSED || io.errnoCode == ECONNRESET }
        if case .connectTimeout = error as? ChannelError { return false }
        return "\(error)".contains("refused")
    }
}

/// Forwards a client connection's responses and its end to the `PeerClient`.
private final class PeerClientHandler: ChannelInboundHandler {
    typealias InboundIn = PeerFrame
    private let client: PeerClient
    private var reset = false
    private var carriedFrames = false

    init(client: PeerClient) { self.client = client }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        carriedFrames = true
        let client = self.client
        Task { await client.received(frame) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let io = error as? IOError, io.errnoCode == ECONNRESET { reset = true }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        let client = self.client
        let identity = ObjectIdentifier(context.channel)
        let reset = self.reset
        // Only a connection that carried answers was the adopted one (spare connections are
        // closed before any frame): tell the owner now, without waiting for the actor hop.
        if carriedFrames { client.onDisconnect() }
        Task { await client.connectionEnded(identity, reset: reset) }
        context.fireChannelInactive()
    }
}

@available(*, unavailable)
extension PeerClientHandler: Sendable {}
