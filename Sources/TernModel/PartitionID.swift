/// A partition number inside a topic (Kafka int32, from 0).
public struct PartitionID: TypedInteger {
    public var rawValue: Int32
    @inlinable public init(_ rawValue: Int32) { self.rawValue = rawValue }
}

/// One partition of one topic: the unit of replication (a Raft group) and of ordering.
public struct TopicPartition: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var topic: String
    public var partition: PartitionID

    public init(topic: String, partition: PartitionID) {
        self.topic = topic
        self.partition = partition
    }

    public static func < (lhs: TopicPartition, rhs: TopicPartition) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }

    /// `topic-partition`, the name Kafka (and Tern's data directory) uses.
    public var description: String { "\(topic)-\(partition.rawValue)" }
}
