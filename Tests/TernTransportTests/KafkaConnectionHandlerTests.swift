// Goal: the whole per-connection pipeline (framing, header parsing, version gate, dispatch,
// in-order responses with the right headers, read suppression) behaves as PROTOCOL.md §1.1–1.2
// asks, without sockets.
// Method: a thread-safe `NIOAsyncTestingChannel` carries the decoder and the connection
// handler; a `GatedHandler` parks each request until the test completes it, so the test picks
// the completion order. Responses are read back from the channel's outbound side and decoded;
// closes are observed on `isActive`. Everything waits by polling with a deadline.
import Logging
import NIOCore
import NIOEmbedded
import Synchronization
import Testing
import TernWire

@testable import TernTransport

/// Counts the `read()` calls that pass the connection handler (it sits in front of it).
final class ReadCounter: ChannelOutboundHandler, @unchecked Sendable {
    typealias OutboundIn = ByteBuffer
    private let lock = NIOLockedCounter()
    var reads: Int { lock.value }
    func read(context: ChannelHandlerContext) {
        lock.increment()
        context.read()
    }
}

/// A tiny thread-safe counter (the test reads it off the loop).
final class NIOLockedCounter: Sendable {
    private let box = Mutex<Int>(0)
    var value: Int { box.withLock { $0 } }
    func increment() { box.withLock { $0 += 1 } }
}

struct Harness {
    let channel: NIOAsyncTestingChannel
    let counter: ReadCounter
    /// The handler tasks of this connection: zero once every answer has been handed back.
    let tasks = RequestTasks()

    init(
        handler: any KafkaRequestHandling, advertised: AdvertisedApiVersions = testAdvertised(),
        inFlightMax: Int = 16, frameBytesMax: Int = 1_000_000
    ) async throws {
        let channel = NIOAsyncTestingChannel()
        let counter = ReadCounter()
        let configuration = KafkaListenerConfiguration(
            advertisedVersions: advertised, frameBytesMax: frameBytesMax, inFlightRequestsMax: inFlightMax)
        let tasks = self.tasks
        try await channel.testingEventLoop.executeInContext {
            try channel.pipeline.syncOperations.addHandlers([
                counter,
                ByteToMessageHandler(KafkaFrameDecoder(frameBytesMax: configuration.frameBytesMax)),
                KafkaConnectionHandler(
                    configuration: configuration, requestHandler: handler, connectionID: 1,
                    logger: Logger(label: "test"), tasks: tasks),
            ])
        }
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9092)).get()
        self.channel = channel
        self.counter = counter
    }

    /// Reads outbound bytes until `count` whole response frames arrived; returns their payloads.
    func responses(_ count: Int) async throws -> [ByteBuffer] {
        var bytes = ByteBuffer()
        var frames: [ByteBuffer] = []
        try await waitUntil("\(count) responses") {
            while let chunk = try await channel.readOutbound(as: IOData.self) {
                guard case .byteBuffer(var buffer) = chunk else {
                    Issue.record("a file region where bytes were expected")
                    return true
                }
                bytes.writeBuffer(&buffer)
            }
            while let size = bytes.getInteger(at: bytes.readerIndex, as: Int32.self),
                bytes.readableBytes >= 4 + Int(size)
            {
                bytes.moveReaderIndex(forwardBy: 4)
                frames.append(bytes.readSlice(length: Int(size))!)
            }
            return frames.count >= count
        }
        return frames
    }

    /// Waits until only `remaining` handler tasks run, then until the event loop has run every
    /// answer they handed back (tasks submitted before the barrier run before it).
    func settle(remaining: Int = 0) async throws {
        try await waitUntil("\(remaining) handler tasks left") { tasks.count == remaining }
        try await channel.testingEventLoop.executeInContext {}
    }

    func waitClosed() async throws {
        try await waitUntil("the connection to close") { !channel.isActive }
    }
}

/// ApiVersions request frames for `correlationIDs`, back to back in one buffer.
private func apiVersionsFrames(version: Int16, correlationIDs: ClosedRange<Int32>) -> ByteBuffer {
    var frames = ByteBuffer()
    for id in correlationIDs {
        var frame = apiVersionsFrame(version: version, correlationID: id)
        frames.writeBuffer(&frame)
    }
    return frames
}

