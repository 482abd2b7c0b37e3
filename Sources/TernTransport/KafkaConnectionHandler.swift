public import Logging
public import NIOCore
import TernWire

/// The per-connection Kafka handler: parses each frame's request header, applies the version
/// gate, hands requests to the broker's `KafkaRequestHandling` and writes the answers in
/// request order. The ordering and backpressure logic lives in `ConnectionStateMachine`; this
/// class only carries out its actions.
///
/// Sits after `ByteToMessageHandler(KafkaFrameDecoder)`; intercepts the outbound `read()` to
/// stop reading when the connection's bounds are reached.
public final class KafkaConnectionHandler: ChannelDuplexHandler {
    /// One frame payload from `KafkaFrameDecoder`.
    public typealias InboundIn = ByteBuffer
    /// Response bytes.
    public typealias OutboundIn = ByteBuffer
    /// Response bytes.
    public typealias OutboundOut = ByteBuffer

    /// What a dispatched request needs: the broker's handler, or an answer the transport
    /// already knows (UNSUPPORTED_VERSION for ApiVersions).
    enum Work {
        case handle(KafkaRequest)
        case answer(ResponseFrame)
    }

    private let requestHandler: any KafkaRequestHandling
    private let tasks: RequestTasks
    private let advertised: AdvertisedApiVersions
    private var logger: Logger
    private let connectionID: UInt64
    private var machine: ConnectionStateMachine<Work>
    private var context: ChannelHandlerContext?
    private var info: KafkaConnectionInfo

    /// A handler for one connection.
    public convenience init(
        configuration: KafkaListenerConfiguration, requestHandler: any KafkaRequestHandling,
        connectionID: UInt64, logger: Logger
    ) {
        self.init(
            configuration: configuration, requestHandler: requestHandler, connectionID: connectionID,
            logger: logger, tasks: RequestTasks())
    }

    /// A handler whose request tasks belong to `tasks` (the listener's, so shutdown can wait).
    init(
        configuration: KafkaListenerConfiguration, requestHandler: any KafkaRequestHandling,
        connectionID: UInt64, logger: Logger, tasks: RequestTasks
    ) {
        let configuration = configuration.checked()
        self.requestHandler = requestHandler
        self.tasks = tasks
        self.advertised = configuration.advertisedVersions
        self.connectionID = connectionID
        self.logger = logger
        self.logger[metadataKey: "connection"] = "\(connectionID)"
        self.machine = ConnectionStateMachine(
            inFlightMax: configuration.inFlightRequestsMax, bufferedBytesMax: configuration.bufferedBytesMax)
        self.info = KafkaConnectionInfo(id: connectionID, remoteAddress: nil, localAddress: nil)
    }

