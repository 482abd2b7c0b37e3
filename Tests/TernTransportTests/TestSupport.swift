// Helpers shared by the TernTransport tests: request frame builders, request handlers whose
// completion the test controls, and polling with a deadline (never a fixed sleep).
import NIOCore
import Synchronization
import TernTransport
import TernWire

/// A whole request frame (size prefix, header in the version its key and version imply, body).
func requestFrame(key: Int16, version: Int16, correlationID: Int32, clientID: String? = "tern-test", body: ByteBuffer)
    -> ByteBuffer
{
    var writer = WireWriter()
    writer.writeInteger(Int32(0))
    let header = RequestHeader(apiKey: key, apiVersion: version, correlationID: correlationID, clientID: clientID)
    header.encode(into: &writer, headerVersion: RequestHeader.version(apiKey: key, apiVersion: version) ?? 1)
    var buffer = writer.buffer
    var body = body
    buffer.writeBuffer(&body)
    buffer.setInteger(Int32(buffer.readableBytes - 4), at: 0)
    return buffer
}

/// An ApiVersions request frame at `version` (0...4; v3+ carry client software name/version).
func apiVersionsFrame(version: Int16, correlationID: Int32) -> ByteBuffer {
    let body = ApiVersionsRequest(clientSoftwareName: "tern-test", clientSoftwareVersion: "1.0").encoded(version: version)
    return requestFrame(key: 18, version: version, correlationID: correlationID, body: body)
}

/// The versions the tests advertise: ApiVersions up to `apiVersionsMax`, Metadata 0–12,
/// Produce 0–10 (wider than TernWire's codec range, as the broker will).
func testAdvertised(apiVersionsMax: Int16 = 4) -> AdvertisedApiVersions {
    AdvertisedApiVersions([.apiVersions: 0...apiVersionsMax, .metadata: 0...12, .produce: 0...10])
}

/// Answers ApiVersions with the generated `ApiVersionsResponse` listing `advertised`; answers
/// anything else with an empty body. Counts the requests it saw.
final class ApiVersionsHandler: KafkaRequestHandling {
    let advertised: AdvertisedApiVersions
    private let seen = Mutex<Int>(0)

    init(advertised: AdvertisedApiVersions) {
        self.advertised = advertised
    }

    var requestsSeen: Int { seen.withLock { $0 } }

    func handle(_ request: KafkaRequest, connection: KafkaConnectionInfo) async -> KafkaResponseAction {
        seen.withLock { $0 += 1 }
        guard request.head.apiKey == .apiVersions else { return .response(ByteBuffer()) }
        do {
            _ = try ApiVersionsRequest.decode(from: request.body, version: request.head.apiVersion)
        } catch {
            return .closeConnection(reason: "bad ApiVersions body: \(error)")
        }
        let response = ApiVersionsResponse(apiKeys: advertised.entries)
        return .response(response.encoded(version: request.head.apiVersion))
    }
}

/// Parks every request until the test completes it by correlation id, so tests choose the
/// completion order.
final class GatedHandler: KafkaRequestHandling {
    private let parked = Mutex<[Int32: CheckedContinuation<KafkaResponseAction, Never>]>([:])
    private let arrivals = Mutex<[KafkaRequestHead]>([])
    private let cancelled = Mutex<Int>(0)

    /// How many requests found their task cancelled when they were completed.
    var cancelledCount: Int { cancelled.withLock { $0 } }

    /// Heads of the requests received so far, in arrival order.
    var heads: [KafkaRequestHead] { arrivals.withLock { $0 } }

    /// How many handler tasks have been told they are cancelled (while still parked or later), so
    /// a test can wait for the cancellation instead of racing it.
    var cancellationSignals: Int { signals.withLock { $0 } }
    private let signals = Mutex<Int>(0)

    func handle(_ request: KafkaRequest, connection: KafkaConnectionInfo) async -> KafkaResponseAction {
        // Order does not matter to this handler: let the connection's next request start.
        request.admission.release()
        let action = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                parked.withLock { $0[request.head.correlationID] = continuation }
                arrivals.withLock { $0.append(request.head) }
            }
        } onCancel: {
            signals.withLock { $0 += 1 }
        }
        if Task.isCancelled {
            cancelled.withLock { $0 += 1 }
        }
        return action
    }

    /// Completes the parked request `correlationID` with `action`; false if it is not parked.
    @discardableResult
    func complete(_ correlationID: Int32, with action: KafkaResponseAction) -> Bool {
        guard let continuation = parked.withLock({ $0.removeValue(forKey: correlationID) }) else { return false }
        continuation.resume(returning: action)
        return true
    }

    /// Completes everything still parked (so no continuation leaks at the end of a test).
    func completeAll() {
        let all = parked.withLock { parked in
            defer { parked.removeAll() }
            return Array(parked.values)
        }
        for continuation in all { continuation.resume(returning: .noResponse) }
    }
}

struct DeadlineExceeded: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(what)" }
}

/// Polls `condition` until it holds or `seconds` pass (generous: the machine is loaded).
func waitUntil(_ what: String, seconds: Double = 20, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(2))
    }
    throw DeadlineExceeded(what: what)
}

/// Holds each request's admission until the test releases it, and answers at once after that:
/// shows that a connection's next request starts only once the previous one let it.
final class AdmissionHoldingHandler: KafkaRequestHandling {
    private let admissions = Mutex<[Int32: Admission]>([:])
    private let started = Mutex<[Int32]>([])

    /// Correlation ids of the requests the handler has seen, in the order they started.
    var startOrder: [Int32] { started.withLock { $0 } }

    /// Releases the admission of request `correlationID`; false if it has not started.
    @discardableResult
    func release(_ correlationID: Int32) -> Bool {
        guard let admission = admissions.withLock({ $0[correlationID] }) else { return false }
        admission.release()
        return true
    }

    func handle(_ request: KafkaRequest, connection: KafkaConnectionInfo) async -> KafkaResponseAction {
        admissions.withLock { $0[request.head.correlationID] = request.admission }
        started.withLock { $0.append(request.head.correlationID) }
        // Wait (bounded by the test's deadline) until the test releases this admission.
        for _ in 0..<30_000 where !request.admission.isReleased {
            try? await Task.sleep(for: .milliseconds(1))
        }
        return .response(ByteBuffer(bytes: [UInt8(truncatingIfNeeded: request.head.correlationID)]))
    }
}
