// Goal: a clean restart on the same data directory brings back the cluster id, every topic with
// its id, partitions and configs, and every acknowledged record byte for byte; offsets continue
// after the new leader's LEADER_CHANGE batch and leader epochs only grow. A data directory of
// node 1 refuses to serve as node 2.
// Method: two (or three) `Broker` lifetimes on one directory, in process; acks=-1 produces before
// the shutdown, then Metadata, DescribeConfigs, Fetch, ListOffsets and OffsetForLeaderEpoch after.
import Foundation
import NIOCore
import TernBroker
import TernModel
import TernTransport
import TernWire
import Testing

@Suite struct BrokerRestartTests {
    /// What one lifetime saw of one partition.
    struct PartitionState: Equatable {
        var dataBatches: [[UInt8]]
        var values: [String]
        var highWatermark: Int64
    }

    static func snapshot(_ broker: TestBroker, _ topic: String, partition: Int32) async throws -> PartitionState {
        let all = try await broker.fetchAll(topic, partition: partition)
        return PartitionState(
            dataBatches: try TestBatch.dataBatches(all.batches).map(TestBatch.unstamped),
            values: try TestBatch.values(all.batches).map(\.value), highWatermark: all.highWatermark)
    }

    @Test("restart: topics, ids, configs and acknowledged records are back; offsets continue; epochs grow")
    func restartKeepsEverything() async throws {
        let directory = try makeTemporaryDirectory("tern-broker-restart")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configuration = TestBroker.configuration(directory: directory)

        // First lifetime.
        var clusterID = ""
        var ids: [String: KafkaUUID] = [:]
        var before: [String: PartitionState] = [:]
        var epochsBefore: [String: Int32] = [:]
        try await withLifetime(configuration) { broker in
            clusterID = broker.broker.clusterID
            ids["orders"] = try await broker.createTopic("orders", partitions: 2, configs: ["retention.ms": "3600000"])
            ids["events"] = try await broker.createTopic("events", partitions: 1, configs: ["max.message.bytes": "100000"])
            for round in 0..<5 {
                try await broker.produceOK("orders", partition: 0, records: TestBatch.records(round + 1, tag: "o0-\(round)"))
                try await broker.produceOK(
                    "orders", partition: 1, records: TestBatch.records(2, tag: "o1-\(round)", compression: .lz4))
                try await broker.produceOK("events", records: TestBatch.records(3, tag: "e-\(round)", valueBytes: 100))
            }
            for (topic, partition) in [("orders", Int32(0)), ("orders", 1), ("events", 0)] {
                before["\(topic)-\(partition)"] = try await Self.snapshot(broker, topic, partition: partition)
                epochsBefore["\(topic)-\(partition)"] = try await broker.leaderEpoch(topic, partition: partition)
            }
        }
        #expect(before["orders-0"]?.highWatermark == 16)
        #expect(before["orders-1"]?.highWatermark == 11)
        #expect(before["events-0"]?.highWatermark == 16)

        // Second lifetime on the same directory.
        try await withLifetime(configuration) { broker in
            #expect(broker.broker.clusterID == clusterID)
            let metadata = try await broker.metadata(nil)
            #expect(metadata.clusterId == clusterID)
            #expect(Set(metadata.clientTopicNames) == ["orders", "events"])
            for topic in metadata.topics where !(topic.name ?? "").hasPrefix("__") {
                let name = try #require(topic.name)
                #expect(topic.topicId == ids[name], "\(name) keeps its id")
                #expect(topic.partitions.count == (name == "orders" ? 2 : 1))
                for partition in topic.partitions {
                    let key = "\(name)-\(partition.partitionIndex)"
                    #expect(partition.leaderId == 1)
                    #expect(partition.leaderEpoch > (epochsBefore[key] ?? .max), "\(key) epoch grew")
                }
            }
            let orders = try await broker.topicConfigs("orders")
            #expect(orders["retention.ms"]?.value == "3600000")
            #expect(orders["retention.ms"]?.source == 1)
            #expect(try await broker.topicConfigs("events")["max.message.bytes"]?.value == "100000")

            for (topic, partition) in [("orders", Int32(0)), ("orders", 1), ("events", 0)] {
                let key = "\(topic)-\(partition)"
                let old = try #require(before[key])
                let now = try await Self.snapshot(broker, topic, partition: partition)
                #expect(now.dataBatches == old.dataBatches, "\(key): every acknowledged batch, byte for byte")
                #expect(now.values == old.values)
                // The new leader's LEADER_CHANGE batch takes the old high watermark's offset.
                #expect(now.highWatermark == old.highWatermark + 1, "\(key)")
                #expect(try await broker.listOffset(topic, partition: partition, timestamp: -2).offset == 0)
                let next = try await broker.produceOK(topic, partition: partition, records: TestBatch.records(2, tag: "after"))
                #expect(next == old.highWatermark + 1, "\(key) offsets continue")
                #expect(try await broker.highWatermark(topic, partition: partition) == old.highWatermark + 3)

                // The old epoch ended where the old log ended.
                let epochBefore = try #require(epochsBefore[key])
                let ended = try await OffsetsTests.endOffset(broker, topic, partition: partition, epoch: epochBefore, version: 4)
                #expect(ended.errorCode == 0)
                #expect(ended.leaderEpoch == epochBefore)
                #expect(ended.endOffset == old.highWatermark, "\(key) epoch \(epochBefore) end")
                // Fetch with the old epoch is fenced now.
                let fenced = try await broker.fetch(topic, partition: partition, offset: 0, currentLeaderEpoch: epochBefore)
                #expect(fenced.errorCode == 74)
            }
        }

        // Third lifetime: the epochs keep growing, and the records written after the first
        // restart are there too.
        try await withLifetime(configuration) { broker in
            for (topic, partition) in [("orders", Int32(0)), ("orders", 1), ("events", 0)] {
                let key = "\(topic)-\(partition)"
                let epoch = try await broker.leaderEpoch(topic, partition: partition)
                #expect(epoch >= (epochsBefore[key] ?? .max) + 2, "\(key)")
                let values = try await Self.snapshot(broker, topic, partition: partition).values
                #expect(values.suffix(2) == ["value-after-0", "value-after-1"])
                #expect(values.count == (before[key]?.values.count ?? 0) + 2)
            }
        }
    }