    /// Remembers the context for answers that complete later.
    public func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        info.remoteAddress = context.channel.remoteAddress
        info.localAddress = context.channel.localAddress
        if let remote = info.remoteAddress {
            logger[metadataKey: "peer"] = "\(remote)"
        }
    }

    /// Forgets the context: answers completing afterwards are dropped.
    public func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        machine.connectionClosed()
    }

    /// Refreshes the addresses (known only once the socket is connected).
    public func channelActive(context: ChannelHandlerContext) {
        info.remoteAddress = context.channel.remoteAddress
        info.localAddress = context.channel.localAddress
        context.fireChannelActive()
    }

    /// The peer (or we) closed: drop everything in flight.
    public func channelInactive(context: ChannelHandlerContext) {
        machine.connectionClosed()
        context.fireChannelInactive()
    }

    /// One frame: parse, gate, queue.
    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        let frameBytes = frame.readableBytes
        switch ParsedFrame.parse(frame) {
        case .malformed(let error):
            close(context: context, reason: "undecodable request header: \(error)")
        case .unknownApiKey(let key, let version):
            close(context: context, reason: "unknown API key \(key) (version \(version))")
        case .request(let head, let body):
            switch VersionGateDecision.decide(head, advertised: advertised) {
            case .close(let reason):
                close(context: context, reason: reason)
            case .answerUnsupportedApiVersions:
                logger.debug("ApiVersions v\(head.apiVersion) unsupported; answering UNSUPPORTED_VERSION")
                let body = VersionGateDecision.unsupportedApiVersionsBody(advertised: advertised).encoded(version: 0)
                let frame = ResponseFrame(correlationID: head.correlationID, headerVersion: 0, body: body)
                perform(machine.requestReceived(.answer(frame), bytes: frameBytes), context: context)
            case .dispatch:
                let request = KafkaRequest(head: head, body: body)
                perform(machine.requestReceived(.handle(request), bytes: frameBytes), context: context)
            }
        }
    }

    /// Holds the read back while the connection is over its bounds.
    public func read(context: ChannelHandlerContext) {
        if machine.readRequested() {
            context.read()
        }
    }

    /// Stops or resumes reading with the outbound buffer's water marks.
    public func channelWritabilityChanged(context: ChannelHandlerContext) {
        perform(machine.writabilityChanged(isWritable: context.channel.isWritable), context: context)
        context.fireChannelWritabilityChanged()
    }

    /// Framing errors and anything else: log and close.
    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        close(context: context, reason: "\(error)")
    }

    private func close(context: ChannelHandlerContext, reason: String) {
        guard machine.isActive else { return }
        logger.notice("closing connection", metadata: ["reason": "\(reason)"])
        machine.connectionClosed()
        context.close(promise: nil)
    }

    private func perform(_ actions: [ConnectionStateMachine<Work>.Action], context: ChannelHandlerContext) {
        var wrote = false
        for action in actions {
            switch action {
            case .dispatch(let sequence, let work):
                dispatch(sequence: sequence, work: work, context: context)
            case .write(let frame):
                context.write(wrapOutboundOut(frame.head), promise: nil)
                if frame.body.readableBytes > 0 {
                    context.write(wrapOutboundOut(frame.body), promise: nil)
                }
                wrote = true
            case .resumeReading:
                context.read()
            case .close(let reason):
                if wrote {
                    context.flush()
                    wrote = false
                }
                logger.info("closing connection at the handler's request", metadata: ["reason": "\(reason)"])
                context.close(promise: nil)
            }
        }
        if wrote {
            context.flush()
        }
    }

    private func dispatch(sequence: UInt64, work: Work, context: ChannelHandlerContext) {
        switch work {
        case .answer(let frame):
            perform(machine.completed(sequence: sequence, outcome: .respond(frame)), context: context)
        case .handle(let request):
            let requestHandler = self.requestHandler
            let info = self.info
            let eventLoop = context.eventLoop
            let bound = NIOLoopBound(self, eventLoop: eventLoop)
            let started = tasks.start {
                let action = await requestHandler.handle(request, connection: info)
                eventLoop.execute {
                    bound.value.answered(sequence: sequence, head: request.head, action: action)
                }
            }
            if !started {
                close(context: context, reason: "the listener is shutting down")
            }
        }
    }

    /// A handler's answer arrived (on the event loop); dropped if the connection is gone.
    private func answered(sequence: UInt64, head: KafkaRequestHead, action: KafkaResponseAction) {
        guard let context, machine.isActive else { return }
        let outcome: ConnectionStateMachine<Work>.Outcome
        switch action {
        case .response(let body):
            outcome = .respond(
                ResponseFrame(correlationID: head.correlationID, headerVersion: head.responseHeaderVersion, body: body))
        case .noResponse:
            outcome = .noResponse
        case .closeConnection(let reason):
            outcome = .close(reason: reason)
        }
        perform(machine.completed(sequence: sequence, outcome: outcome), context: context)
    }
}

@available(*, unavailable)
extension KafkaConnectionHandler: Sendable {}
