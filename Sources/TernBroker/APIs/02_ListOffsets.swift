// ListOffsets (key 2): v1–v7.
//
// Behaviour:
// - Timestamp -2: the log start offset; -1: the high watermark (what a consumer can read up
//   to); -3 (v7): the record with the largest timestamp; t >= 0: the first record whose
//   timestamp is at least t (decoded from its batch, so the answer is a record's offset and
//   timestamp, not a batch start), or offset -1 if none (offsetsForTimes).
// - Only committed records count. v4+: the leader epoch of the answer, and CurrentLeaderEpoch
//   fencing (FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH).
// - IsolationLevel is ignored (no transactions: committed == uncommitted).
// - Errors: UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE,
//   INVALID_REQUEST for timestamps below -3.
import NIOPosix
import Synchronization
import TernModel
import TernTransport
import TernWire
import TernController

extension Broker {
    func listOffsets(_ request: ListOffsetsRequest, _ head: KafkaRequestHead) async -> ListOffsetsResponse {
        var topics: [ListOffsetsResponse.ListOffsetsTopicResponse] = []
        for topic in request.topics {
            var partitions: [ListOffsetsResponse.ListOffsetsPartitionResponse] = []
            for wanted in topic.partitions {
                let partition = TopicPartition(topic: topic.name, partition: PartitionID(wanted.partitionIndex))
                let answer: OffsetAnswer
                if let replica = hostedReplica(partition) {
                    answer = await replica.offset(forTimestamp: wanted.timestamp, currentLeaderEpoch: wanted.currentLeaderEpoch)
                } else {
                    answer = OffsetAnswer(
                        error: knownPartition(partition) ? .notLeaderOrFollower : .unknownTopicOrPartition,
                        offset: .none, timestamp: .none, leaderEpoch: -1)
                }
                partitions.append(
                    ListOffsetsResponse.ListOffsetsPartitionResponse(
                        partitionIndex: wanted.partitionIndex, errorCode: answer.error.rawValue,
                        timestamp: answer.timestamp.rawValue, offset: answer.offset.rawValue,
                        leaderEpoch: answer.leaderEpoch))
            }
            topics.append(ListOffsetsResponse.ListOffsetsTopicResponse(name: topic.name, partitions: partitions))
        }
        return ListOffsetsResponse(throttleTimeMs: 0, topics: topics)
    }

    /// Whether the metadata has `partition`.
    func knownPartition(_ partition: TopicPartition) -> Bool {
        guard let topic = state.withLock({ $0.image.topics[partition.topic] }) else { return false }
        return partition.partition.rawValue >= 0 && partition.partition.rawValue < topic.partitionCount
    }

    /// The local replica of a partition the metadata has.
    func hostedReplica(_ partition: TopicPartition) -> PartitionReplica? {
        knownPartition(partition) ? replica(partition) : nil
    }
}
