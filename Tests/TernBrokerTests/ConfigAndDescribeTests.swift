// Goal: DescribeConfigs shows every supported topic config with Kafka's sources (5 default,
// 1 override) and the broker's settings; IncrementalAlterConfigs SET/DELETE/validateOnly change
// (or not) what DescribeConfigs shows and refuse unknown topics and configs; DescribeLogDirs
// sizes grow with produced data; DescribeCluster names this node.
// Method: the admin APIs through `Broker.handle` on fresh brokers.
import NIOCore
import TernBroker
import TernModel
import TernTransport
import TernWire
import Testing

@Suite struct ConfigAndDescribeTests {
    static let supported: Set<String> = [
        "cleanup.policy", "compression.type", "max.message.bytes", "message.timestamp.type", "min.insync.replicas",
        "retention.bytes", "retention.ms", "segment.bytes", "segment.ms",
    ]

    @Test("DescribeConfigs of a topic: defaults with source 5, overrides with source 1, at v1–v4")
    func describeTopic() async throws {
        try await withBroker({ $0.retentionMs = 86_400_000 }) { broker in
            try await broker.createTopic("described", configs: ["retention.bytes": "123456", "max.message.bytes": "5000"])
            for version: Int16 in 1...4 {
                let configs = try await broker.topicConfigs("described", version: version)
                #expect(Set(configs.keys) == Self.supported, "v\(version)")
                #expect(configs["retention.bytes"]?.value == "123456")
                #expect(configs["retention.bytes"]?.source == 1)
                #expect(configs["max.message.bytes"]?.value == "5000")
                #expect(configs["max.message.bytes"]?.source == 1)
                // A default follows the broker's setting.
                #expect(configs["retention.ms"]?.value == "86400000")
                #expect(configs["retention.ms"]?.source == 5)
                #expect(configs["cleanup.policy"]?.value == "delete")
                #expect(configs["cleanup.policy"]?.source == 5)
                #expect(configs["message.timestamp.type"]?.value == "CreateTime")
            }
            // ConfigurationKeys filters; synonyms and documentation when asked (v3+).
            let request = DescribeConfigsRequest(
                resources: [
                    DescribeConfigsRequest.DescribeConfigsResource(
                        resourceType: 2, resourceName: "described", configurationKeys: ["retention.bytes", "segment.ms"])
                ], includeSynonyms: true, includeDocumentation: true)
            let response = try await broker.call(request, version: 4)
            let result = try #require(response.results.first)
            #expect(result.resourceType == 2)
            #expect(result.resourceName == "described")
            #expect(result.configs.map(\.name).sorted() == ["retention.bytes", "segment.ms"])
            for config in result.configs {
                #expect(!config.synonyms.isEmpty)
                #expect(config.documentation?.isEmpty == false)
                #expect(config.configType != 0)
                #expect(config.isSensitive == false)
            }
            // Unknown topic.
            let unknown = try await broker.call(
                DescribeConfigsRequest(resources: [DescribeConfigsRequest.DescribeConfigsResource(resourceType: 2, resourceName: "nope")]),
                version: 1)
            #expect(unknown.results.map(\.errorCode) == [3])
        }
    }

    @Test("DescribeConfigs of the broker: its settings, read-only; another broker id → 42")
    func describeBroker() async throws {
        try await withBroker({ $0.defaultPartitions = 4 }) { broker in
            for name in ["1", ""] {
                let response = try await broker.call(
                    DescribeConfigsRequest(resources: [DescribeConfigsRequest.DescribeConfigsResource(resourceType: 4, resourceName: name)]),
                    version: 4)
                let result = try #require(response.results.first)
                #expect(result.errorCode == 0, "broker '\(name)'")
                let configs = Dictionary(uniqueKeysWithValues: result.configs.map { ($0.name, $0) })
                #expect(configs["node.id"]?.value == "1")
                #expect(configs["num.partitions"]?.value == "4")
                #expect(configs["log.dirs"]?.value == broker.dataDirectory)
                #expect(configs["auto.create.topics.enable"]?.value == "false")
                #expect(result.configs.allSatisfy { $0.readOnly })
            }
            let other = try await broker.call(
                DescribeConfigsRequest(resources: [DescribeConfigsRequest.DescribeConfigsResource(resourceType: 4, resourceName: "2")]),
                version: 2)
            #expect(other.results.map(\.errorCode) == [42])
        }
    }

    static func alter(
        _ broker: TestBroker, _ topic: String, _ changes: [(String, Int8, String?)], validateOnly: Bool = false,
        resourceType: Int8 = 2, version: Int16 = 1
    ) async throws -> IncrementalAlterConfigsResponse.AlterConfigsResourceResponse {
        let request = IncrementalAlterConfigsRequest(
            resources: [
                IncrementalAlterConfigsRequest.AlterConfigsResource(
                    resourceType: resourceType, resourceName: topic,
                    configs: changes.map {
                        IncrementalAlterConfigsRequest.AlterableConfig(name: $0.0, configOperation: $0.1, value: $0.2)
                    })
            ], validateOnly: validateOnly)
        let response = try await broker.call(request, version: version)
        return try #require(response.responses.first)
    }

