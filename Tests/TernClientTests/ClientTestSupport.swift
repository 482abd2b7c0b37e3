import Foundation
import Logging
import NIOCore
import NIOPosix
import TernBroker
import TernClient
import TernModel
import TernWire
import Testing

struct ClientTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body` against a fresh single-node broker on 127.0.0.1, with a TernClient connection to
/// it; stops the broker and removes its directory however `body` ends.
func withClientBroker(
    _ adjust: (inout BrokerConfiguration) -> Void = { _ in }, _ body: (BrokerAddress, KafkaConnection) async throws -> Void
) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tern-client-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var configuration = BrokerConfiguration()
    configuration.nodeID = NodeID(1)
    configuration.dataDirectory = directory
    configuration.kafkaListener = HostPort(host: "127.0.0.1", port: 0)
    configuration.rpcListener = HostPort(host: "127.0.0.1", port: 0)
    configuration.adminListener = HostPort(host: "127.0.0.1", port: 0)
    adjust(&configuration)
    var logger = Logger(label: "tern.client-test")
    logger.logLevel = .warning
    let clock = BrokerClock { TimestampMs(Int64((Date.now.timeIntervalSince1970 * 1000).rounded(.down))) }
    let broker = try await Broker.start(configuration: configuration, clock: clock, seed: 0xC11E, logger: logger)
    var connection: KafkaConnection?
    do {
        guard let port = broker.kafkaAddress?.port else { throw ClientTestError("the broker has no Kafka address") }
        let address = BrokerAddress(host: "127.0.0.1", port: port)
        let opened = try await KafkaConnection.open(
            to: address, group: MultiThreadedEventLoopGroup.singleton, clientID: "tern-client-tests")
        connection = opened
        try await body(address, opened)
    } catch {
        await connection?.close()
        await broker.shutdown()
        throw error
    }
    await connection?.close()
    await broker.shutdown()
}

/// Creates `name` and waits until it has a leader (CreateTopics does).
func createTopic(_ connection: KafkaConnection, _ name: String, partitions: Int32) async throws {
    var topic = CreateTopicsRequest.CreatableTopic()
    topic.name = name
    topic.numPartitions = partitions
    topic.replicationFactor = 1
    var request = CreateTopicsRequest()
    request.topics = [topic]
    request.timeoutMs = 30_000
    let response = try await connection.call(request)
    let error = response.topics.first?.errorCode ?? -1
    guard error == 0 else { throw ClientTestError("CreateTopics \(name): error \(error)") }
}

/// Every data batch of one partition, decoded, from offset 0 to the high watermark.
func fetchAll(_ connection: KafkaConnection, _ topic: String, partition: Int32) async throws -> [RecordBatch] {
    var batches: [RecordBatch] = []
    var next: Int64 = 0
    // Bounded: each round moves past at least one batch or ends the loop.
    for _ in 0..<100_000 {
        var fetchPartition = FetchRequest.FetchPartition()
        fetchPartition.partition = partition
        fetchPartition.fetchOffset = next
        fetchPartition.partitionMaxBytes = 1 << 20
        fetchPartition.currentLeaderEpoch = -1
        var fetchTopic = FetchRequest.FetchTopic()
        fetchTopic.topic = topic
        fetchTopic.partitions = [fetchPartition]
        var request = FetchRequest()
        request.maxWaitMs = 0
        request.maxBytes = 1 << 24
        request.topics = [fetchTopic]
        let response = try await connection.call(request, version: 12)
        guard let data = response.responses.first?.partitions.first else { throw ClientTestError("no fetch answer") }
        guard data.errorCode == 0 else { throw ClientTestError("fetch \(topic)-\(partition)@\(next): error \(data.errorCode)") }
        var rest = data.records ?? ByteBuffer()
        var moved = false
        while rest.readableBytes >= RecordBatchHeader.size {
            let header = try RecordBatchHeader(parsing: rest)
            guard let bytes = rest.readSlice(length: header.totalSize) else { break }
            next = header.nextOffset.rawValue
            moved = true
            if !header.attributes.isControlBatch { batches.append(try RecordBatch.decode(bytes)) }
        }
        if !moved || next >= data.highWatermark { break }
    }
    return batches
}

/// Polls `consumer` until `count` records arrived or `seconds` passed.
func consume(_ consumer: KafkaConsumer, count: Int, seconds: Double = 60) async throws -> [ConsumerRecord] {
    var records: [ConsumerRecord] = []
    let deadline = ContinuousClock.now.advanced(by: .seconds(seconds))
    while records.count < count, ContinuousClock.now < deadline {
        records += try await consumer.poll()
    }
    return records
}

/// `count` records `value-i` with keys `key-(i % keys)`, sent and flushed.
func produce(_ address: BrokerAddress, topic: String, count: Int, keys: Int = 10, from start: Int = 0) async throws {
    let producer = try KafkaProducer(configuration: ProducerConfiguration(client: ClientConfiguration(bootstrap: [address])))
    for index in start..<(start + count) {
        await producer.send(ProducerRecord(topic: topic, key: "key-\(index % keys)", value: "value-\(index)")) { _ in }
    }
    await producer.close()
}
