// Metadata (key 3): v0–v12.
//
// Behaviour:
// - Answered from this broker's metadata image and leadership table, without hopping to any
//   partition: cluster id, controller id, brokers, and per partition the leader, its epoch
//   (v7+, the Raft term, never going backwards), replicas and in-sync replicas.
// - Topics: v0 empty = all; v1+ null = all, empty = none; v10+ by name or by topic id.
// - Unknown topics: UNKNOWN_TOPIC_OR_PARTITION, or (with `auto.create.topics.enable` and
//   AllowAutoTopicCreation, v4+; always allowed below v4) created with the broker defaults.
//   Invalid names get INVALID_TOPIC_EXCEPTION. Unknown ids get UNKNOWN_TOPIC_ID.
// - A partition without a leader: LEADER_NOT_AVAILABLE with leader -1; so is one whose leader's
//   peer connection from here is down (its process likely died). Before answering, the handler
//   lets every network event loop run once (`peerEventBarrier`): a peer connection's end that
//   the kernel had already delivered is then processed first. A client asks for metadata the
//   moment its own connection to a killed leader breaks; without the barrier that question
//   sometimes overtook our own notice of the same death by a millisecond, the client was told
//   the dead leader still led, and librdkafka waited for its next periodic refresh (0.4–1 s).
// - Topic ids (v10+) are the topic's random id, never zero.
// - v13's top-level error code is not served (advertised up to v12).
// - Authorized operations (v8+), when asked for: everything the resource type supports, as
//   Kafka answers without an authorizer (kafka-python's admin decodes the bits and refuses
//   Kafka's "not requested" value when it asked).
import NIOCore
import NIOPosix
import Synchronization
import TernModel
import TernTransport
import TernWire
import TernController

/// Kafka's `AclOperation` bit sets for "every operation", answered when the client asks for
/// authorized operations: Tern has no authorizer, like a Kafka broker without one.
enum AuthorizedOperations {
    /// READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS.
    static let topic: Int32 = [3, 4, 5, 6, 7, 8, 10, 11].reduce(0) { $0 | (1 << $1) }
    /// CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE.
    static let cluster: Int32 = [5, 7, 8, 9, 10, 11, 12].reduce(0) { $0 | (1 << $1) }
}

extension Broker {
    func metadata(_ request: MetadataRequest, _ head: KafkaRequestHead) async -> MetadataResponse {
        await peerEventBarrier()
        let version = head.apiVersion
        var image = state.withLock { $0.image }
        var topics: [MetadataResponse.MetadataResponseTopic] = []
        let withOperations = version >= 8 && request.includeTopicAuthorizedOperations
        let requested = request.topics.flatMap { version == 0 && $0.isEmpty ? nil : $0 }
        if let requested {
            let allowCreate = configuration.autoCreateTopics && (version < 4 || request.allowAutoTopicCreation)
            let unknownNames = requested.compactMap(\.name).filter { image.topics[$0] == nil }
            if allowCreate, !unknownNames.isEmpty {
                await autoCreate(Set(unknownNames).sorted())
                image = state.withLock { $0.image }
            }
            for wanted in requested {
                if let name = wanted.name {
                    topics.append(metadataTopic(named: name, image: image, includeTopicOperations: withOperations))
                } else if let topic = image.topic(withID: wanted.topicId.high, wanted.topicId.low) {
                    topics.append(metadataTopic(topic, includeTopicOperations: withOperations))
                } else {
                    topics.append(
                        MetadataResponse.MetadataResponseTopic(
                            errorCode: ErrorCode.unknownTopicId.rawValue, name: nil, topicId: wanted.topicId))
                }
            }
        } else {
            topics = image.topics.values.sorted { $0.name < $1.name }.map {
                metadataTopic($0, includeTopicOperations: withOperations)
            }
        }
        return MetadataResponse(
            throttleTimeMs: 0,
            brokers: knownBrokers.map {
                MetadataResponse.MetadataResponseBroker(nodeId: $0.id, host: $0.host, port: $0.port, rack: nil)
            },
            clusterId: clusterID, controllerId: (controllerLeader.leader ?? nodeID).rawValue, topics: topics,
            clusterAuthorizedOperations: request.includeClusterAuthorizedOperations
                ? AuthorizedOperations.cluster : Int32.min)
    }

    private func metadataTopic(
        named name: String, image: MetadataImage, includeTopicOperations: Bool
    ) -> MetadataResponse.MetadataResponseTopic {
        if let topic = image.topics[name] { return metadataTopic(topic, includeTopicOperations: includeTopicOperations) }
        let error: ErrorCode = TopicName.problem(name) == nil ? .unknownTopicOrPartition : .invalidTopicException
        return MetadataResponse.MetadataResponseTopic(errorCode: error.rawValue, name: name)
    }

    private func metadataTopic(
        _ topic: TopicMetadata, includeTopicOperations: Bool
    ) -> MetadataResponse.MetadataResponseTopic {
        let partitions = topic.partitions.map { partition in
            let replicas = topic.replicas[Int(partition.partition.rawValue)]
            let known = liveLeadership(of: partition)
            let leader = known?.leader
            return MetadataResponse.MetadataResponsePartition(
                errorCode: (leader == nil ? ErrorCode.leaderNotAvailable : .noError).rawValue,
                partitionIndex: partition.partition.rawValue, leaderId: leader?.rawValue ?? -1,
                leaderEpoch: known?.epoch ?? -1, replicaNodes: replicas, isrNodes: replicas, offlineReplicas: [])
        }
        return MetadataResponse.MetadataResponseTopic(
            errorCode: 0, name: topic.name, topicId: topic.id, isInternal: topic.isInternal, partitions: partitions,
            topicAuthorizedOperations: includeTopicOperations ? AuthorizedOperations.topic : Int32.min)
    }
}

extension Broker {
    /// Waits until every network event loop has run one task: I/O events the kernel delivered
    /// before (a peer connection's end) are handled before it (NIO serves ready I/O before
    /// queued tasks in each loop iteration). Microseconds when the loops are idle; nothing to do
    /// for a cluster of one.
    func peerEventBarrier() async {
        guard !network.clients.isEmpty else { return }
        for loop in networkGroup.makeIterator() {
            try? await loop.submit {}.get()
        }
    }
}
