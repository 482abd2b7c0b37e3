// Goal: TernClient's producer (idempotence and acks=all by default) against a three-node
// cluster while partition leaders are killed -9 mid-run: every send reported successful is in
// the log exactly once, in order per key, and nothing is stored twice (issue 8).
// Method: TernCluster (three `ternd` processes on 127.0.0.1); a 3-partition topic with
// replication factor 3 made with CreateTopics over a TernClient connection; 100,000 keyed
// records sent with delivery callbacks while the test kills the leader of partition 0 after
// 20,000 acknowledgements and of partition 1 after 55,000, restarting each once it is gone;
// then every partition read back from its leader with Fetch. Every wait polls with a deadline.
import Foundation
import NIOCore
import NIOPosix
import Synchronization
import TernClient
import TernModel
import TernWire
import Testing

@Suite(.serialized)
struct ClientProducerTests {
    @Test("TernClient: 100,000 records while leaders are killed -9: every acknowledged record once, in order per key, no duplicates")
    func killLeadersUnderLoad() async throws {
        let cleanup = ProcessCleanup()
        do {
            try await run(cleanup)
        } catch {
            await cleanup.run()
            throw error
        }
        await cleanup.run()
    }

    private func run(_ cleanup: ProcessCleanup) async throws {
        let cluster = try await TernCluster.start()
        cleanup.add(cluster)
        _ = try await cluster.controllerLeader()
        let addresses = try #require(BrokerAddress.list(parsing: cluster.allBootstrap))
        let topic = "client-chaos"
        let admin = try await KafkaConnection.open(
            to: addresses[0], group: MultiThreadedEventLoopGroup.singleton, clientID: "tern-chaos-admin")
        var creatable = CreateTopicsRequest.CreatableTopic()
        creatable.name = topic
        creatable.numPartitions = 3
        creatable.replicationFactor = 3
        var create = CreateTopicsRequest()
        create.topics = [creatable]
        create.timeoutMs = 60_000
        let created = try await admin.call(create, timeout: .seconds(90))
        try #require(created.topics.first?.errorCode == 0, "CreateTopics: \(created.topics)")
        await admin.close()
        try await cluster.waitForLeaders(topic: topic, partitions: 3)

        var configuration = ProducerConfiguration(client: ClientConfiguration(bootstrap: addresses, clientID: "tern-chaos"))
        configuration.deliveryTimeout = .seconds(240)
        configuration.client.requestTimeout = .seconds(10)
        let producer = try KafkaProducer(configuration: configuration)
        let ledger = DeliveryLedger()
        let total = 100_000
        let keys = 100
        let started = ContinuousClock.now
        let sending = Task {
            for index in 0..<total {
                let key = "key-\(index % keys)"
                await producer.send(ProducerRecord(topic: topic, key: key, value: "\(key)/\(index)")) { result in
                    ledger.record(index, result)
                }
            }
            await producer.flush()
        }
        var kills: [String] = []
        for (partition, after) in [(0, 20_000), (1, 55_000)] {
            _ = try await cluster.poll("\(after) acknowledgements", seconds: 480) { ledger.acknowledged >= after ? true : nil }
            let leader = try await cluster.currentLeader(topic: topic, partition: partition)
            try await cluster.kill9(leader.node)
            kills.append("partition \(partition) leader \(leader.node) at \(ledger.acknowledged) acks")
            _ = try await cluster.restart(leader.node)
        }
        _ = await sending.value
        let sendSeconds = (ContinuousClock.now - started).components.seconds
        await producer.close()
        let results = ledger.snapshot()
        #expect(results.count == total, "every send reported once (\(results.count))")
        var acknowledged: Set<String> = []
        var failures: [String] = []
        for (index, result) in results {
            switch result {
            case .success: acknowledged.insert("key-\(index % keys)/\(index)")
            case .failure(let error): failures.append(error.description)
            }
        }

        // Read everything back from each partition's leader.
        let client = KafkaCluster(configuration: ClientConfiguration(bootstrap: addresses, clientID: "tern-chaos-reader"))
        try await client.refreshMetadata(topics: [topic])
        var seen: [String: Int] = [:]
        var orderViolations = 0
        for partition: Int32 in 0..<3 {
            let leader = try await cluster.currentLeader(topic: topic, partition: Int(partition))
            try await client.refreshMetadata(topics: [topic])
            let connection = try await client.connection(to: NodeID(Int32(leader.node)))
            var lastPerKey: [String: Int] = [:]
            for value in try await readPartition(connection, topic: topic, partition: partition) {
                seen[value, default: 0] += 1
                let parts = value.split(separator: "/")
                let key = String(parts.first ?? "")
                let index = Int(parts.last ?? "") ?? -1
                if index <= lastPerKey[key, default: -1] { orderViolations += 1 }
                lastPerKey[key] = index
            }
        }
        await client.close()
        let duplicates = seen.values.filter { $0 > 1 }.count
        let missing = acknowledged.filter { seen[$0] == nil }.count
        print(
            "ClientProducerTests: \(total) sent in \(sendSeconds) s, \(acknowledged.count) acknowledged, "
                + "\(failures.count) failed, \(seen.count) distinct stored, \(duplicates) duplicates, \(missing) "
                + "acknowledged but missing, \(orderViolations) out of order; kills: \(kills)")
        #expect(duplicates == 0, "records stored more than once")
        #expect(missing == 0, "acknowledged records missing")
        #expect(orderViolations == 0, "records out of order within a key")
        #expect(failures.isEmpty, "failed sends: \(failures.prefix(5))")
        let statuses = await cluster.shutdown()
        for (id, status) in statuses.sorted(by: { $0.key < $1.key }) {
            #expect(status == 0, "node \(id) exited with \(status) on SIGTERM\n\(cluster.logs(tail: 2000))")
        }
    }

