// Helpers for the in-process broker tests: start a `Broker` on a fresh data directory, call an API
// at a version through `Broker.handle` (the same entry point the Kafka listener uses), build
// producer-style record batches, and read batches back.
//
// Every broker a test starts is shut down on every path (`withBroker`, or `TestBroker.start` plus
// an explicit `shutdown` in the restart tests); polling waits have deadlines.
import Foundation
import Logging
import NIOCore
import Synchronization
@testable import TernBroker
import TernModel
import TernTransport
import TernWire
import Testing

/// A failed expectation that ends a test (a call that did not answer, a wait that timed out).
struct BrokerTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A wall clock for the broker: the system time, or a time the test sets (LogAppendTime,
/// timestamp lookups). Frozen time is safe for the broker: its deadlines only bound waits.
final class TestClock: Sendable {
    private let frozen: Mutex<Int64?>

    /// The system clock, or frozen at `frozenAt` milliseconds.
    init(frozenAt: Int64? = nil) { frozen = Mutex(frozenAt) }

    /// Freezes the clock at `milliseconds`.
    func set(_ milliseconds: Int64) { frozen.withLock { $0 = milliseconds } }

    /// The current reading.
    var now: Int64 { frozen.withLock { $0 } ?? systemMilliseconds() }

    /// The clock as the broker takes it.
    var brokerClock: BrokerClock { BrokerClock { [self] in TimestampMs(self.now) } }
}

/// Milliseconds since the Unix epoch.
func systemMilliseconds() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

/// A fresh, empty directory under the system temporary directory.
func makeTemporaryDirectory(_ label: String = "tern-broker-test") throws -> String {
    let path = FileManager.default.temporaryDirectory.path + "/\(label)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// One running broker and the requests tests send it.
final class TestBroker: Sendable {
    let broker: Broker
    let dataDirectory: String
    private let correlation = Atomic<Int32>(0)

    private init(broker: Broker, dataDirectory: String) {
        self.broker = broker
        self.dataDirectory = dataDirectory
    }

    /// A configuration for one test broker: every listener on 127.0.0.1 port 0, data in `directory`.
    static func configuration(
        directory: String, nodeID: Int32 = 1, _ adjust: (inout BrokerConfiguration) -> Void = { _ in }
    ) -> BrokerConfiguration {
        var configuration = BrokerConfiguration()
        configuration.nodeID = NodeID(nodeID)
        configuration.dataDirectory = directory
        configuration.kafkaListener = HostPort(host: "127.0.0.1", port: 0)
        configuration.rpcListener = HostPort(host: "127.0.0.1", port: 0)
        configuration.adminListener = HostPort(host: "127.0.0.1", port: 0)
        adjust(&configuration)
        return configuration
    }

    /// Starts a broker with `configuration`.
    static func start(
        _ configuration: BrokerConfiguration, clock: TestClock = TestClock(), seed: UInt64 = 0x7E57
    ) async throws -> TestBroker {
        var logger = Logger(label: "tern.broker-test")
        logger.logLevel = .warning
        let broker = try await Broker.start(
            configuration: configuration, clock: clock.brokerClock, seed: seed, logger: logger)
        return TestBroker(broker: broker, dataDirectory: configuration.dataDirectory)
    }

    func shutdown() async { await broker.shutdown() }

    // MARK: Calling APIs

    /// What the broker does with `body` sent as `apiKey` v`version`.
    func action(_ apiKey: ApiKey, version: Int16, body: ByteBuffer) async -> KafkaResponseAction {
        let id = correlation.wrappingAdd(1, ordering: .relaxed).newValue
        let head = KafkaRequestHead(apiKey: apiKey, apiVersion: version, correlationID: id, clientID: "broker-tests")
        return await broker.handle(
            KafkaRequest(head: head, body: body), connection: KafkaConnectionInfo(id: 1, remoteAddress: nil, localAddress: nil))
    }

    /// What the broker does with `request` encoded at `version`.
    func action<Request: KafkaRequestMessage>(_ request: Request, version: Int16) async -> KafkaResponseAction {
        guard let key = ApiKey(rawValue: Request.apiKey) else { preconditionFailure("generated messages have known keys") }
        return await action(key, version: version, body: request.encoded(version: version))
    }

    /// Sends `request` at `version` and decodes the answer at the same version (every byte of it).
    func call<Request: KafkaRequestMessage>(_ request: Request, version: Int16) async throws -> Request.Response {
        switch await action(request, version: version) {
        case .response(let body):
            return try Request.Response.decode(from: body, version: version)
        case .responseParts(let parts):
            return try Request.Response.decode(from: try Self.joined(parts), version: version)
        case .noResponse:
            throw BrokerTestError("\(Request.self) v\(version): no response")
        case .closeConnection(let reason):
            throw BrokerTestError("\(Request.self) v\(version): connection closed: \(reason)")
        }
    }

    /// Waits (polling, 30 s at most) until `count` long-polling fetches are parked on the
    /// partition, i.e. its replica holds their unfired wakeups: a test that then produces
    /// exercises the wake-up path instead of racing the fetch.
    func waitForParkedFetches(_ topic: String, partition: Int32 = 0, count: Int = 1) async throws {
        let replica = try #require(broker.replica(TopicPartition(topic: topic, partition: PartitionID(partition))))
        let parked = try await eventually { await replica.fetchWakeups.filter { !$0.hasFired }.count >= count }
        try #require(parked, "no long poll parked on \(topic)-\(partition)")
    }

    /// The body a `.responseParts` answer puts on the wire, read into memory.
    static func joined(_ parts: [ResponsePart]) throws -> ByteBuffer {
        guard let body = KafkaResponseAction.responseParts(parts).flattenedBody() else {
            throw BrokerTestError("a file part of the response cannot be read")
        }
        return body
    }

    // MARK: Topics

    /// Creates a topic (CreateTopics v7) and returns its id; any error fails the test.
    @discardableResult
    func createTopic(_ name: String, partitions: Int32 = 1, configs: [String: String] = [:]) async throws -> KafkaUUID {
        let request = CreateTopicsRequest(
            topics: [
                CreateTopicsRequest.CreatableTopic(
                    name: name, numPartitions: partitions, replicationFactor: 1,
                    configs: configs.sorted { $0.key < $1.key }.map {
                        CreateTopicsRequest.CreatableTopicConfig(name: $0.key, value: $0.value)
                    })
            ], timeoutMs: 30_000)
        let response = try await call(request, version: 7)
        let result = try #require(response.topics.first)
        guard result.errorCode == 0 else {
            throw BrokerTestError("creating \(name): error \(result.errorCode) \(result.errorMessage ?? "")")
        }
        return result.topicId
    }

    /// Metadata for `topics` (nil: all) at `version`.
    func metadata(_ topics: [String]?, version: Int16 = 12, allowAutoCreation: Bool = false) async throws
        -> MetadataResponse
    {
        let request = MetadataRequest(
            topics: topics?.map { MetadataRequest.MetadataRequestTopic(name: $0) },
            allowAutoTopicCreation: allowAutoCreation)
        return try await call(request, version: version)
    }

    /// The leader epoch Metadata v12 reports for one partition.
    func leaderEpoch(_ topic: String, partition: Int32 = 0) async throws -> Int32 {
        let response = try await metadata([topic])
        let found = response.topics.first?.partitions.first { $0.partitionIndex == partition }
        return try #require(found).leaderEpoch
    }

    // MARK: Produce, Fetch, ListOffsets

    /// Produces `records` (raw batch bytes) to one partition and returns its answer.
    func produce(
        _ topic: String, partition: Int32 = 0, records: ByteBuffer?, acks: Int16 = -1, version: Int16 = 9,
        timeoutMs: Int32 = 30_000
    ) async throws -> ProduceResponse.PartitionProduceResponse {
        let response = try await call(
            Self.produceRequest(topic, partition: partition, records: records, acks: acks, timeoutMs: timeoutMs),
            version: version)
        let answer = response.responses.first { $0.name == topic }?.partitionResponses.first { $0.index == partition }
        return try #require(answer)
    }

    /// Produces and requires success; returns the base offset.
    @discardableResult
    func produceOK(_ topic: String, partition: Int32 = 0, records: ByteBuffer, acks: Int16 = -1) async throws -> Int64 {
        let answer = try await produce(topic, partition: partition, records: records, acks: acks)
        guard answer.errorCode == 0 else {
            throw BrokerTestError("produce to \(topic)-\(partition): error \(answer.errorCode) \(answer.errorMessage ?? "")")
        }
        return answer.baseOffset
    }

    static func produceRequest(
        _ topic: String, partition: Int32 = 0, records: ByteBuffer?, acks: Int16, timeoutMs: Int32 = 30_000
    ) -> ProduceRequest {
        ProduceRequest(
            acks: acks, timeoutMs: timeoutMs,
            topicData: [
                ProduceRequest.TopicProduceData(
                    name: topic, partitionData: [ProduceRequest.PartitionProduceData(index: partition, records: records)])
            ])
    }

    /// A Fetch request for one partition.
    static func fetchRequest(
        _ topic: String, partition: Int32 = 0, offset: Int64, maxWaitMs: Int32 = 0, minBytes: Int32 = 0,
        partitionMaxBytes: Int32 = 1 << 20, maxBytes: Int32 = Int32.max, currentLeaderEpoch: Int32 = -1
    ) -> FetchRequest {
        FetchRequest(
            maxWaitMs: maxWaitMs, minBytes: minBytes, maxBytes: maxBytes,
            topics: [
                FetchRequest.FetchTopic(
                    topic: topic,
                    partitions: [
                        FetchRequest.FetchPartition(
                            partition: partition, currentLeaderEpoch: currentLeaderEpoch, fetchOffset: offset,
                            partitionMaxBytes: partitionMaxBytes)
                    ])
            ])
    }

    /// Fetches one partition and returns its part of the answer.
    func fetch(
        _ topic: String, partition: Int32 = 0, offset: Int64, maxWaitMs: Int32 = 0, minBytes: Int32 = 0,
        partitionMaxBytes: Int32 = 1 << 20, maxBytes: Int32 = Int32.max, currentLeaderEpoch: Int32 = -1,
        version: Int16 = 12
    ) async throws -> FetchResponse.PartitionData {
        let request = Self.fetchRequest(
            topic, partition: partition, offset: offset, maxWaitMs: maxWaitMs, minBytes: minBytes,
            partitionMaxBytes: partitionMaxBytes, maxBytes: maxBytes, currentLeaderEpoch: currentLeaderEpoch)
        let response = try await call(request, version: version)
        let data = response.responses.first { $0.topic == topic }?.partitions.first { $0.partitionIndex == partition }
        return try #require(data)
    }

    /// Every batch of a partition from `start` up to its high watermark, each as its own buffer,
    /// and the high watermark.
    func fetchAll(_ topic: String, partition: Int32 = 0, from start: Int64 = 0) async throws
        -> (batches: [ByteBuffer], highWatermark: Int64)
    {
        var batches: [ByteBuffer] = []
        var next = start
        var highWatermark: Int64 = -1
        // Bounded: each round returns at least one batch or ends the loop.
        for _ in 0..<10_000 {
            let data = try await fetch(topic, partition: partition, offset: next)
            guard data.errorCode == 0 else {
                throw BrokerTestError("fetch \(topic)-\(partition) at \(next): error \(data.errorCode)")
            }
            highWatermark = data.highWatermark
            let split = try TestBatch.split(data.records ?? ByteBuffer())
            guard let last = split.last else { break }
            batches += split
            next = try RecordBatchHeader(parsing: last).nextOffset.rawValue
            if next >= highWatermark { break }
        }
        return (batches, highWatermark)
    }

    /// ListOffsets for one partition at `version`.
    func listOffset(
        _ topic: String, partition: Int32 = 0, timestamp: Int64, currentLeaderEpoch: Int32 = -1, version: Int16 = 7
    ) async throws -> ListOffsetsResponse.ListOffsetsPartitionResponse {
        let request = ListOffsetsRequest(
            replicaId: -1,
            topics: [
                ListOffsetsRequest.ListOffsetsTopic(
                    name: topic,
                    partitions: [
                        ListOffsetsRequest.ListOffsetsPartition(
                            partitionIndex: partition, currentLeaderEpoch: currentLeaderEpoch, timestamp: timestamp)
                    ])
            ])
        let response = try await call(request, version: version)
        let answer = response.topics.first { $0.name == topic }?.partitions.first { $0.partitionIndex == partition }
        return try #require(answer)
    }

    /// The high watermark (ListOffsets latest).
    func highWatermark(_ topic: String, partition: Int32 = 0) async throws -> Int64 {
        let answer = try await listOffset(topic, partition: partition, timestamp: -1)
        guard answer.errorCode == 0 else { throw BrokerTestError("ListOffsets latest: error \(answer.errorCode)") }
        return answer.offset
    }

    /// DescribeConfigs of one topic: name → (value, source).
    func topicConfigs(_ topic: String, version: Int16 = 4) async throws -> [String: (value: String?, source: Int8)] {
        let request = DescribeConfigsRequest(
            resources: [DescribeConfigsRequest.DescribeConfigsResource(resourceType: 2, resourceName: topic)])
        let response = try await call(request, version: version)
        let result = try #require(response.results.first)
        guard result.errorCode == 0 else { throw BrokerTestError("DescribeConfigs \(topic): error \(result.errorCode)") }
        var configs: [String: (value: String?, source: Int8)] = [:]
        for config in result.configs { configs[config.name] = (config.value, config.configSource) }
        return configs
    }
}

/// Runs `body` against a fresh broker on a fresh data directory, shutting it down (and removing
/// the directory) however `body` ends.
func withBroker(
    clock: TestClock = TestClock(), _ adjust: (inout BrokerConfiguration) -> Void = { _ in },
    _ body: (TestBroker) async throws -> Void
) async throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try await withLifetime(TestBroker.configuration(directory: directory, adjust), clock: clock, body)
}

/// Runs `body` with a broker started on `configuration` (an existing data directory, for
/// restarts), shutting it down afterwards whether `body` threw or not.
@discardableResult
func withLifetime<Result>(
    _ configuration: BrokerConfiguration, clock: TestClock = TestClock(), _ body: (TestBroker) async throws -> Result
) async throws -> Result {
    let broker = try await TestBroker.start(configuration, clock: clock)
    do {
        let result = try await body(broker)
        await broker.shutdown()
        return result
    } catch {
        await broker.shutdown()
        throw error
    }
}

/// Waits until `condition` holds, polling, for at most `timeout`; false if it never did.
func eventually(
    timeout: Duration = .seconds(30), _ condition: () async throws -> Bool
) async throws -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while clock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}

