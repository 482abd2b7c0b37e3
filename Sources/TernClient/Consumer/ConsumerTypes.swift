public import NIOCore
public import TernModel

/// A partition of a topic.
public struct TopicPartition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(_ topic: String, _ partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition) }
    public var description: String { "\(topic)-\(partition)" }
}

/// One record as consumed.
public struct ConsumerRecord: Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Offset
    public var timestamp: TimestampMs
    public var key: ByteBuffer?
    public var value: ByteBuffer?
    public var headers: [(key: String, value: ByteBuffer?)]

    public var topicPartition: TopicPartition { TopicPartition(topic, partition) }
    /// The value as UTF-8 text (nil for a null value).
    public var valueString: String? { value.map { String(buffer: $0) } }
    /// The key as UTF-8 text (nil for a null key).
    public var keyString: String? { key.map { String(buffer: $0) } }
}

/// Where to start reading a partition.
public enum SeekPosition: Sendable, Equatable {
    case offset(Int64)
    /// The log start offset.
    case beginning
    /// The high watermark: only records written from now on.
    case end
    /// The first offset whose timestamp is at or after this one (ListOffsets); the end if none.
    case timestamp(TimestampMs)
}

/// What the group did to this consumer's partitions.
public enum RebalanceEvent: Sendable, Equatable {
    /// Partitions taken away (before the new assignment; their positions were committed first
    /// when auto-commit is on).
    case revoked([TopicPartition])
    /// The new assignment, with the generation it belongs to.
    case assigned([TopicPartition], generation: Int32)
}