    @Test("a deleted topic stays deleted across a restart")
    func deletionSurvivesRestart() async throws {
        let directory = try makeTemporaryDirectory("tern-broker-restart-delete")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configuration = TestBroker.configuration(directory: directory)
        try await withLifetime(configuration) { broker in
            try await broker.createTopic("kept")
            try await broker.createTopic("dropped")
            try await broker.produceOK("dropped", records: TestBatch.records(3))
            let response = try await broker.call(DeleteTopicsRequest(topicNames: ["dropped"], timeoutMs: 30_000), version: 5)
            #expect(response.responses.map(\.errorCode) == [0])
        }
        try await withLifetime(configuration) { broker in
            let names = try await broker.metadata(nil).clientTopicNames
            let directories = try clientPartitionDirectories(directory + "/topics")
            #expect(names == ["kept"])
            #expect(directories == ["kept-0"])
        }
    }

    @Test("a data directory created by node 1 refuses to start as node 2, naming both ids")
    func nodeIDMismatch() async throws {
        let directory = try makeTemporaryDirectory("tern-broker-node-id")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try await TestBroker.start(TestBroker.configuration(directory: directory, nodeID: 1))
        await first.shutdown()
        do {
            let second = try await TestBroker.start(TestBroker.configuration(directory: directory, nodeID: 2))
            await second.shutdown()
            Issue.record("node 2 started on node 1's data directory")
        } catch {
            let message = "\(error)"
            #expect(message.contains("node 1"), "\(message)")
            #expect(message.contains("node 2"), "\(message)")
            #expect(!message.contains("\n"))
        }
        // Node 1 still starts on it.
        let again = try await TestBroker.start(TestBroker.configuration(directory: directory, nodeID: 1))
        await again.shutdown()
    }
}
