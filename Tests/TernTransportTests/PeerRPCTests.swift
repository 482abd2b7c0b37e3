// Goal: the inter-broker RPC multiplexes concurrent requests over one connection, delivers
// one-way frames, refuses what is not a Tern peer frame, tells its owner when a connection is
// lost (and whether the peer's kernel reset it), fails waiting requests instead of hanging, and
// reconnects once the peer is back, no sooner than the backoff. Method: `PeerServer` and
// `PeerClient` over 127.0.0.1 with NIOPosix; the "peer process" is a server that is shut down
// and started again on the same port; waits poll with deadlines.
import Logging
import NIOCore
import NIOEmbedded
import NIOPosix
import Synchronization
import Testing
import TernModel

@testable import TernTransport

/// Echoes requests (prefixed with the API key) and records one-way frames.
final class EchoPeer: PeerRequestHandling {
    let oneWay = Mutex<[String]>([])

    func handle(_ frame: PeerFrame) async -> ByteBuffer {
        ByteBuffer(string: "\(frame.apiKey):\(String(buffer: frame.body))")
    }

    /// One-way frames arrive here, on the connection's loop, in order.
    func receive(_ frame: PeerFrame) {
        oneWay.withLock { $0.append(String(buffer: frame.body)) }
    }
}

@Suite("Peer RPC", .serialized)
struct PeerRPCTests {
    let logger = Logger(label: "tern.peer.test")

