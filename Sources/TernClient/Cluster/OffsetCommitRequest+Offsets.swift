import TernWire

extension OffsetCommitRequest {
    /// A commit of `offsets` (the next offset to read, per partition) for `group`: a member's
    /// (its generation and id) or, with generation -1 and no member id, an admin's or a simple
    /// consumer's. No leader epochs, empty metadata, the broker's retention.
    static func committing(
        _ offsets: [TopicPartition: Int64], group: String, generation: Int32 = -1, memberID: String = ""
    ) -> OffsetCommitRequest {
        var byTopic: [String: [OffsetCommitRequestPartition]] = [:]
        for (partition, offset) in offsets {
            var entry = OffsetCommitRequestPartition()
            entry.partitionIndex = partition.partition
            entry.committedOffset = offset
            entry.committedLeaderEpoch = -1
            entry.committedMetadata = ""
            byTopic[partition.topic, default: []].append(entry)
        }
        var request = OffsetCommitRequest()
        request.groupId = group
        request.generationIdOrMemberEpoch = generation
        request.memberId = memberID
        request.retentionTimeMs = -1
        request.topics = byTopic.sorted { $0.key < $1.key }.map { name, partitions in
            var topic = OffsetCommitRequestTopic()
            topic.name = name
            topic.partitions = partitions.sorted { $0.partitionIndex < $1.partitionIndex }
            return topic
        }
        return request
    }
}
