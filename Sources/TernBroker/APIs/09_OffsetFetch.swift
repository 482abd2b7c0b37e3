// OffsetFetch (key 9): v1–v9.
//
// Behaviour:
// - Read from the applied state of the group's `__consumer_offsets` partition on its
//   coordinator (the leader): what it shows has been committed through Raft.
// - Named partitions without a commit answer offset -1, metadata "" (Kafka's NO_METADATA);
//   null topics (v2+) list every committed offset of the group.
// - v1 reports coordinator errors per partition, v2–v7 in the top-level error, v8+ per group
//   (the multi-group request shape).
// - `RequireStable` (v7+) changes nothing: Tern has no transactions, so nothing is pending.
import Synchronization
import TernController
import TernCoordination
import TernModel
import TernTransport
import TernWire

extension Broker {
    func offsetFetch(_ request: OffsetFetchRequest, _ head: KafkaRequestHead) async -> OffsetFetchResponse {
        if head.apiVersion >= 8 {
            var groups: [OffsetFetchResponse.OffsetFetchResponseGroup] = []
            for group in request.groups.prefix(Limits.listedGroupsMax) {
                let wanted = group.topics.map { $0.map { ($0.name, $0.partitionIndexes) } }
                let (error, topics) = await fetchCommitted(group: group.groupId, wanted)
                groups.append(
                    .init(
                        groupId: group.groupId,
                        topics: topics.map { name, partitions in
                            .init(
                                name: name,
                                partitions: partitions.map {
                                    .init(
                                        partitionIndex: $0.partition, committedOffset: $0.offset,
                                        committedLeaderEpoch: $0.leaderEpoch, metadata: $0.metadata, errorCode: 0)
                                })
                        }, errorCode: error.rawValue))
            }
            return OffsetFetchResponse(groups: groups)
        }
        let wanted = request.topics.map { $0.map { ($0.name, $0.partitionIndexes) } }
        let (error, topics) = await fetchCommitted(group: request.groupId, wanted)
        if head.apiVersion < 2, error != .noError {
            // v1 has no top-level error: every named partition carries it.
            return OffsetFetchResponse(
                topics: (wanted ?? []).map { name, partitions in
                    .init(
                        name: name,
                        partitions: partitions.map {
                            .init(
                                partitionIndex: $0, committedOffset: -1, committedLeaderEpoch: -1, metadata: "",
                                errorCode: error.rawValue)
                        })
                })
        }
        return OffsetFetchResponse(
            topics: topics.map { name, partitions in
                .init(
                    name: name,
                    partitions: partitions.map {
                        .init(
                            partitionIndex: $0.partition, committedOffset: $0.offset,
                            committedLeaderEpoch: $0.leaderEpoch, metadata: $0.metadata, errorCode: 0)
                    })
            }, errorCode: error.rawValue)
    }

    /// One committed offset as OffsetFetch reports it.
    struct FetchedOffset {
        var partition: Int32
        var offset: Int64
        var leaderEpoch: Int32
        var metadata: String
    }

    /// The group's committed offsets for `wanted` (nil: all of them), by topic in request order
    /// (or sorted, for all), or the coordinator error.
    func fetchCommitted(
        group: String, _ wanted: [(String, [Int32])]?
    ) async -> (ErrorCode, [(String, [FetchedOffset])]) {
        let shard: GroupShard
        switch await coordinator(for: group) {
        case .failure(let error): return (error, [])
        case .success(let found): shard = found
        }
        // Only this group's offsets are copied out (a copy of one group, not of the partition).
        let committed = shard.offsets.read { $0.offsets(of: group) }
        if let wanted {
            return (
                .noError,
                wanted.map { topic, partitions in
                    (
                        topic,
                        partitions.map { partition in
                            let key = OffsetCommitKey(group: group, topic: topic, partition: partition)
                            guard let value = committed[key] else {
                                return FetchedOffset(partition: partition, offset: -1, leaderEpoch: -1, metadata: "")
                            }
                            return FetchedOffset(
                                partition: partition, offset: value.offset.rawValue, leaderEpoch: value.leaderEpoch,
                                metadata: value.metadata)
                        }
                    )
                }
            )
        }
        var byTopic: [String: [FetchedOffset]] = [:]
        for (key, value) in committed {
            byTopic[key.topic, default: []].append(
                FetchedOffset(
                    partition: key.partition, offset: value.offset.rawValue, leaderEpoch: value.leaderEpoch,
                    metadata: value.metadata))
        }
        return (
            .noError,
            byTopic.keys.sorted().map { topic in (topic, byTopic[topic, default: []].sorted { $0.partition < $1.partition }) }
        )
    }
}