private func correlationIDs(_ frames: [ByteBuffer]) -> [Int32] {
    frames.map { $0.getInteger(at: $0.readerIndex, as: Int32.self)! }
}

@Suite("KafkaConnectionHandler")
struct KafkaConnectionHandlerTests {
    @Test("a connection's next request starts only once the previous one released its admission")
    func admissionOrder() async throws {
        let handler = AdmissionHoldingHandler()
        let harness = try await Harness(handler: handler)
        let frames = apiVersionsFrames(version: 3, correlationIDs: 1...3)
        try await harness.channel.writeInbound(frames)
        try await waitUntil("request 1 at the handler") { handler.startOrder == [1] }
        // Request 2 is dispatched but held while request 1 keeps its admission.
        try await harness.channel.testingEventLoop.executeInContext {}
        #expect(handler.startOrder == [1])
        handler.release(1)
        try await waitUntil("request 2 at the handler") { handler.startOrder == [1, 2] }
        handler.release(2)
        try await waitUntil("request 3 at the handler") { handler.startOrder == [1, 2, 3] }
        handler.release(3)
        let answers = try await harness.responses(3)
        #expect(correlationIDs(answers) == [1, 2, 3])
    }

    @Test("pipelined requests completing out of order are answered in request order")
    func ordering() async throws {
        let handler = GatedHandler()
        let harness = try await Harness(handler: handler)
        var frames = apiVersionsFrames(version: 3, correlationIDs: 1...3)
        // Metadata v9 is flexible: its response header is v1 (a tagged-field byte).
        var metadata = requestFrame(key: 3, version: 9, correlationID: 4, body: ByteBuffer(bytes: [1, 0, 0, 0]))
        frames.writeBuffer(&metadata)
        try await harness.channel.writeInbound(frames)
        try await waitUntil("4 requests at the handler") { handler.heads.count == 4 }
        // Handler tasks start concurrently, so they may reach the handler in any order; what
        // must hold is the order of the answers.
        #expect(handler.heads.map(\.correlationID).sorted() == [1, 2, 3, 4])
        #expect(handler.heads.allSatisfy { $0.clientID == "tern-test" })
        handler.complete(3, with: .response(ByteBuffer(bytes: [3])))
        handler.complete(4, with: .response(ByteBuffer(bytes: [4])))
        handler.complete(2, with: .noResponse)
        try await harness.settle(remaining: 1)
        #expect(try await harness.channel.readOutbound(as: IOData.self) == nil)
        handler.complete(1, with: .response(ByteBuffer(bytes: [1])))
        let responses = try await harness.responses(3)
        #expect(correlationIDs(responses) == [1, 3, 4])
        // ApiVersions v3 is flexible yet keeps response header v0: id + body only.
        #expect(Array(responses[0].readableBytesView) == [0, 0, 0, 1, 1])
        #expect(Array(responses[2].readableBytesView) == [0, 0, 0, 4, 0, 4])
    }

    @Test("ApiVersions above the advertised maximum gets UNSUPPORTED_VERSION with a v0 body")
    func apiVersionsTooNew() async throws {
        let handler = GatedHandler()
        let harness = try await Harness(handler: handler, advertised: testAdvertised(apiVersionsMax: 2))
        // v4 (header v2) and v7 (unknown to TernWire, body never parsed).
        var bytes = apiVersionsFrame(version: 4, correlationID: 41)
        var newer = requestFrame(key: 18, version: 7, correlationID: 42, body: ByteBuffer(bytes: [0xFF, 0x00, 0x13]))
        bytes.writeBuffer(&newer)
        try await harness.channel.writeInbound(bytes)
        let responses = try await harness.responses(2)
        #expect(correlationIDs(responses) == [41, 42])
        for var response in responses {
            response.moveReaderIndex(forwardBy: 4)
            let body = try ApiVersionsResponse.decode(from: response, version: 0)
            #expect(body.errorCode == 35)
            #expect(body.apiKeys == [ApiVersionsResponse.ApiVersion(apiKey: 18, minVersion: 0, maxVersion: 2)])
        }
        #expect(handler.heads.isEmpty)
        #expect(harness.channel.isActive)
    }