    /// Every record value of one partition, offset 0 to the high watermark, control batches skipped.
    private func readPartition(_ connection: KafkaConnection, topic: String, partition: Int32) async throws -> [String] {
        var values: [String] = []
        var next: Int64 = 0
        // Bounded: each round moves past at least one batch or ends the loop.
        for _ in 0..<1_000_000 {
            var fetchPartition = FetchRequest.FetchPartition()
            fetchPartition.partition = partition
            fetchPartition.fetchOffset = next
            fetchPartition.partitionMaxBytes = 4 << 20
            fetchPartition.currentLeaderEpoch = -1
            var fetchTopic = FetchRequest.FetchTopic()
            fetchTopic.topic = topic
            fetchTopic.partitions = [fetchPartition]
            var request = FetchRequest()
            request.maxWaitMs = 0
            request.maxBytes = 1 << 26
            request.topics = [fetchTopic]
            let response = try await connection.call(request, version: 12, timeout: .seconds(30))
            let data = try #require(response.responses.first?.partitions.first)
            try #require(data.errorCode == 0, "fetch \(topic)-\(partition)@\(next): error \(data.errorCode)")
            var rest = data.records ?? ByteBuffer()
            var moved = false
            while rest.readableBytes >= RecordBatchHeader.size {
                let header = try RecordBatchHeader(parsing: rest)
                guard let bytes = rest.readSlice(length: header.totalSize) else { break }
                next = header.nextOffset.rawValue
                moved = true
                guard !header.attributes.isControlBatch else { continue }
                for record in try RecordBatch.decode(bytes).records {
                    values.append(record.value.map { String(buffer: $0) } ?? "")
                }
            }
            if !moved || next >= data.highWatermark { break }
        }
        return values
    }
}

/// Delivery reports by send index, from the producer's callbacks.
final class DeliveryLedger: Sendable {
    private let state = Mutex<(results: [Int: Result<RecordMetadata, ClientError>], acknowledged: Int)>(([:], 0))

    func record(_ index: Int, _ result: Result<RecordMetadata, ClientError>) {
        state.withLock { state in
            state.results[index] = result
            if case .success = result { state.acknowledged += 1 }
        }
    }

    var acknowledged: Int { state.withLock { $0.acknowledged } }
    func snapshot() -> [Int: Result<RecordMetadata, ClientError>] { state.withLock { $0.results } }
}
