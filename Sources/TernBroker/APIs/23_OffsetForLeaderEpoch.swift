// OffsetForLeaderEpoch (key 23): v2–v4.
//
// Behaviour:
// - For each partition: the largest leader epoch (Raft term) at most the asked LeaderEpoch that
//   the leader's log holds, and its end offset (the first offset of the next epoch, or the log
//   end for the current epoch). librdkafka (KIP-320) validates its position with this after a
//   leader change; a position beyond the end offset means its data diverged.
// - An epoch older than every epoch in the log: epoch -1, offset -1 (UNDEFINED).
// - CurrentLeaderEpoch fencing: FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH.
// - Errors: UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE.
import NIOPosix
import Synchronization
import TernModel
import TernTransport
import TernWire

extension Broker {
    func offsetForLeaderEpoch(
        _ request: OffsetForLeaderEpochRequest, _ head: KafkaRequestHead
    ) async -> OffsetForLeaderEpochResponse {
        var topics: [OffsetForLeaderEpochResponse.OffsetForLeaderTopicResult] = []
        for topic in request.topics {
            var partitions: [OffsetForLeaderEpochResponse.EpochEndOffset] = []
            for wanted in topic.partitions {
                let partition = TopicPartition(topic: topic.topic, partition: PartitionID(wanted.partition))
                var answer = OffsetForLeaderEpochResponse.EpochEndOffset(
                    errorCode: 0, partition: wanted.partition, leaderEpoch: -1, endOffset: -1)
                if let replica = hostedReplica(partition) {
                    let (error, epoch, end) = await replica.endOffset(
                        forEpoch: wanted.leaderEpoch, currentLeaderEpoch: wanted.currentLeaderEpoch)
                    answer.errorCode = error.rawValue
                    answer.leaderEpoch = epoch
                    answer.endOffset = end.rawValue
                } else {
                    let error: ErrorCode = knownPartition(partition) ? .notLeaderOrFollower : .unknownTopicOrPartition
                    answer.errorCode = error.rawValue
                }
                partitions.append(answer)
            }
            topics.append(OffsetForLeaderEpochResponse.OffsetForLeaderTopicResult(topic: topic.topic, partitions: partitions))
        }
        return OffsetForLeaderEpochResponse(throttleTimeMs: 0, topics: topics)
    }
}