/// Producer-style record batches and ways to look at fetched ones.
enum TestBatch {
    /// A batch of `count` records with keys `key-<tag>-i` and values `value-<tag>-i` padded to at
    /// least `valueBytes`; record i has timestamp `baseTimestamp + i * timestampStep` (by default
    /// from now, so that retention and segment rolling see fresh records).
    static func records(
        _ count: Int, tag: String = "r", baseTimestamp: Int64 = systemMilliseconds(), timestampStep: Int64 = 1,
        valueBytes: Int = 0, compression: CompressionCodec = .none
    ) -> ByteBuffer {
        batch(count, tag: tag, baseTimestamp: baseTimestamp, timestampStep: timestampStep, valueBytes: valueBytes,
            compression: compression).encoded()
    }

    /// The batch `records` encodes, as a value.
    static func batch(
        _ count: Int, tag: String = "r", baseTimestamp: Int64 = systemMilliseconds(), timestampStep: Int64 = 1,
        valueBytes: Int = 0, compression: CompressionCodec = .none
    ) -> RecordBatch {
        let list = (0..<count).map { index in
            var value = "value-\(tag)-\(index)"
            if value.utf8.count < valueBytes { value += String(repeating: "v", count: valueBytes - value.utf8.count) }
            return Record(
                timestampDelta: Int64(index) * timestampStep, offsetDelta: Int32(index),
                key: ByteBuffer(string: "key-\(tag)-\(index)"), value: ByteBuffer(string: value))
        }
        return RecordBatch(compression: compression, baseTimestamp: TimestampMs(baseTimestamp), records: list)
    }

