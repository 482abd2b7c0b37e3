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

/// The leadership of every partition this broker hosts, published by each replica when it
/// changes and read without hopping to any replica (Metadata, DescribeCluster). Epochs never
/// go backwards here: a late publication of an older epoch is ignored, because librdkafka
/// ignores Metadata whose epoch went backwards and would stick to a stale leader.
public final class LeadershipTable: Sendable {
    private let entries = Mutex<[TopicPartition: PartitionLeadership]>([:])

    /// An empty table.
    public init() {}

    /// Records `leadership` for `partition` unless an entry of a newer epoch is there.
    public func publish(_ partition: TopicPartition, _ leadership: PartitionLeadership) {
        entries.withLock { table in
            if let known = table[partition], known.epoch > leadership.epoch { return }
            table[partition] = leadership
        }
    }

    /// Forgets `partition` (its replica closed).
    public func remove(_ partition: TopicPartition) {
        _ = entries.withLock { $0.removeValue(forKey: partition) }
    }

    /// The leadership of `partition`, or nil if no replica here published one.
    public func leadership(of partition: TopicPartition) -> PartitionLeadership? {
        entries.withLock { $0[partition] }
    }
}
