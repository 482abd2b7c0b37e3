// Goal: TernClient's producer against a real broker: every record sent is stored exactly once,
// in the partition its key hashes to (murmur2), in send order per key, at the offset `send`
// reported; batches carry a producer id and consecutive sequences (idempotence on by default);
// bad input (unknown topic, a partition that does not exist, an impossible configuration) is a
// one-line error naming the problem.
// Method: an in-process `Broker` on 127.0.0.1 (port 0) and a fresh data directory; topics made
// with CreateTopics and records read back with Fetch, both over TernClient's own connection.
import Foundation
import Logging
import Synchronization
import NIOCore
import TernBroker
import TernClient
import TernModel
import TernWire
import Testing

@Suite struct ProducerTests {
    @Test("10,000 keyed records: each stored once, in its key's murmur2 partition, in order per key, at the reported offset")
    func keyedRecords() async throws {
        try await withClientBroker { address, connection in
            try await createTopic(connection, "orders", partitions: 3)
            var configuration = ProducerConfiguration(client: ClientConfiguration(bootstrap: [address]))
            configuration.linger = .milliseconds(2)
            let producer = try KafkaProducer(configuration: configuration)
            let reports = Reports()
            let count = 10_000
            for index in 0..<count {
                let key = "customer-\(index % 37)"
                await producer.send(ProducerRecord(topic: "orders", key: key, value: "\(key)/\(index)")) { result in
                    reports.add(index, result)
                }
            }
            await producer.flush()
            let delivered = reports.all()
            #expect(delivered.count == count, "every send reported once")
            let failures = delivered.values.compactMap { result -> String? in
                if case .failure(let error) = result { return error.description }
                return nil
            }
            #expect(failures.isEmpty, "failures: \(failures.prefix(3))")
            var stored: [String: (partition: Int32, offset: Int64)] = [:]
            var batchesSeen = 0
            for partition: Int32 in 0..<3 {
                let batches = try await fetchAll(connection, "orders", partition: partition)
                var lastPerKey: [String: Int] = [:]
                var nextSequence: Int32 = 0
                for batch in batches {
                    batchesSeen += 1
                    #expect(batch.header.producerId >= 0, "idempotent batches carry a producer id")
                    #expect(batch.header.baseSequence == nextSequence, "sequences follow on in \(partition)")
                    nextSequence = batch.header.baseSequence + batch.header.recordCount
                    #expect(batch.header.attributes.compression == .lz4)
                    for record in batch.records {
                        let value = record.value.map { String(buffer: $0) } ?? ""
                        let key = record.key.map { String(buffer: $0) } ?? ""
                        #expect(stored[value] == nil, "\(value) stored twice")
                        stored[value] = (partition, batch.offset(of: record).rawValue)
                        #expect(Partitioner.partition(forKey: Array(key.utf8), partitionCount: 3) == partition)
                        let index = Int(value.split(separator: "/").last ?? "") ?? -1
                        #expect(index > lastPerKey[key, default: -1], "\(key) out of order in \(partition)")
                        lastPerKey[key] = index
                    }
                }
            }
            #expect(stored.count == count)
            for (index, result) in delivered {
                guard case .success(let metadata) = result else { continue }
                let value = "customer-\(index % 37)/\(index)"
                #expect(stored[value]?.partition == metadata.partition && stored[value]?.offset == metadata.offset.rawValue,
                        "\(value): reported \(metadata), stored \(String(describing: stored[value]))")
            }
            #expect(batchesSeen < count / 10, "records are batched (\(batchesSeen) batches)")
            await producer.close()
        }
    }

    @Test("send returns where the record went; records without a key stick to one partition per batch")
    func awaitedSend() async throws {
        try await withClientBroker { address, connection in
            try await createTopic(connection, "events", partitions: 4)
            let producer = try KafkaProducer(configuration: ProducerConfiguration(client: ClientConfiguration(bootstrap: [address])))
            let first = try await producer.send(ProducerRecord(topic: "events", value: ByteBuffer(string: "a")))
            let second = try await producer.send(ProducerRecord(topic: "events", partition: 2, value: ByteBuffer(string: "b")))
            #expect(first.topic == "events" && (0..<4).contains(first.partition) && first.offset.rawValue >= 0)
            #expect(second.partition == 2)
            let batches = try await fetchAll(connection, "events", partition: 2)
            let values = batches.flatMap(\.records).compactMap { $0.value.map { String(buffer: $0) } }
            #expect(values.contains("b"))
            await producer.close()
        }
    }

    @Test("bad input is one error that names the problem: unknown topic, missing partition, impossible settings")
    func badInput() async throws {
        try await withClientBroker { address, _ in
            let producer = try KafkaProducer(configuration: ProducerConfiguration(client: ClientConfiguration(bootstrap: [address])))
            do {
                _ = try await producer.send(ProducerRecord(topic: "absent", key: "k", value: "v"))
                Issue.record("a send to a missing topic succeeded")
            } catch let error as ClientError {
                #expect(error.description.contains("absent"), "\(error)")
                #expect(error.kind == .broker(.unknownTopicOrPartition), "\(error)")
            }
            await producer.close()
            var wrong = ProducerConfiguration(client: ClientConfiguration(bootstrap: [address]))
            wrong.acks = .leader
            #expect(throws: ClientError.self) { try KafkaProducer(configuration: wrong) }
        }
        let unreachable = try KafkaProducer(configuration: {
            var configuration = ProducerConfiguration(client: ClientConfiguration(bootstrap: [BrokerAddress(host: "127.0.0.1", port: 1)]))
            configuration.deliveryTimeout = .seconds(2)
            return configuration
        }())
        do {
            _ = try await unreachable.send(ProducerRecord(topic: "t", key: "k", value: "v"))
            Issue.record("a send without a broker succeeded")
        } catch {
            #expect(error.description.contains("127.0.0.1:1"), "\(error)")
        }
        await unreachable.close()
    }
}

/// Delivery reports, from any thread.
final class Reports: Sendable {
    private let results = Mutex<[Int: Result<RecordMetadata, ClientError>]>([:])
    func add(_ index: Int, _ result: Result<RecordMetadata, ClientError>) { results.withLock { $0[index] = result } }
    func all() -> [Int: Result<RecordMetadata, ClientError>] { results.withLock { $0 } }
}
