public import NIOCore
import NIOPosix
import Synchronization
public import TernModel
import TernTransport
public import TernWire

/// One TCP connection to one broker, speaking Kafka: requests are pipelined (many in flight,
/// matched to answers by correlation id), and the API versions are negotiated once, at open,
/// with ApiVersions (v3, falling back to v0 as Kafka's clients do).
///
/// A connection that breaks fails every waiting call with `.connectionLost` and stays broken;
/// `KafkaCluster` opens a new one. At most `inFlightMax` requests wait for answers.
public actor KafkaConnection {
    public nonisolated let address: BrokerAddress
    /// The broker's node id when known (from metadata), for messages.
    public nonisolated let nodeID: NodeID?
    private let channel: any Channel
    private let clientID: String
    private let inFlightMax: Int
    private var pending: [Int32: Waiter] = [:]
    private var nextCorrelationID: Int32 = 0
    /// What the broker serves: API key → versions.
    public private(set) var brokerVersions: [Int16: ClosedRange<Int16>] = [:]
    private var broken: ClientError?

    private struct Waiter {
        var apiKey: Int16
        var version: Int16
        var promise: EventLoopPromise<ByteBuffer>
        var deadline: Scheduled<Void>
    }

    /// Largest response frame accepted (a fetch answer is bounded by the fetch's max bytes).
    public static let frameBytesMax = Limits.frameBytesMax

    init(address: BrokerAddress, nodeID: NodeID?, channel: any Channel, clientID: String, inFlightMax: Int) {
        self.address = address
        self.nodeID = nodeID
        self.channel = channel
        self.clientID = clientID
        self.inFlightMax = inFlightMax
    }

    /// Connects to `address` and negotiates the API versions.
    public static func open(
        to address: BrokerAddress, nodeID: NodeID? = nil, group: any EventLoopGroup, clientID: String,
        connectTimeout: Duration = .seconds(10), requestTimeout: Duration = .seconds(30), inFlightMax: Int = 1_000
    ) async throws(ClientError) -> KafkaConnection {
        let handler = ResponseRouter()
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connectTimeout(TimeAmount(connectTimeout))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandlers([
                            ByteToMessageHandler(KafkaFrameDecoder(frameBytesMax: Self.frameBytesMax)), handler,
                        ])
                    }
                }
                .connect(host: address.host, port: address.port).get()
        } catch {
            throw ClientError(.unreachable, "cannot connect to \(address): \(error)")
        }
        let connection = KafkaConnection(
            address: address, nodeID: nodeID, channel: channel, clientID: clientID, inFlightMax: inFlightMax)
        handler.attach(connection)
        do throws(ClientError) {
            try await connection.negotiate(timeout: requestTimeout)
        } catch {
            await connection.close()
            throw error
        }
        return connection
    }

    /// Whether the connection can still carry requests.
    public var isUsable: Bool { broken == nil && channel.isActive }

    /// The highest version of `Request`'s API that both sides speak, nil if none.
    public func version<Request: KafkaRequestMessage>(of request: Request.Type) -> Int16? {
        guard let theirs = brokerVersions[Request.apiKey] else { return nil }
        let high = min(theirs.upperBound, Request.versions.upperBound)
        return high >= max(theirs.lowerBound, Request.versions.lowerBound) ? high : nil
    }

    /// Sends `request` at `version` (default: the highest both sides speak) and waits for its
    /// answer.
    public func call<Request: KafkaRequestMessage>(
        _ request: Request, version: Int16? = nil, timeout: Duration = .seconds(30)
    ) async throws(ClientError) -> Request.Response {
        guard let version = version ?? self.version(of: Request.self) else {
            throw ClientError(.unsupportedVersion, "\(address) serves no version of API \(Request.apiKey) this client speaks")
        }
        return try await submit(request, version: version, timeout: timeout).response()
    }

    /// Writes `request` now (calls from one task are written in the order they are made) and
    /// returns its answer to wait for later: pipelining in a chosen order.
    public func submit<Request: KafkaRequestMessage>(
        _ request: Request, version: Int16? = nil, timeout: Duration = .seconds(30)
    ) throws(ClientError) -> PendingResponse<Request.Response> {
        guard let version = version ?? self.version(of: Request.self) else {
            throw ClientError(.unsupportedVersion, "\(address) serves no version of API \(Request.apiKey) this client speaks")
        }
        let future = try send(request, version: version, timeout: timeout)
        return PendingResponse(future: future, version: version, address: address)
    }

    /// Sends a request that gets no answer (Produce with acks=0).
    public func post<Request: KafkaRequestMessage>(_ request: Request, version: Int16) throws(ClientError) {
        if let broken { throw broken }
        channel.writeAndFlush(frame(request, version: version, correlationID: takeCorrelationID()), promise: nil)
    }

    /// Closes the connection; waiting calls fail with `.closed`.
    public func close() async {
        fail(ClientError(.closed, "the connection to \(address) was closed"))
        try? await channel.close()
    }

    // MARK: - Internals

    private func negotiate(timeout: Duration) async throws(ClientError) {
        var request = ApiVersionsRequest()
        request.clientSoftwareName = "tern-client"
        request.clientSoftwareVersion = "1.0"
        var response = try await call(request, version: 3, timeout: timeout)
        if response.errorCode == ErrorCode.unsupportedVersion.rawValue {
            // KIP-511: an older broker answers v0 with its ranges; ask again at v0.
            response = try await call(ApiVersionsRequest(), version: 0, timeout: timeout)
        }
        guard response.errorCode == 0 else {
            throw ClientError(.broker(ErrorCode(rawValue: response.errorCode)), "\(address): ApiVersions")
        }
        for entry in response.apiKeys where entry.minVersion <= entry.maxVersion {
            brokerVersions[entry.apiKey] = entry.minVersion...entry.maxVersion
        }
    }

    private func takeCorrelationID() -> Int32 {
        nextCorrelationID = nextCorrelationID == .max ? 0 : nextCorrelationID + 1
        return nextCorrelationID
    }

    private func frame<Request: KafkaRequestMessage>(_ request: Request, version: Int16, correlationID: Int32)
        -> ByteBuffer
    {
        var writer = WireWriter()
        writer.writeInteger(Int32(0))
        let header = RequestHeader(
            apiKey: Request.apiKey, apiVersion: version, correlationID: correlationID, clientID: clientID)
        header.encode(into: &writer, headerVersion: Request.isFlexible(version: version) ? 2 : 1)
        request.encode(into: &writer, version: version)
        var buffer = writer.buffer
        buffer.setInteger(Int32(buffer.readableBytes - 4), at: buffer.readerIndex, endianness: .big)
        return buffer
    }

    private func send<Request: KafkaRequestMessage>(
        _ request: Request, version: Int16, timeout: Duration
    ) throws(ClientError) -> EventLoopFuture<ByteBuffer> {
        if let broken { throw broken }
        guard pending.count < inFlightMax else {
            throw ClientError(.overloaded, "\(pending.count) requests wait on \(address)")
        }
        let correlationID = takeCorrelationID()
        let bytes = frame(request, version: version, correlationID: correlationID)
        let address = self.address
        let promise = channel.eventLoop.makePromise(of: ByteBuffer.self)
        let deadline = channel.eventLoop.scheduleTask(in: TimeAmount(timeout)) { [self] in
            Task { await self.fail(correlationID, ClientError(.timedOut, "no answer from \(address) within \(timeout)")) }
            return ()
        }
        pending[correlationID] = Waiter(apiKey: Request.apiKey, version: version, promise: promise, deadline: deadline)
        let written = channel.eventLoop.makePromise(of: Void.self)
        written.futureResult.whenFailure { [self] error in
            Task { await self.fail(correlationID, ClientError(.connectionLost, "writing to \(address): \(error)")) }
        }
        channel.writeAndFlush(bytes, promise: written)
        return promise.futureResult
    }

    /// A response frame (correlation id, header, body) from the router.
    func receive(_ frame: ByteBuffer) {
        var frame = frame
        guard let correlationID = frame.getInteger(at: frame.readerIndex, endianness: .big, as: Int32.self),
            let waiter = pending.removeValue(forKey: correlationID)
        else {
            // An answer nobody waits for (timed out already): dropped.
            return
        }
        waiter.deadline.cancel()
        var reader = WireReader(buffer: frame)
        let headerVersion = ResponseHeader.version(apiKey: waiter.apiKey, apiVersion: waiter.version) ?? 0
        do throws(WireDecodingError) {
            _ = try ResponseHeader(from: &reader, headerVersion: headerVersion)
            frame = reader.buffer
            waiter.promise.succeed(frame)
        } catch {
            waiter.promise.fail(ClientError(.malformedResponse, "\(address): response header: \(error)"))
        }
    }

    /// The connection ended or failed: every waiting call fails with `error`.
    func fail(_ error: ClientError) {
        if broken == nil { broken = error }
        let waiters = pending
        pending = [:]
        for waiter in waiters.values {
            waiter.deadline.cancel()
            waiter.promise.fail(error)
        }
    }

    private func fail(_ correlationID: Int32, _ error: ClientError) {
        guard let waiter = pending.removeValue(forKey: correlationID) else { return }
        waiter.deadline.cancel()
        waiter.promise.fail(error)
    }
}

