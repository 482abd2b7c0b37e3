// Goal: CreateTopics, DeleteTopics and CreatePartitions behave as Kafka's (PROTOCOL.md §1.4 and the
// API files' behaviour comments): the errors and their codes, validateOnly changing nothing, -1
// defaults, v5+ answers, deletion by name and by id removing the partition's directory, and a
// re-created topic starting from offset 0.
// Method: admin requests through `Broker.handle`; effects checked with Metadata, Produce, Fetch,
// ListOffsets and the data directory.
import Foundation
import NIOCore
import TernBroker
import TernModel
import TernTransport
import TernWire
import Testing

@Suite struct TopicAdminTests {
    static func creatable(
        _ name: String, partitions: Int32 = 1, factor: Int16 = 1, configs: [(String, String?)] = []
    ) -> CreateTopicsRequest.CreatableTopic {
        CreateTopicsRequest.CreatableTopic(
            name: name, numPartitions: partitions, replicationFactor: factor,
            configs: configs.map { CreateTopicsRequest.CreatableTopicConfig(name: $0.0, value: $0.1) })
    }

    static func create(
        _ broker: TestBroker, _ topics: [CreateTopicsRequest.CreatableTopic], validateOnly: Bool = false, version: Int16 = 7
    ) async throws -> [String: CreateTopicsResponse.CreatableTopicResult] {
        let response = try await broker.call(
            CreateTopicsRequest(topics: topics, timeoutMs: 30_000, validateOnly: validateOnly), version: version)
        #expect(response.topics.count == topics.count)
        return Dictionary(response.topics.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    @Test("CreateTopics v7 creates the topic and answers id, partitions, factor and configs")
    func createSucceeds() async throws {
        try await withBroker { broker in
            let results = try await Self.create(
                broker, [Self.creatable("orders", partitions: 3, configs: [("retention.ms", "60000")])])
            let result = try #require(results["orders"])
            #expect(result.errorCode == 0)
            #expect(result.errorMessage == nil)
            #expect(result.topicId != .zero)
            #expect(result.numPartitions == 3)
            #expect(result.replicationFactor == 1)
            let configs = Dictionary(uniqueKeysWithValues: (result.configs ?? []).map { ($0.name, $0) })
            #expect(configs["retention.ms"]?.value == "60000")
            #expect(configs["retention.ms"]?.configSource == 1)
            #expect(configs["cleanup.policy"]?.value == "delete")
            #expect(configs["cleanup.policy"]?.configSource == 5)
            let topic = try #require(try await broker.metadata(["orders"]).topics.first)
            #expect(topic.errorCode == 0)
            #expect(topic.topicId == result.topicId)
            #expect(topic.partitions.count == 3)
            #expect(topic.partitions.allSatisfy { $0.leaderId == 1 })
            // Every version from v2 creates.
            for version: Int16 in 2...7 {
                let created = try await Self.create(broker, [Self.creatable("v\(version)")], version: version)
                #expect(created["v\(version)"]?.errorCode == 0, "v\(version)")
            }
            let names = Set(try await broker.metadata(nil).clientTopicNames)
            #expect(names == Set(["orders"] + (2...7).map { "v\($0)" }))
        }
    }

    @Test("CreateTopics errors: 36 exists, 37 partitions, 38 replication factor, 17 names, 40 configs")
    func createErrors() async throws {
        try await withBroker { broker in
            try await broker.createTopic("taken")
            try await broker.createTopic("dotted.name")
            let longName = String(repeating: "n", count: 250)
            let cases: [(CreateTopicsRequest.CreatableTopic, Int16)] = [
                (Self.creatable("taken"), 36),
                (Self.creatable("zero-partitions", partitions: 0), 37),
                (Self.creatable("negative-partitions", partitions: -5), 37),
                (Self.creatable("factor-two", factor: 2), 38),
                (Self.creatable("factor-zero", factor: 0), 38),
                (Self.creatable("bad/name"), 17),
                (Self.creatable("bad name"), 17),
                (Self.creatable(""), 17),
                (Self.creatable("."), 17),
                (Self.creatable(".."), 17),
                (Self.creatable(longName), 17),
                (Self.creatable("dotted_name"), 17),
                (Self.creatable("compacted", configs: [("cleanup.policy", "compact")]), 40),
                (Self.creatable("unknown-config", configs: [("no.such.config", "1")]), 40),
                (Self.creatable("bad-value", configs: [("retention.ms", "soon")]), 40),
            ]
            for (topic, code) in cases {
                let results = try await Self.create(broker, [topic])
                let result = try #require(results[topic.name])
                #expect(result.errorCode == code, "\(topic.name.prefix(20)): \(result.errorMessage ?? "")")
                if code != 0 { #expect(result.errorMessage != nil, "\(topic.name.prefix(20)) has a message") }
            }
            // A 249-character name is legal.
            let legal = try await Self.create(broker, [Self.creatable(String(repeating: "l", count: 249))])
            #expect(legal.values.map(\.errorCode) == [0])
            // Nothing refused was created.
            let names = Set(try await broker.metadata(nil).clientTopicNames)
            #expect(names == ["taken", "dotted.name", String(repeating: "l", count: 249)])
        }
    }

    @Test("CreateTopics: duplicate names → 42, explicit assignments, bad assignments → 39, '_' then '.' collides")
    func createEdgeCases() async throws {
        try await withBroker { broker in
            let duplicated = try await broker.call(
                CreateTopicsRequest(topics: [Self.creatable("twin"), Self.creatable("twin")], timeoutMs: 30_000), version: 7)
            #expect(duplicated.topics.map(\.errorCode) == [42, 42])
            #expect(try await broker.metadata(["twin"]).topics.map(\.errorCode) == [3])

            func assigned(_ name: String, _ lists: [[Int32]], partitions: Int32 = -1, factor: Int16 = -1) async throws -> Int16 {
                let topic = CreateTopicsRequest.CreatableTopic(
                    name: name, numPartitions: partitions, replicationFactor: factor,
                    assignments: lists.enumerated().map {
                        CreateTopicsRequest.CreatableReplicaAssignment(partitionIndex: Int32($0.offset), brokerIds: $0.element)
                    })
                let response = try await broker.call(CreateTopicsRequest(topics: [topic], timeoutMs: 30_000), version: 7)
                return try #require(response.topics.first).errorCode
            }
            #expect(try await assigned("placed", [[1], [1]]) == 0)
            #expect(try await broker.metadata(["placed"]).topics.first?.partitions.count == 2)
            #expect(try await assigned("elsewhere", [[2]]) == 39)
            #expect(try await assigned("twice-on-one", [[1, 1]]) == 39)
            #expect(try await assigned("both-given", [[1]], partitions: 1, factor: 1) == 42)

            try await broker.createTopic("under_score")
            #expect(try await Self.create(broker, [Self.creatable("under.score")])["under.score"]?.errorCode == 17)
        }
    }

    @Test("concurrent CreateTopics of one name: exactly one succeeds, the others get 36")
    func concurrentCreates() async throws {
        try await withBroker { broker in
            let codes = try await withThrowingTaskGroup(of: Int16.self) { group in
                for _ in 0..<12 {
                    group.addTask {
                        let results = try await Self.create(broker, [Self.creatable("contested", partitions: 2)])
                        return try #require(results["contested"]).errorCode
                    }
                }
                var codes: [Int16] = []
                for try await code in group { codes.append(code) }
                return codes
            }
            #expect(codes.sorted() == [0] + Array(repeating: 36, count: 11))
            let topic = try #require(try await broker.metadata(["contested"]).topics.first)
            #expect(topic.partitions.count == 2)
            #expect(try await broker.produceOK("contested", partition: 1, records: TestBatch.records(1)) == 1)
        }
    }

    @Test("CreateTopics validateOnly checks everything and creates nothing")
    func validateOnly() async throws {
        try await withBroker { broker in
            try await broker.createTopic("existing")
            let results = try await Self.create(
                broker, [Self.creatable("dry-run", partitions: 4), Self.creatable("existing"), Self.creatable("x", partitions: 0)],
                validateOnly: true)
            #expect(results["dry-run"]?.errorCode == 0)
            #expect(results["dry-run"]?.numPartitions == 4)
            #expect(results["existing"]?.errorCode == 36)
            #expect(results["x"]?.errorCode == 37)
            #expect(try await broker.metadata(["dry-run"]).topics.map(\.errorCode) == [3])
            let directories = try clientPartitionDirectories(broker.dataDirectory + "/topics")
            #expect(directories == ["existing-0"])
            // It can be created for real afterwards.
            let created = try await Self.create(broker, [Self.creatable("dry-run", partitions: 4)])
            #expect(created["dry-run"]?.errorCode == 0)
        }
    }

    @Test("CreateTopics v4+ -1 partitions and replication factor take the broker defaults; v5+ answers them")
    func brokerDefaults() async throws {
        try await withBroker({ $0.defaultPartitions = 3 }) { broker in
            for version: Int16 in [4, 5, 7] {
                let name = "defaults-v\(version)"
                let results = try await Self.create(broker, [Self.creatable(name, partitions: -1, factor: -1)], version: version)
                let result = try #require(results[name])
                #expect(result.errorCode == 0, "v\(version)")
                if version >= 5 {
                    #expect(result.numPartitions == 3)
                    #expect(result.replicationFactor == 1)
                    #expect(result.configs?.isEmpty == false)
                }
                let topic = try #require(try await broker.metadata([name]).topics.first)
                #expect(topic.partitions.count == 3, "v\(version)")
                #expect(topic.partitions.allSatisfy { $0.replicaNodes == [1] })
            }
        }
    }

    @Test("DeleteTopics by name v1–v5 and by id v6; unknown name → 3, unknown id → 100")
    func deleteTopics() async throws {
        try await withBroker { broker in
            for version: Int16 in 1...5 {
                let name = "delete-v\(version)"
                try await broker.createTopic(name, partitions: 2)
                let response = try await broker.call(DeleteTopicsRequest(topicNames: [name, "never-was"], timeoutMs: 30_000), version: version)
                #expect(response.responses.count == 2)
                let codes = Dictionary(uniqueKeysWithValues: response.responses.map { ($0.name ?? "?", $0.errorCode) })
                #expect(codes == [name: 0, "never-was": 3], "v\(version)")
                #expect(try await broker.metadata([name]).topics.map(\.errorCode) == [3], "v\(version)")
            }
            let id = try await broker.createTopic("delete-by-id")
            try await broker.createTopic("delete-by-name-v6")
            let response = try await broker.call(
                DeleteTopicsRequest(
                    topics: [
                        DeleteTopicsRequest.DeleteTopicState(name: nil, topicId: id),
                        DeleteTopicsRequest.DeleteTopicState(name: "delete-by-name-v6"),
                        DeleteTopicsRequest.DeleteTopicState(name: nil, topicId: KafkaUUID(high: 9, low: 9)),
                        DeleteTopicsRequest.DeleteTopicState(name: "never-was"),
                    ], timeoutMs: 30_000),
                version: 6)
            #expect(response.responses.count == 4)
            let byID = try #require(response.responses.first { $0.topicId == id })
            #expect(byID.errorCode == 0)
            #expect(byID.name == "delete-by-id")
            let byName = try #require(response.responses.first { $0.name == "delete-by-name-v6" })
            #expect(byName.errorCode == 0)
            #expect(byName.topicId != .zero, "v6 answers the id of a topic deleted by name")
            #expect(response.responses.first { $0.topicId == KafkaUUID(high: 9, low: 9) }?.errorCode == 100)
            #expect(response.responses.first { $0.name == "never-was" }?.errorCode == 3)
            #expect(try await broker.metadata(nil).clientTopicNames.isEmpty)
        }
    }

    @Test("after DeleteTopics the partition directories are gone; re-creating the name starts at offset 0")
    func deleteRemovesDataAndRecreateStartsOver() async throws {
        try await withBroker { broker in
            let oldID = try await broker.createTopic("reborn", partitions: 2)
            for _ in 0..<3 { try await broker.produceOK("reborn", records: TestBatch.records(5, tag: "old")) }
            #expect(try await broker.highWatermark("reborn") == 16)
            let topics = broker.dataDirectory + "/topics"
            #expect(FileManager.default.fileExists(atPath: topics + "/reborn-0"))
            #expect(FileManager.default.fileExists(atPath: topics + "/reborn-1"))

            let deleted = try await broker.call(DeleteTopicsRequest(topicNames: ["reborn"], timeoutMs: 30_000), version: 4)
            #expect(deleted.responses.map(\.errorCode) == [0])
            #expect(!FileManager.default.fileExists(atPath: topics + "/reborn-0"))
            #expect(!FileManager.default.fileExists(atPath: topics + "/reborn-1"))
            #expect(try await broker.produce("reborn", records: TestBatch.records(1)).errorCode == 3)
            #expect(try await broker.fetch("reborn", offset: 0).errorCode == 3)

            let newID = try await broker.createTopic("reborn", partitions: 1)
            #expect(newID != oldID)
            #expect(try await broker.listOffset("reborn", timestamp: -2).offset == 0)
            #expect(try await broker.highWatermark("reborn") == 1)
            #expect(try await broker.produceOK("reborn", records: TestBatch.records(2, tag: "new")) == 1)
            let all = try await broker.fetchAll("reborn")
            #expect(all.highWatermark == 3)
            let values = try TestBatch.values(all.batches)
            #expect(values.map(\.value) == ["value-new-0", "value-new-1"])
            #expect(values.map(\.offset) == [1, 2])
        }
    }

    @Test("CreatePartitions grows, refuses shrinking (37) and unknown topics (3), validateOnly changes nothing")
    func createPartitions() async throws {
        try await withBroker { broker in
            try await broker.createTopic("growing", partitions: 1)
            func grow(_ name: String, to count: Int32, validateOnly: Bool = false, version: Int16 = 3) async throws
                -> CreatePartitionsResponse.CreatePartitionsTopicResult
            {
                let response = try await broker.call(
                    CreatePartitionsRequest(
                        topics: [CreatePartitionsRequest.CreatePartitionsTopic(name: name, count: count)], timeoutMs: 30_000,
                        validateOnly: validateOnly),
                    version: version)
                return try #require(response.results.first)
            }
            #expect(try await grow("growing", to: 4, validateOnly: true).errorCode == 0)
            #expect(try await broker.metadata(["growing"]).topics.first?.partitions.count == 1)

            #expect(try await grow("growing", to: 3, version: 0).errorCode == 0)
            let grown = try #require(try await broker.metadata(["growing"]).topics.first)
            #expect(grown.partitions.map(\.partitionIndex).sorted() == [0, 1, 2])
            #expect(grown.partitions.allSatisfy { $0.leaderId == 1 && $0.errorCode == 0 })
            #expect(try await broker.produceOK("growing", partition: 2, records: TestBatch.records(3)) == 1)

            let shrink = try await grow("growing", to: 2)
            #expect(shrink.errorCode == 37)
            #expect(shrink.errorMessage != nil)
            #expect(try await grow("growing", to: 3).errorCode == 37)
            #expect(try await grow("no-such-topic", to: 3).errorCode == 3)
            #expect(try await broker.metadata(["growing"]).topics.first?.partitions.count == 3)
            #expect(try await broker.metadata(["no-such-topic"]).topics.map(\.errorCode) == [3])
        }
    }
}