    /// A batch whose records have the given timestamps (in order).
    static func records(timestamps: [Int64], tag: String = "t") -> ByteBuffer {
        let base = timestamps[0]
        let list = timestamps.enumerated().map { index, time in
            Record(
                timestampDelta: time - base, offsetDelta: Int32(index), key: ByteBuffer(string: "key-\(tag)-\(index)"),
                value: ByteBuffer(string: "value-\(tag)-\(index)"))
        }
        return RecordBatch(baseTimestamp: TimestampMs(base), records: list).encoded()
    }

    /// `batch` changed by `change` (positions relative to the batch start), then resealed with a
    /// correct CRC, so that only the change itself can be refused.
    static func resealed(_ batch: ByteBuffer, _ change: (inout ByteBuffer, Int) -> Void) -> ByteBuffer {
        var copy = ByteBuffer()
        var source = batch
        copy.writeBuffer(&source)
        change(&copy, copy.readerIndex)
        copy.setInteger(RecordBatchHeader.computeCRC(of: copy), at: copy.readerIndex + 17, endianness: .big)
        return copy
    }

    /// Concatenated batches split into one buffer each (whole batches only; a partial batch at
    /// the end fails the split).
    static func split(_ buffer: ByteBuffer) throws -> [ByteBuffer] {
        var rest = buffer
        var batches: [ByteBuffer] = []
        while rest.readableBytes > 0 {
            let header = try RecordBatchHeader(parsing: rest)
            guard let batch = rest.readSlice(length: header.totalSize) else {
                throw BrokerTestError("a partial batch of \(rest.readableBytes) bytes (header says \(header.totalSize))")
            }
            batches.append(batch)
        }
        return batches
    }