    @Test(
        "requests outside what is advertised close the connection and never reach the handler",
        arguments: [
            (Int16(999), Int16(0)),  // unknown API key
            (Int16(1), Int16(12)),  // Fetch: known to TernWire, not advertised
            (Int16(0), Int16(11)),  // Produce above the advertised 0...10
            (Int16(3), Int16(-1)),  // a negative version
        ])
    func gateCloses(key: Int16, version: Int16) async throws {
        let handler = GatedHandler()
        let harness = try await Harness(handler: handler)
        var buffer = ByteBuffer()
        buffer.writeInteger(Int32(11))
        buffer.writeInteger(key)
        buffer.writeInteger(version)
        buffer.writeInteger(Int32(5))
        buffer.writeInteger(Int16(-1))
        buffer.writeInteger(UInt8(0))  // an empty tagged-field block for header v2
        try await harness.channel.writeInbound(buffer)
        try await harness.waitClosed()
        #expect(handler.heads.isEmpty)
    }

    @Test("a header that does not decode closes the connection", arguments: [[UInt8(0), 18], [0, 18, 0, 0, 0, 0, 0, 1, 0, 40, 65]])
    func garbageHeader(payload: [UInt8]) async throws {
        let handler = GatedHandler()
        let harness = try await Harness(handler: handler)
        try await harness.channel.writeInbound(ByteBuffer(bytes: framed([payload])))
        try await harness.waitClosed()
        #expect(handler.heads.isEmpty)
    }

    @Test("oversized and non-positive frames close the connection", arguments: [Int32(2_000), 0, -5])
    func badFrameSizes(size: Int32) async throws {
        let harness = try await Harness(handler: GatedHandler(), frameBytesMax: 1_000)
        var buffer = ByteBuffer()
        buffer.writeInteger(size)
        try await harness.channel.writeInbound(buffer)
        try await harness.waitClosed()
    }

    @Test("a close requested by the handler follows earlier answers; later answers are dropped")
    func handlerClose() async throws {
        let handler = GatedHandler()
        let harness = try await Harness(handler: handler)
        var bytes = apiVersionsFrame(version: 0, correlationID: 1)
        var second = apiVersionsFrame(version: 0, correlationID: 2)
        bytes.writeBuffer(&second)
        try await harness.channel.writeInbound(bytes)
        try await waitUntil("2 requests at the handler") { handler.heads.count == 2 }
        handler.complete(2, with: .closeConnection(reason: "test"))
        handler.complete(1, with: .response(ByteBuffer(bytes: [9])))
        #expect(correlationIDs(try await harness.responses(1)) == [1])
        try await harness.waitClosed()
    }

    @Test("reading stops at the in-flight bound and resumes when answers drain")
    func backpressure() async throws {
        let handler = GatedHandler()
        let harness = try await Harness(handler: handler, inFlightMax: 2)
        let readsBefore = harness.counter.reads
        try await harness.channel.writeInbound(apiVersionsFrame(version: 0, correlationID: 1))
        harness.channel.read()
        try await waitUntil("a read to pass") { harness.counter.reads == readsBefore + 1 }
        try await harness.channel.writeInbound(apiVersionsFrame(version: 0, correlationID: 2))
        try await waitUntil("2 requests at the handler") { handler.heads.count == 2 }
        harness.channel.read()
        harness.channel.read()
        handler.complete(2, with: .response(ByteBuffer(bytes: [2])))
        try await harness.settle(remaining: 1)
        // Still held: the first request is unanswered, so both slots are taken.
        #expect(try await harness.channel.readOutbound(as: IOData.self) == nil)
        #expect(harness.counter.reads == readsBefore + 1)
        handler.complete(1, with: .response(ByteBuffer(bytes: [1])))
        #expect(correlationIDs(try await harness.responses(2)) == [1, 2])
        try await waitUntil("the held read to be released") { harness.counter.reads == readsBefore + 2 }
    }

    @Test("answers completing after the connection closed are dropped without a crash")
    func answerAfterClose() async throws {
        let handler = GatedHandler()
        let harness = try await Harness(handler: handler)
        try await harness.channel.writeInbound(apiVersionsFrame(version: 0, correlationID: 1))
        try await waitUntil("the request at the handler") { handler.heads.count == 1 }
        try await harness.channel.close()
        #expect(handler.complete(1, with: .response(ByteBuffer(bytes: [1]))))
        try await harness.waitClosed()
        try await harness.settle()
        #expect(try await harness.channel.readOutbound(as: IOData.self) == nil)
    }
}
