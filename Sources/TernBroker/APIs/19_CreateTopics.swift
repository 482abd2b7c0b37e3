// CreateTopics (key 19): v2–v7.
//
// Behaviour:
// - Any broker accepts it (Kafka's NOT_CONTROLLER is never needed): the change is made durable
//   in the cluster metadata, the partitions are opened, and the answer waits (up to TimeoutMs,
//   at most 60 s) until every new partition has a leader, as Kafka does.
// - Errors as Kafka: INVALID_TOPIC_EXCEPTION (name rules, '.'/'_' collisions),
//   TOPIC_ALREADY_EXISTS, INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR (more replicas than
//   brokers), INVALID_REPLICA_ASSIGNMENT, INVALID_REQUEST (assignments together with counts,
//   duplicate names), INVALID_CONFIG (unknown config or bad value, e.g. cleanup.policy=compact).
// - v4+: NumPartitions / ReplicationFactor -1 mean the broker defaults.
// - ValidateOnly: every check, nothing changed.
// - v5+ answers the partition count, replication factor and the configs in force; v7+ the id.
import NIOPosix
import Synchronization
import TernModel
import TernTransport
import TernWire
import TernController

extension Broker {
    func createTopics(_ request: CreateTopicsRequest, _ head: KafkaRequestHead) async -> CreateTopicsResponse {
        let creations = request.topics.map { topic in
            TopicCreation(
                name: topic.name, partitions: topic.numPartitions, replicationFactor: topic.replicationFactor,
                assignments: topic.assignments.sorted { $0.partitionIndex < $1.partitionIndex }.map(\.brokerIds),
                configs: topic.configs.map { TopicConfigOverride(name: $0.name, value: $0.value) })
        }
        let outcomes = await createTopics(creations, validateOnly: request.validateOnly, timeoutMs: request.timeoutMs)
        let results = zip(request.topics, outcomes).map { topic, outcome in
            var result = CreateTopicsResponse.CreatableTopicResult(
                name: topic.name, errorCode: outcome.error.rawValue, errorMessage: outcome.message)
            if let created = outcome.topic {
                result.topicId = request.validateOnly ? .zero : created.id
                result.numPartitions = created.partitionCount
                result.replicationFactor = created.replicationFactor
                result.configs = TopicConfig.effective(created.configs, broker: configuration).map { entry in
                    CreateTopicsResponse.CreatableTopicConfigs(
                        name: entry.entry.name, value: entry.value, readOnly: false,
                        configSource: entry.isDefault ? ConfigSource.defaultConfig : ConfigSource.topic,
                        isSensitive: false)
                }
            }
            return result
        }
        return CreateTopicsResponse(throttleTimeMs: 0, topics: results)
    }
}

/// Kafka's `ConfigSource` values (DescribeConfigs v1+, CreateTopics v5+).
enum ConfigSource {
    /// A topic override.
    static let topic: Int8 = 1
    /// A static broker setting (the broker's file, environment or flags).
    static let staticBroker: Int8 = 4
    /// Kafka's built-in default.
    static let defaultConfig: Int8 = 5
}
