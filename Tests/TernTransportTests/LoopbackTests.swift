// Goal: the listener works over real sockets with real clients: ApiVersions answered through
// the generated messages, pipelined requests answered in order, UNSUPPORTED_VERSION negotiated
// with kafka-python 2.3.3, garbage connections closed while others keep being served, and a
// clean shutdown with requests still in flight.
// Method: `KafkaListener` on 127.0.0.1 port 0 with a `MultiThreadedEventLoopGroup`; clients are
// python3 scripts (a raw-socket client and kafka-python's `BrokerConnection`, see
// LoopbackScripts.swift) and an NIO client channel. Waits are on futures, process exits and
// deadline-bounded polls.
import Foundation
import Logging
import NIOCore
import NIOPosix
import Testing
import TernWire

@testable import TernTransport

/// Runs `python3 -c script args...` without blocking a thread; returns exit status and output.
func runPython(_ script: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    let status: Int32 = try await withCheckedThrowingContinuation { continuation in
        process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
        do {
            try process.run()
        } catch {
            process.terminationHandler = nil
            continuation.resume(throwing: error)
        }
    }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    return (status, String(decoding: data, as: UTF8.self))
}

/// Starts a listener with `handler` and runs `body`, shutting everything down afterwards.
func withListener(
    advertised: AdvertisedApiVersions, handler: any KafkaRequestHandling,
    _ body: (KafkaListener, MultiThreadedEventLoopGroup) async throws -> Void
) async throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let listener = try await KafkaListener.start(
        host: "127.0.0.1", port: 0, group: group,
        configuration: KafkaListenerConfiguration(advertisedVersions: advertised, frameBytesMax: 64 * 1024),
        handler: handler, logger: Logger(label: "tern.transport.test"))
    do {
        try await body(listener, group)
    } catch {
        await listener.shutdown()
        try await group.shutdownGracefully()
        throw error
    }
    await listener.shutdown()
    try await group.shutdownGracefully()
}

@Suite("Loopback", .serialized)
struct LoopbackTests {
    @Test("a raw socket client is served while garbage connections are closed", arguments: [Int16(4), 2])
    func rawSocket(apiVersionsMax: Int16) async throws {
        let advertised = testAdvertised(apiVersionsMax: apiVersionsMax)
        let handler = ApiVersionsHandler(advertised: advertised)
        try await withListener(advertised: advertised, handler: handler) { listener, _ in
            let port = try #require(listener.localAddress.port)
            let result = try await runPython(rawSocketScript, ["\(port)", "\(apiVersionsMax)"])
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.hasSuffix("OK\n"), "\(result.output)")
        }
        // 2 pipelined + 10 sequential ApiVersions on the good connection (the v3 one answered
        // by the transport when above the maximum), nothing from the garbage connections.
        #expect(handler.requestsSeen == (apiVersionsMax >= 3 ? 12 : 11))
    }

    @Test("kafka-python negotiates ApiVersions", arguments: [Int16(4), 2])
    func kafkaPython(apiVersionsMax: Int16) async throws {
        let advertised = testAdvertised(apiVersionsMax: apiVersionsMax)
        let handler = ApiVersionsHandler(advertised: advertised)
        try await withListener(advertised: advertised, handler: handler) { listener, _ in
            let port = try #require(listener.localAddress.port)
            let result = try await runPython(kafkaPythonScript, ["\(port)", "\(apiVersionsMax)"])
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("negotiated ApiVersions v\(apiVersionsMax)"), "\(result.output)")
        }
        // v4 is answered by the transport (UNSUPPORTED_VERSION) when 2 is the maximum: the
        // handler sees only the request it can serve.
        #expect(handler.requestsSeen == 1)
    }

    @Test("shutdown closes connections with requests in flight; late answers are dropped")
    func shutdownWithRequestsInFlight() async throws {
        let handler = GatedHandler()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let listener = try await KafkaListener.start(
            host: "127.0.0.1", port: 0, group: group,
            configuration: KafkaListenerConfiguration(advertisedVersions: testAdvertised()),
            handler: handler, logger: Logger(label: "tern.transport.test"))
        let client = try await ClientBootstrap(group: group).connect(to: listener.localAddress).get()
        try await client.writeAndFlush(apiVersionsFrame(version: 0, correlationID: 7)).get()
        try await waitUntil("the request at the handler") { handler.heads.count == 1 }
        // Shutdown closes the connection at once, then cancels the handler's task and waits
        // for it to return (this handler returns only when completed).
        async let stopped: Void = listener.shutdown()
        try await waitUntil("the client to see the close") { !client.isActive }
        try await waitUntil("shutdown to cancel the handler's task") { handler.cancellationSignals == 1 }
        try await waitUntil("the request to be parked") { handler.complete(7, with: .response(ByteBuffer(bytes: [1]))) }
        await stopped
        #expect(handler.cancelledCount == 1)
        await #expect(throws: (any Error).self) {
            _ = try await ClientBootstrap(group: group).connect(to: listener.localAddress).get()
        }
        await listener.shutdown()
        try await group.shutdownGracefully()
    }
}