    @Test("IncrementalAlterConfigs SET and DELETE show in DescribeConfigs; validateOnly changes nothing")
    func alterConfigs() async throws {
        try await withBroker { broker in
            try await broker.createTopic("altered")
            let set = try await Self.alter(broker, "altered", [("retention.ms", 0, "3600000"), ("segment.bytes", 0, "2097152")], version: 0)
            #expect(set.errorCode == 0)
            #expect(set.resourceName == "altered")
            var configs = try await broker.topicConfigs("altered")
            #expect(configs["retention.ms"]?.value == "3600000")
            #expect(configs["retention.ms"]?.source == 1)
            #expect(configs["segment.bytes"]?.value == "2097152")

            let dry = try await Self.alter(broker, "altered", [("retention.ms", 0, "1000")], validateOnly: true)
            #expect(dry.errorCode == 0)
            #expect(try await broker.topicConfigs("altered")["retention.ms"]?.value == "3600000")

            let deleted = try await Self.alter(broker, "altered", [("retention.ms", 1, nil)])
            #expect(deleted.errorCode == 0)
            configs = try await broker.topicConfigs("altered")
            #expect(configs["retention.ms"]?.value == String(BrokerConfiguration().retentionMs))
            #expect(configs["retention.ms"]?.source == 5)
            #expect(configs["segment.bytes"]?.source == 1)

            // LogAppendTime set at runtime takes effect for the next produce.
            #expect(try await Self.alter(broker, "altered", [("message.timestamp.type", 0, "LogAppendTime")]).errorCode == 0)
            #expect(try await broker.produce("altered", records: TestBatch.records(1)).logAppendTimeMs > 0)
        }
    }

    @Test("IncrementalAlterConfigs refusals: unknown topic 3, unknown config 40, bad value 40, broker 42")
    func alterRefusals() async throws {
        try await withBroker { broker in
            try await broker.createTopic("guarded", configs: ["retention.ms": "5000"])
            #expect(try await Self.alter(broker, "missing", [("retention.ms", 0, "1")]).errorCode == 3)
            let unknown = try await Self.alter(broker, "guarded", [("no.such.config", 0, "1")])
            #expect(unknown.errorCode == 40)
            #expect(unknown.errorMessage != nil)
            #expect(try await Self.alter(broker, "guarded", [("retention.ms", 0, "later")]).errorCode == 40)
            #expect(try await Self.alter(broker, "guarded", [("cleanup.policy", 0, "compact")]).errorCode == 40)
            // A refused change leaves every config of the resource as it was (validated as a whole).
            let mixed = try await Self.alter(broker, "guarded", [("retention.ms", 0, "7000"), ("segment.ms", 0, "zero")])
            #expect(mixed.errorCode == 40)
            #expect(try await broker.topicConfigs("guarded")["retention.ms"]?.value == "5000")
            #expect(try await Self.alter(broker, "1", [("log.retention.ms", 0, "1")], resourceType: 4).errorCode == 42)
        }
    }

    @Test("DescribeLogDirs: a partition's size grows after produce (v1–v4)")
    func describeLogDirs() async throws {
        try await withBroker { broker in
            try await broker.createTopic("sized", partitions: 2)
            func sizes(version: Int16) async throws -> [Int32: Int64] {
                let response = try await broker.call(
                    DescribeLogDirsRequest(topics: [DescribeLogDirsRequest.DescribableLogDirTopic(topic: "sized", partitions: [0, 1, 9])]),
                    version: version)
                let result = try #require(response.results.first)
                #expect(result.errorCode == 0)
                #expect(result.logDir == broker.dataDirectory + "/topics")
                if version >= 4 {
                    #expect(result.totalBytes > 0)
                    #expect(result.usableBytes > 0)
                }
                let topic = try #require(result.topics.first { $0.name == "sized" })
                return Dictionary(uniqueKeysWithValues: topic.partitions.map { ($0.partitionIndex, $0.partitionSize) })
            }
            let before = try await sizes(version: 1)
            #expect(Set(before.keys) == [0, 1], "unknown partitions are left out")
            let batch = TestBatch.records(20, valueBytes: 500)
            try await broker.produceOK("sized", partition: 0, records: batch)
            for version: Int16 in 1...4 {
                let after = try await sizes(version: version)
                let grown = try #require(after[0])
                let initial = try #require(before[0])
                #expect(grown >= initial + Int64(batch.readableBytes), "v\(version)")
                #expect(after[1] == before[1], "v\(version)")
            }
            // Null topics: every local partition.
            let all = try await broker.call(DescribeLogDirsRequest(topics: nil), version: 4)
            #expect(all.results.first?.topics.first { $0.name == "sized" }?.partitions.count == 2)
        }
    }

    @Test("DescribeCluster v0/v1: cluster id, controller and the broker's address")
    func describeCluster() async throws {
        try await withBroker { broker in
            let port = try #require(broker.broker.kafkaAddress?.port)
            for version: Int16 in [0, 1] {
                let response = try await broker.call(
                    DescribeClusterRequest(includeClusterAuthorizedOperations: false, endpointType: 1), version: version)
                #expect(response.errorCode == 0)
                #expect(response.clusterId == broker.broker.clusterID)
                #expect(response.controllerId == 1)
                #expect(response.brokers.map(\.brokerId) == [1])
                #expect(response.brokers.first?.host == "127.0.0.1")
                #expect(response.brokers.first.map { Int($0.port) } == port)
                if version >= 1 { #expect(response.endpointType == 1) }
            }
            let metadata = try await broker.metadata(nil)
            #expect(metadata.clusterId == broker.broker.clusterID)
        }
    }
}
