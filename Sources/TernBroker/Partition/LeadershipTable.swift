public import TernModel
import Synchronization

/// Who leads one partition, as this broker last heard, and in which epoch (Raft term).
public struct PartitionLeadership: Sendable, Equatable {
    /// The leader, or nil while an election is under way.
    public var leader: NodeID?
    /// The leader epoch (the Raft term); -1 if unknown.
    public var epoch: Int32

    /// A leadership value.
    public init(leader: NodeID?, epoch: Int32) {
        self.leader = leader
        self.epoch = epoch
    }
}

/// The leadership of every partition this broker knows: published by each local replica when it
/// changes, and by the leaders of other brokers through the metadata sync RPC (pushed at once,
/// repaired every second). Read without hopping to any replica (Metadata, Produce v10's
/// CurrentLeader, DescribeCluster). Epochs never go backwards here: a late publication of an
/// older epoch is ignored, because librdkafka ignores Metadata whose epoch went backwards and
/// would stick to a stale leader; and within one epoch a known leader is not replaced by
/// "unknown" (a follower publishes its new term before it has heard from the leader).
public final class LeadershipTable: Sendable {
    private let entries = Mutex<[TopicPartition: PartitionLeadership]>([:])

    /// An empty table.
    public init() {}

    /// Records `leadership` for `partition` unless an entry of a newer epoch is there.
    public func publish(_ partition: TopicPartition, _ leadership: PartitionLeadership) {
        entries.withLock { table in
            if let known = table[partition] {
                if known.epoch > leadership.epoch { return }
                if known.epoch == leadership.epoch, known.leader != nil, leadership.leader == nil { return }
            }
            table[partition] = leadership
        }
    }

    /// Forgets `partition` (its replica closed).
    public func remove(_ partition: TopicPartition) {
        _ = entries.withLock { $0.removeValue(forKey: partition) }
    }

    /// Every entry.
    public func all() -> [TopicPartition: PartitionLeadership] { entries.withLock { $0 } }

    /// Forgets every partition not in `kept` (deleted topics).
    public func retain(_ kept: Set<TopicPartition>) {
        entries.withLock { table in table = table.filter { kept.contains($0.key) } }
    }

    /// The leadership of `partition`, or nil if no replica here published one.
    public func leadership(of partition: TopicPartition) -> PartitionLeadership? {
        entries.withLock { $0[partition] }
    }
}
