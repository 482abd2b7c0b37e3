public import TernModel

/// Which committed offset a record is about (Kafka's `OffsetCommitKey`).
public struct OffsetCommitKey: Hashable, Sendable {
    public var group: String
    public var topic: String
    public var partition: Int32

    public init(group: String, topic: String, partition: Int32) {
        self.group = group
        self.topic = topic
        self.partition = partition
    }
}

/// A committed offset (Kafka's `OffsetCommitValue`).
public struct OffsetCommitValue: Hashable, Sendable {
    /// The next offset the group will consume.
    public var offset: Offset
    /// The leader epoch of the last consumed record, or -1.
    public var leaderEpoch: Int32
    /// The client's metadata string ("" when none was sent).
    public var metadata: String
    /// When the commit was made.
    public var commitTimestamp: TimestampMs
    /// Value v1's explicit expiry (OffsetCommit v1's retention), else nil.
    public var expireTimestamp: TimestampMs?

    public init(
        offset: Offset, leaderEpoch: Int32, metadata: String, commitTimestamp: TimestampMs,
        expireTimestamp: TimestampMs? = nil
    ) {
        self.offset = offset
        self.leaderEpoch = leaderEpoch
        self.metadata = metadata
        self.commitTimestamp = commitTimestamp
        self.expireTimestamp = expireTimestamp
    }
}

/// One record of `__consumer_offsets`: a committed offset or a group's metadata; a nil value
/// is a tombstone (the offset or the group is deleted).
public enum OffsetsRecord: Hashable, Sendable {
    case offsetCommit(OffsetCommitKey, OffsetCommitValue?)
    case groupMetadata(group: String, GroupMetadataValue?)

    /// The group the record belongs to.
    public var group: String {
        switch self {
        case .offsetCommit(let key, _): key.group
        case .groupMetadata(let group, _): group
        }
    }
}
