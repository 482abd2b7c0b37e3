// DescribeConfigs (key 32): v1–v4.
//
// Behaviour:
// - Topics (resource type 2): every config Tern honours with Kafka's names (TopicConfig), the
//   value in force, its source (1 topic override, 5 default), synonyms when asked (the broker
//   setting behind a default), v3+ the config type and documentation when asked.
// - ConfigurationKeys filters; null means all.
// - Brokers (type 4): the broker's static settings, read-only (source 4), for this broker's id
//   (or the empty name, Kafka's "the broker you asked").
// - Unknown topic: UNKNOWN_TOPIC_OR_PARTITION; another broker's id: INVALID_REQUEST; other
//   resource types: INVALID_REQUEST.
import NIOPosix
import Synchronization
import TernModel
import TernTransport
import TernWire
import TernController

extension Broker {
    func describeConfigs(_ request: DescribeConfigsRequest, _ head: KafkaRequestHead) -> DescribeConfigsResponse {
        let image = state.withLock { $0.image }
        let results = request.resources.map { resource -> DescribeConfigsResponse.DescribeConfigsResult in
            var result = DescribeConfigsResponse.DescribeConfigsResult(
                errorCode: 0, errorMessage: nil, resourceType: resource.resourceType, resourceName: resource.resourceName)
            let wanted = resource.configurationKeys.map(Set.init)
            switch resource.resourceType {
            case 2:
                guard let topic = image.topics[resource.resourceName] else {
                    result.errorCode = ErrorCode.unknownTopicOrPartition.rawValue
                    result.errorMessage = "The topic '\(resource.resourceName)' does not exist."
                    return result
                }
                result.configs = TopicConfig.effective(topic.configs, broker: configuration)
                    .filter { wanted?.contains($0.entry.name) ?? true }
                    .map { entry in
                        var config = DescribeConfigsResponse.DescribeConfigsResourceResult(
                            name: entry.entry.name, value: entry.value, readOnly: false,
                            configSource: entry.isDefault ? ConfigSource.defaultConfig : ConfigSource.topic,
                            isSensitive: false, configType: entry.entry.configType)
                        if request.includeSynonyms {
                            config.synonyms = [
                                DescribeConfigsResponse.DescribeConfigsSynonym(
                                    name: entry.entry.name, value: entry.value, source: config.configSource)
                            ]
                        }
                        if request.includeDocumentation { config.documentation = entry.entry.documentation }
                        return config
                    }
            case 4:
                guard resource.resourceName.isEmpty || resource.resourceName == String(nodeID.rawValue) else {
                    result.errorCode = ErrorCode.invalidRequest.rawValue
                    result.errorMessage = "broker \(resource.resourceName) is not this broker (\(nodeID))"
                    return result
                }
                result.configs = brokerConfigEntries()
                    .filter { wanted?.contains($0.name) ?? true }
                    .map { name, value in
                        DescribeConfigsResponse.DescribeConfigsResourceResult(
                            name: name, value: value, readOnly: true, configSource: ConfigSource.staticBroker,
                            isSensitive: false, configType: 2)
                    }
            default:
                result.errorCode = ErrorCode.invalidRequest.rawValue
                result.errorMessage = "resource type \(resource.resourceType) is not supported"
            }
            return result
        }
        return DescribeConfigsResponse(throttleTimeMs: 0, results: results)
    }

    /// The broker's settings as Kafka names them.
    private func brokerConfigEntries() -> [(name: String, value: String)] {
        let advertised = advertisedAddress
        return [
            ("node.id", String(nodeID.rawValue)), ("broker.id", String(nodeID.rawValue)),
            ("log.dirs", configuration.dataDirectory), ("listeners", "PLAINTEXT://\(configuration.kafkaListener)"),
            ("advertised.listeners", "PLAINTEXT://\(advertised)"),
            ("num.partitions", String(configuration.defaultPartitions)),
            ("default.replication.factor", String(configuration.defaultReplicationFactor)),
            ("auto.create.topics.enable", String(configuration.autoCreateTopics)),
            ("log.segment.bytes", String(configuration.segmentBytes)),
            ("log.retention.bytes", String(configuration.retentionBytes)),
            ("log.retention.ms", String(configuration.retentionMs)),
            ("socket.request.max.bytes", String(configuration.requestBytesMax)),
            ("log.fsync.policy", configuration.fsyncMode.rawValue),
        ]
    }
}
