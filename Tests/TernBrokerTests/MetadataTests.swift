// Goal: Metadata answers what clients rely on (PROTOCOL.md §1.4): a stable cluster id, this node
// as controller and broker at its bound address, non-zero topic ids (v10+), null = all topics and
// empty = none (v1+), per-topic errors, leader epochs from 1, and auto-creation only when enabled.
// Method: Metadata v0/v1/v4/v9/v12 through `Broker.handle` on fresh brokers.
import NIOCore
import TernBroker
import TernModel
import TernTransport
import TernWire
import Testing

@Suite struct MetadataTests {
    @Test("cluster id, controller and broker address at v1, v9 and v12")
    func clusterFacts() async throws {
        try await withBroker { broker in
            let port = try #require(broker.broker.kafkaAddress?.port)
            #expect(port > 0)
            var clusterIDs: Set<String> = []
            for version: Int16 in [1, 2, 9, 12] {
                let response = try await broker.metadata(nil, version: version)
                #expect(response.controllerId == 1, "v\(version)")
                #expect(response.brokers.count == 1)
                let node = try #require(response.brokers.first)
                #expect(node.nodeId == 1)
                #expect(node.host == "127.0.0.1")
                #expect(Int(node.port) == port)
                if version >= 2 { clusterIDs.insert(try #require(response.clusterId)) }
            }
            #expect(clusterIDs == [broker.broker.clusterID])
            // Kafka's shape: 16 random bytes as unpadded URL-safe base64.
            let id = broker.broker.clusterID
            #expect(id.count == 22)
            #expect(id.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
            // v0 has no controller or cluster id but the same broker.
            let v0 = try await broker.call(MetadataRequest(topics: []), version: 0)
            #expect(v0.brokers.map(\.nodeId) == [1])
        }
    }

    @Test("null topics = all, empty = none (v1+); v0 empty = all")
    func nullVersusEmpty() async throws {
        try await withBroker { broker in
            try await broker.createTopic("beta", partitions: 2)
            try await broker.createTopic("alpha", partitions: 1)
            for version: Int16 in [1, 4, 9, 12] {
                let all = try await broker.metadata(nil, version: version)
                #expect(Set(all.clientTopicNames) == ["alpha", "beta"], "v\(version) null")
                let none = try await broker.metadata([], version: version)
                #expect(none.topics.isEmpty, "v\(version) empty")
            }
            let v0 = try await broker.call(MetadataRequest(topics: []), version: 0)
            #expect(Set(v0.clientTopicNames) == ["alpha", "beta"])
            let beta = try #require(try await broker.metadata(["beta"], version: 1).topics.first)
            #expect(beta.partitions.map(\.partitionIndex).sorted() == [0, 1])
        }
    }

    @Test("topic ids are non-zero at v10+, match CreateTopics, and look topics up by id")
    func topicIDs() async throws {
        try await withBroker { broker in
            let created = try await broker.createTopic("ids", partitions: 1)
            #expect(created != .zero)
            let other = try await broker.createTopic("ids-2", partitions: 1)
            #expect(other != created)
            for version: Int16 in [10, 11, 12] {
                let topic = try #require(try await broker.metadata(["ids"], version: version).topics.first)
                #expect(topic.topicId == created, "v\(version)")
            }
            let byID = try await broker.call(
                MetadataRequest(
                    topics: [MetadataRequest.MetadataRequestTopic(topicId: created, name: nil)], allowAutoTopicCreation: false),
                version: 12)
            let found = try #require(byID.topics.first)
            #expect(found.errorCode == 0)
            #expect(found.name == "ids")
            let unknown = try await broker.call(
                MetadataRequest(
                    topics: [MetadataRequest.MetadataRequestTopic(topicId: KafkaUUID(high: 1, low: 2), name: nil)],
                    allowAutoTopicCreation: false),
                version: 12)
            #expect(unknown.topics.map(\.errorCode) == [100])
        }
    }

    @Test("unknown topic → 3, invalid name → 17, without auto-creation")
    func perTopicErrors() async throws {
        try await withBroker { broker in
            for version: Int16 in [1, 9, 12] {
                let response = try await broker.metadata(["no-such-topic", "bad name!", ".."], version: version)
                let codes = Dictionary(uniqueKeysWithValues: response.topics.map { ($0.name ?? "?", $0.errorCode) })
                #expect(codes == ["no-such-topic": 3, "bad name!": 17, "..": 17], "v\(version)")
                #expect(response.topics.allSatisfy { $0.partitions.isEmpty })
            }
        }
    }

    @Test("partitions have this node as leader, replica and ISR, with leader epoch >= 1 (v7+)")
    func partitionLeadership() async throws {
        try await withBroker { broker in
            try await broker.createTopic("led", partitions: 3)
            for version: Int16 in [1, 7, 9, 12] {
                let topic = try #require(try await broker.metadata(["led"], version: version).topics.first)
                #expect(topic.errorCode == 0)
                #expect(topic.isInternal == false)
                #expect(topic.partitions.map(\.partitionIndex).sorted() == [0, 1, 2])
                for partition in topic.partitions {
                    #expect(partition.errorCode == 0)
                    #expect(partition.leaderId == 1)
                    #expect(partition.replicaNodes == [1])
                    #expect(partition.isrNodes == [1])
                    if version >= 7 { #expect(partition.leaderEpoch >= 1, "v\(version) p\(partition.partitionIndex)") }
                }
            }
        }
    }

    @Test("auto.create.topics.enable = true creates unknown topics with the broker defaults")
    func autoCreateEnabled() async throws {
        try await withBroker({ $0.autoCreateTopics = true; $0.defaultPartitions = 2 }) { broker in
            // v4+ with AllowAutoTopicCreation.
            let created = try #require(try await broker.metadata(["auto-v12"], version: 12, allowAutoCreation: true).topics.first)
            #expect(created.errorCode == 0)
            #expect(created.partitions.count == 2)
            #expect(created.topicId != .zero)
            #expect(created.partitions.allSatisfy { $0.leaderId == 1 && $0.errorCode == 0 })
            // Below v4 creation is always allowed.
            let v1 = try #require(try await broker.metadata(["auto-v1"], version: 1).topics.first)
            #expect(v1.errorCode == 0)
            // v4+ without AllowAutoTopicCreation: not created.
            let refused = try #require(try await broker.metadata(["not-auto"], version: 12, allowAutoCreation: false).topics.first)
            #expect(refused.errorCode == 3)
            // Invalid names are never created.
            let invalid = try #require(try await broker.metadata(["in valid"], version: 12, allowAutoCreation: true).topics.first)
            #expect(invalid.errorCode == 17)
            let all = try await broker.metadata(nil, version: 12)
            #expect(Set(all.clientTopicNames) == ["auto-v12", "auto-v1"])
            // Produce to an unknown topic also creates it.
            let offset = try await broker.produceOK("auto-produce", records: TestBatch.records(1))
            #expect(offset == 1)
        }
    }

    @Test("auto.create.topics.enable = false creates nothing, even when the request allows it")
    func autoCreateDisabled() async throws {
        try await withBroker({ $0.autoCreateTopics = false }) { broker in
            let v12 = try await broker.metadata(["wanted"], version: 12, allowAutoCreation: true)
            #expect(v12.topics.map(\.errorCode) == [3])
            let v1 = try await broker.metadata(["wanted"], version: 1)
            #expect(v1.topics.map(\.errorCode) == [3])
            let produced = try await broker.produce("wanted", records: TestBatch.records(1))
            #expect(produced.errorCode == 3)
            #expect(try await broker.metadata(nil, version: 12).topics.isEmpty)
        }
    }
}
