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
    /// Response bytes and file regions.
    public typealias OutboundOut = IOData

    /// What a dispatched request needs: the broker's handler, or an answer the transport
    /// already knows (UNSUPPORTED_VERSION for ApiVersions).
    enum Work {
        case handle(KafkaRequest)
        case answer(ResponseFrame)
        /// Close once every earlier request is answered (a bad frame after good ones).
        case close(String)
    }

    private let requestHandler: any KafkaRequestHandling
    private let tasks: RequestTasks
    private let advertised: AdvertisedApiVersions
    private var logger: Logger
    private let connectionID: UInt64
    private var machine: ConnectionStateMachine<Work>
    private var context: ChannelHandlerContext?
    private var info: KafkaConnectionInfo
    /// A close is queued behind the requests before it: later frames are ignored.
    private var closing = false
    /// The admission of the last request dispatched: the next one starts once it is released.
    private var lastAdmission: Admission?

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
        guard !closing else { return }
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

    /// Closes once the requests received before the bad input are answered (Kafka answers
    /// what it has read before it drops a connection, and clients that pipelined good requests
    /// ahead of a bad one are owed those answers); frames after it are ignored.
    private func close(context: ChannelHandlerContext, reason: String) {
        guard machine.isActive, !closing else { return }
        closing = true
        logger.notice("closing connection", metadata: ["reason": "\(reason)"])
        perform(machine.requestReceived(.close(reason), bytes: 0), context: context)
    }

    private func perform(_ actions: [ConnectionStateMachine<Work>.Action], context: ChannelHandlerContext) {
        var wrote = false
        for action in actions {
            switch action {
            case .dispatch(let sequence, let work):
                dispatch(sequence: sequence, work: work, context: context)
            case .write(let frame):
                guard write(frame, context: context) else { return }
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

    /// Writes one frame; false if it could not be completed and the connection was closed (no
    /// later action may write after a cut frame).
    private func write(_ frame: ResponseFrame, context: ChannelHandlerContext) -> Bool {
        context.write(wrapOutboundOut(.byteBuffer(frame.head)), promise: nil)
        if frame.body.readableBytes > 0 {
            context.write(wrapOutboundOut(.byteBuffer(frame.body)), promise: nil)
        }
        for part in frame.parts {
            switch part {
            case .bytes(let buffer):
                context.write(wrapOutboundOut(.byteBuffer(buffer)), promise: nil)
            case .file(let file, let offset, let length):
                guard length > 0 else { continue }
                guard let (region, handle) = file.region(offset: offset, length: length) else {
                    // Out of descriptors: the frame's head is written but it cannot be
                    // completed, so nothing more may follow it: close at once.
                    logger.warning("closing connection: cannot open a file region for a response")
                    closing = true
                    machine.connectionClosed()
                    context.close(promise: nil)
                    return false
                }
                let promise = context.eventLoop.makePromise(of: Void.self)
                promise.futureResult.whenComplete { _ in try? handle.close() }
                context.write(wrapOutboundOut(.fileRegion(region)), promise: promise)
            }
        }
        return true
    }

    private func dispatch(sequence: UInt64, work: Work, context: ChannelHandlerContext) {
        switch work {
        case .answer(let frame):
            perform(machine.completed(sequence: sequence, outcome: .respond(frame)), context: context)
        case .close(let reason):
            perform(machine.completed(sequence: sequence, outcome: .close(reason: reason)), context: context)
        case .handle(let received):
            let requestHandler = self.requestHandler
            let info = self.info
            let eventLoop = context.eventLoop
            let bound = NIOLoopBound(self, eventLoop: eventLoop)
            let previous = lastAdmission
            let admission = Admission()
            lastAdmission = admission
            let request = KafkaRequest(head: received.head, body: received.body, admission: admission)
            let started = tasks.start {
                await previous?.wait()
                let action = await requestHandler.handle(request, connection: info)
                admission.release()
                eventLoop.execute {
                    bound.value.answered(sequence: sequence, head: request.head, action: action)
                }
            }
            if !started {
                admission.release()
                // The listener is shutting down and closes every connection itself.
                machine.connectionClosed()
                context.close(promise: nil)
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
        case .responseParts(let parts):
            outcome = .respond(
                ResponseFrame(correlationID: head.correlationID, headerVersion: head.responseHeaderVersion, parts: parts))
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
