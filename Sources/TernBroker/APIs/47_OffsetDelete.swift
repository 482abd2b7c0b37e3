// OffsetDelete (key 47): v0.
//
// Behaviour:
// - On the group's coordinator: GROUP_ID_NOT_FOUND for a group it does not know; per
//   partition GROUP_SUBSCRIBED_TO_TOPIC while a member of the group subscribes to the topic
//   (Kafka's rule for "consumer" groups), UNKNOWN_TOPIC_OR_PARTITION for a partition the
//   cluster does not have. The other partitions' commits get tombstones in one batch, answered
//   after the Raft commit.
import Synchronization
import TernController
import TernCoordination
import TernModel
import TernTransport
import TernWire

extension Broker {
    func offsetDelete(_ request: OffsetDeleteRequest, _ head: KafkaRequestHead) async -> OffsetDeleteResponse {
        let group = request.groupId
        let shard: GroupShard
        switch await coordinator(for: group) {
        case .failure(let error): return OffsetDeleteResponse(errorCode: error.rawValue, topics: [])
        case .success(let found): shard = found
        }
        let description = shard.describe(group)
        let committed = shard.offsets.read { $0.offsets(of: group) }
        guard description != nil || shard.offsets.read({ $0.knows(group) }) else {
            return OffsetDeleteResponse(errorCode: ErrorCode.groupIdNotFound.rawValue, topics: [])
        }
        var subscribed = Set<String>()
        if let description, description.protocolType == "consumer" {
            for member in description.members {
                subscribed.formUnion(ConsumerSubscription.topics(in: member.metadata) ?? [])
            }
        }
        let image = self.state.withLock { $0.image }
        var decided: [[ErrorCode?]] = []
        var records: [OffsetsRecord] = []
        for topic in request.topics.prefix(Limits.offsetCommitPartitionsMax) {
            decided.append(topic.partitions.map { partition in
                guard let known = image.topics[topic.name], partition.partitionIndex >= 0,
                    partition.partitionIndex < known.partitionCount
                else { return .unknownTopicOrPartition }
                if subscribed.contains(topic.name) { return .groupSubscribedToTopic }
                let key = OffsetCommitKey(group: group, topic: topic.name, partition: partition.partitionIndex)
                if committed[key] != nil { records.append(.offsetCommit(key, nil)) }
                return nil
            })
        }
        let written = await shard.appendAll(records)
        return OffsetDeleteResponse(
            errorCode: 0,
            topics: zip(request.topics, decided).map { topic, errors in
                .init(
                    name: topic.name,
                    partitions: zip(topic.partitions, errors).map { partition, error in
                        .init(partitionIndex: partition.partitionIndex, errorCode: (error ?? written).rawValue)
                    })
            })
    }
}
