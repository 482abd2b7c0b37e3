// OffsetCommit (key 8): v2–v9.
//
// Behaviour:
// - The group's coordinator checks the member and generation (`GroupCoordinator.validateCommit`:
//   generation -1 with no member id is a simple consumer's commit, allowed while the group has
//   no members), then the commits are appended as one batch of Kafka-schema records to the
//   group's `__consumer_offsets` partition, and the answer waits for the Raft commit: an
//   acknowledged commit is on a majority and survives the coordinator's death.
// - Per partition: UNKNOWN_TOPIC_OR_PARTITION for a partition the cluster does not have,
//   OFFSET_METADATA_TOO_LARGE for metadata over 4 KiB; the rest are committed together.
// - v2–v4 `RetentionTimeMs` other than -1 is stored as the offset's expiry time.
// - A failed append answers NOT_COORDINATOR (leadership moved) or COORDINATOR_NOT_AVAILABLE.
import Synchronization
import TernController
import TernCoordination
import TernModel
import TernTransport
import TernWire

extension Broker {
    func offsetCommit(_ request: OffsetCommitRequest, _ head: KafkaRequestHead) async -> OffsetCommitResponse {
        let answerAll = { (error: ErrorCode) in
            OffsetCommitResponse(
                topics: request.topics.map { topic in
                    OffsetCommitResponse.OffsetCommitResponseTopic(
                        name: topic.name,
                        partitions: topic.partitions.map {
                            .init(partitionIndex: $0.partitionIndex, errorCode: error.rawValue)
                        })
                })
        }
        let count = request.topics.reduce(0) { $0 + $1.partitions.count }
        guard count <= Limits.offsetCommitPartitionsMax else { return answerAll(.invalidRequest) }
        guard !request.groupId.isEmpty else { return answerAll(.invalidGroupId) }
        let shard: GroupShard
        switch await coordinator(for: request.groupId) {
        case .failure(let error): return answerAll(error)
        case .success(let found): shard = found
        }
        let now = clock.now()
        let member = GroupMemberRef(
            groupID: request.groupId, memberID: request.memberId, generation: request.generationIdOrMemberEpoch,
            groupInstanceID: request.groupInstanceId)
        let verdict = shard.validateCommit(member, now: now)
        guard verdict == .noError else { return answerAll(verdict) }

        let image = state.withLock { $0.image }
        let expiry = head.apiVersion <= 4 && request.retentionTimeMs >= 0
            ? now.advanced(by: request.retentionTimeMs) : nil
        // Per partition: an error decided now, or nil for one that is written.
        var decided: [[ErrorCode?]] = []
        var records: [OffsetsRecord] = []
        for topic in request.topics {
            let known = image.topics[topic.name]
            decided.append(topic.partitions.map { partition in
                guard let known, partition.partitionIndex >= 0, partition.partitionIndex < known.partitionCount else {
                    return .unknownTopicOrPartition
                }
                let metadata = partition.committedMetadata ?? ""
                guard metadata.utf8.count <= Limits.offsetMetadataBytesMax else { return .offsetMetadataTooLarge }
                let key = OffsetCommitKey(group: request.groupId, topic: topic.name, partition: partition.partitionIndex)
                let value = OffsetCommitValue(
                    offset: Offset(partition.committedOffset),
                    leaderEpoch: head.apiVersion >= 6 ? partition.committedLeaderEpoch : -1, metadata: metadata,
                    commitTimestamp: now, expireTimestamp: expiry)
                records.append(.offsetCommit(key, value))
                return nil
            })
        }
        let written = await shard.appendAll(records, tooLarge: .invalidCommitOffsetSize)
        return OffsetCommitResponse(
            topics: zip(request.topics, decided).map { topic, errors in
                OffsetCommitResponse.OffsetCommitResponseTopic(
                    name: topic.name,
                    partitions: zip(topic.partitions, errors).map { partition, error in
                        .init(partitionIndex: partition.partitionIndex, errorCode: (error ?? written).rawValue)
                    })
            })
    }
}