/// The answer to a request already written.
public struct PendingResponse<Response: KafkaResponseMessage>: Sendable {
    let future: EventLoopFuture<ByteBuffer>
    let version: Int16
    let address: BrokerAddress

    /// Waits for the answer and decodes it.
    public func response() async throws(ClientError) -> Response {
        let body: ByteBuffer
        do {
            body = try await future.get()
        } catch let error as ClientError {
            throw error
        } catch {
            throw ClientError(.connectionLost, "\(address): \(error)")
        }
        do throws(WireDecodingError) {
            return try Response.decode(from: body, version: version)
        } catch {
            throw ClientError(.malformedResponse, "\(address): API \(Response.apiKey) v\(version) answer: \(error)")
        }
    }
}

/// Hands each response frame to its connection, and tells it when the channel ends.
final class ResponseRouter: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    /// Set right after the channel is up, before any request is written.
    private let connection = Mutex<KafkaConnection?>(nil)

    func attach(_ connection: KafkaConnection) { self.connection.withLock { $0 = connection } }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard let connection = connection.withLock({ $0 }) else { return }
        Task { await connection.receive(frame) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let connection = connection.withLock({ $0 }) {
            Task { await connection.fail(ClientError(.connectionLost, "\(connection.address) closed the connection")) }
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let connection = connection.withLock({ $0 }) {
            Task { await connection.fail(ClientError(.connectionLost, "\(connection.address): \(error)")) }
        }
        context.close(promise: nil)
    }
}