    /// Runs `body` with a client connected (lazily) to an `EchoPeer` server, then tears both down.
    private func withEchoPeer(_ body: (PeerClient, EchoPeer) async throws -> Void) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let peer = EchoPeer()
        let server = try await PeerServer.start(
            host: "127.0.0.1", port: 0, group: group, frameBytesMax: 1 << 20, handler: peer, logger: logger)
        let port = try #require(server.localAddress.port)
        let client = PeerClient(host: "127.0.0.1", port: port, group: group, frameBytesMax: 1 << 20)
        try await body(client, peer)
        await client.close()
        await server.shutdown()
        try await group.shutdownGracefully()
    }

    @Test("concurrent requests are answered by correlation id; one-way frames arrive")
    func multiplexing() async throws {
        try await withEchoPeer { client, peer async throws in
            let answers = try await withThrowingTaskGroup(of: (Int, String).self) { tasks in
                for index in 0..<200 {
                    tasks.addTask {
                        let body = try await client.request(
                            apiKey: 1_001, body: ByteBuffer(string: "m\(index)"), timeout: .seconds(30))
                        return (index, String(buffer: body))
                    }
                }
                var collected: [Int: String] = [:]
                for try await (index, text) in tasks { collected[index] = text }
                return collected
            }
            #expect(answers.count == 200)
            for (index, text) in answers { #expect(text == "1001:m\(index)") }
            for index in 0..<5 { #expect(await client.post(apiKey: 1_002, body: ByteBuffer(string: "p\(index)"))) }
            #expect(try await waitFor { peer.oneWay.withLock { $0.count } == 5 })
            #expect(peer.oneWay.withLock { $0 } == (0..<5).map { "p\($0)" })
        }
    }

    @Test("one-way frames posted before the connection is up are held and arrive in order")
    func postsBeforeConnecting() async throws {
        try await withEchoPeer { client, peer async throws in
            // Nothing connected yet: the first post starts the connection, all of them are held.
            for index in 0..<20 { #expect(await client.post(apiKey: 1_002, body: ByteBuffer(string: "q\(index)"))) }
            #expect(try await waitFor { peer.oneWay.withLock { $0.count } == 20 })
            #expect(peer.oneWay.withLock { $0 } == (0..<20).map { "q\($0)" })
            await client.close()
            #expect(await !client.post(apiKey: 1_002, body: ByteBuffer(string: "late")), "a closed client drops posts")
        }
    }

    @Test("a lost peer fails waiting requests, is reported, and is reconnected once back")
    func lossAndReconnect() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let losses = Mutex<[PeerConnectionLoss]>([])
        let slow = SlowPeer()
        var server = try await PeerServer.start(
            host: "127.0.0.1", port: 0, group: group, frameBytesMax: 1 << 20, handler: slow, logger: logger)
        let port = try #require(server.localAddress.port)
        let client = PeerClient(
            host: "127.0.0.1", port: port, group: group, frameBytesMax: 1 << 20, backoffInitial: .milliseconds(50),
            backoffMax: .milliseconds(200)
        ) { loss in losses.withLock { $0.append(loss) } }
        #expect(String(buffer: try await client.request(apiKey: 1_000, body: ByteBuffer(string: "a"), timeout: .seconds(30))) == "ok")

        // A request the peer never answers, then the peer goes away: the request fails.
        slow.hold.withLock { $0 = true }
        let stuck = Task { try await client.request(apiKey: 1_000, body: ByteBuffer(string: "b"), timeout: .seconds(60)) }
        #expect(try await waitFor { slow.held.withLock { $0 } == 1 })
        await server.shutdown()
        await #expect(throws: PeerError.self) { _ = try await stuck.value }
        slow.release()
        #expect(try await waitFor { !losses.withLock { $0 }.isEmpty })
        #expect(await !client.isConnected)

        // While it is down, calls fail fast; once it is back, the client reconnects.
        await #expect(throws: PeerError.self) {
            _ = try await client.request(apiKey: 1_000, body: ByteBuffer(string: "c"), timeout: .seconds(5))
        }
        // Nobody listens: the refused reconnect is reported as a reset (the peer's kernel answered).
        #expect(losses.withLock { $0 }.contains(.reset), "\(losses.withLock { $0 })")
        slow.hold.withLock { $0 = false }
        server = try await PeerServer.start(
            host: "127.0.0.1", port: port, group: group, frameBytesMax: 1 << 20, handler: slow, logger: logger)
        #expect(try await waitFor {
            (try? await client.request(apiKey: 1_000, body: ByteBuffer(string: "d"), timeout: .seconds(5))) != nil
        })
        await client.close()
        await server.shutdown()
        try await group.shutdownGracefully()
    }

    @Test("a request without an answer times out")
    func timeout() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let slow = SlowPeer()
        slow.hold.withLock { $0 = true }
        let server = try await PeerServer.start(
            host: "127.0.0.1", port: 0, group: group, frameBytesMax: 1 << 20, handler: slow, logger: logger)
        let client = PeerClient(
            host: "127.0.0.1", port: try #require(server.localAddress.port), group: group, frameBytesMax: 1 << 20)
        do {
            _ = try await client.request(apiKey: 1_000, body: ByteBuffer(), timeout: .milliseconds(200))
            Issue.record("an unanswered request returned")
        } catch {
            #expect(error.kind == .timedOut)
        }
        await client.close()
        await server.shutdown()
        slow.hold.withLock { $0 = false }
        slow.release()
        try await group.shutdownGracefully()
    }

    @Test("frames that are not Tern peer frames close the connection")
    func decoderRefusals() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(PeerFrameDecoder(frameBytesMax: 64)))
        // A Kafka ApiVersions request on the RPC port: API key 18.
        var kafka = ByteBuffer()
        kafka.writeInteger(Int32(10))
        kafka.writeInteger(Int8(0))
        kafka.writeInteger(Int16(18))
        kafka.writeInteger(Int32(1))
        kafka.writeBytes([0, 0, 0])
        #expect(throws: PeerFrameError.self) { try channel.writeInbound(kafka) }

        let second = EmbeddedChannel(handler: ByteToMessageHandler(PeerFrameDecoder(frameBytesMax: 64)))
        var huge = ByteBuffer()
        huge.writeInteger(Int32(1 << 30))
        #expect(throws: PeerFrameError.self) { try second.writeInbound(huge) }

        let third = EmbeddedChannel(handler: ByteToMessageHandler(PeerFrameDecoder(frameBytesMax: 64)))
        var good = ByteBuffer()
        try PeerFrameEncoder().encode(
            data: PeerFrame(kind: .request, apiKey: 1_000, correlationID: 7, body: ByteBuffer(string: "x")), out: &good)
        try third.writeInbound(good)
        let frame = try third.readInbound(as: PeerFrame.self)
        #expect(frame == PeerFrame(kind: .request, apiKey: 1_000, correlationID: 7, body: ByteBuffer(string: "x")))
        #expect(try third.finish().isClean)
    }
}

/// Answers "ok", or (while `hold`) parks requests until its connections are closed.
final class SlowPeer: PeerRequestHandling {
    let hold = Mutex(false)
    let held = Mutex(0)
    private let parked = Mutex<[CheckedContinuation<Void, Never>]>([])

    func handle(_ frame: PeerFrame) async -> ByteBuffer {
        if hold.withLock({ $0 }) {
            held.withLock { $0 += 1 }
            await withCheckedContinuation { continuation in parked.withLock { $0.append(continuation) } }
        }
        return ByteBuffer(string: "ok")
    }

    /// Lets parked handlers finish (their answers go nowhere once the connection is closed).
    func release() {
        for continuation in parked.withLock({ state in defer { state = [] }; return state }) { continuation.resume() }
    }
}

/// Polls `condition` every 10 ms for up to 30 s.
func waitFor(_ condition: () async throws -> Bool) async throws -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: .seconds(30))
    while clock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}