    /// `batch` with the broker-stamped fields (baseOffset, partitionLeaderEpoch) zeroed, to
    /// compare a stored batch with what the client sent.
    static func unstamped(_ batch: ByteBuffer) -> [UInt8] {
        var copy = batch
        RecordBatchHeader.rewrite(baseOffset: .zero, partitionLeaderEpoch: 0, in: &copy)
        return Array(copy.readableBytesView)
    }

    /// The data batches (not control batches) among `batches`.
    static func dataBatches(_ batches: [ByteBuffer]) throws -> [ByteBuffer] {
        try batches.filter { !(try RecordBatchHeader(parsing: $0)).attributes.isControlBatch }
    }

    /// The values of every record of the data batches, in offset order, with their offsets.
    static func values(_ batches: [ByteBuffer]) throws -> [(offset: Int64, value: String)] {
        var result: [(Int64, String)] = []
        for bytes in try dataBatches(batches) {
            let batch = try RecordBatch.decode(bytes)
            for record in batch.records {
                result.append((batch.offset(of: record).rawValue, record.value.map { String(buffer: $0) } ?? "<null>"))
            }
        }
        return result
    }
}

extension MetadataResponse {
    /// The names of the clients' topics: every topic but the cluster's internal ones
    /// (`__consumer_offsets`), which a broker creates by itself. By name, because Metadata v0
    /// has no `IsInternal` field.
    var clientTopicNames: [String] { topics.compactMap(\.name).filter { !$0.hasPrefix("__") } }
}

/// The partition directories of the clients' topics in a data directory's `topics`.
func clientPartitionDirectories(_ topicsDirectory: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: topicsDirectory).filter { !$0.hasPrefix("__") }.sorted()
}
