public import TernModel

/// The materialized state of one `__consumer_offsets` partition: the last committed offset of
/// every (group, topic, partition) and the last stored metadata of every group.
///
/// Every replica keeps one, applying the partition's committed records in log order, so a new
/// coordinator has the groups and offsets at hand the moment it is elected (it only waits for
/// its own apply to reach the commit index). Applying is deterministic and idempotent by
/// offset: a record at or below `appliedOffset` is ignored, so replaying the log over a snapshot
/// is harmless.
public struct OffsetsState: Sendable, Equatable {
    /// The log offset of the last applied record, nil before the first.
    public private(set) var appliedOffset: Offset?
    /// The last stored metadata of each group (a tombstone removes the group).
    public private(set) var groups: [String: GroupMetadataValue]
    /// Committed offsets by group. A group's entry is removed with its last offset, so two
    /// states holding the same offsets compare equal however they got there.
    private(set) var offsetsByGroup: [String: [OffsetCommitKey: OffsetCommitValue]]

    /// The state of an empty partition.
    public init() {
        self.appliedOffset = nil
        self.groups = [:]
        self.offsetsByGroup = [:]
    }

    /// Applies the committed `record` found at `offset`. A nil value (tombstone) deletes the
    /// offset or the group metadata; deleting what is not there is not an error (compaction
    /// may have removed the record a tombstone refers to).
    ///
    /// The record is stored as it reads back from the log (`OffsetsRecordCodec.stored`): an
    /// offset with an explicit expiry keeps no leader epoch, since value v1 has none.
    ///
    /// - Precondition: `offset` is not negative.
    public mutating func apply(_ record: OffsetsRecord, at offset: Offset) {
        precondition(offset >= .zero, "a log offset is not negative")
        if let appliedOffset, offset <= appliedOffset {
            return
        }
        appliedOffset = offset
        insert(OffsetsRecordCodec.stored(record))
    }

    /// Stores or deletes what `record` says, without looking at offsets (apply and snapshot
    /// loading share it).
    mutating func insert(_ record: OffsetsRecord) {
        switch record {
        case .offsetCommit(let key, let value?):
            offsetsByGroup[key.group, default: [:]][key] = value
        case .offsetCommit(let key, nil):
            offsetsByGroup[key.group]?[key] = nil
            if offsetsByGroup[key.group]?.isEmpty == true {
                offsetsByGroup[key.group] = nil
            }
        case .groupMetadata(let group, let value):
            groups[group] = value
        }
    }

    /// Restores `appliedOffset` (snapshot loading).
    mutating func setAppliedOffset(_ offset: Offset?) {
        appliedOffset = offset
    }

    /// The committed offset for `key`, if any.
    public func committed(_ key: OffsetCommitKey) -> OffsetCommitValue? {
        offsetsByGroup[key.group]?[key]
    }

    /// Every committed offset of `group` (OffsetFetch for all partitions, DescribeGroups lag).
    public func offsets(of group: String) -> [OffsetCommitKey: OffsetCommitValue] {
        offsetsByGroup[group] ?? [:]
    }

    /// Whether the partition knows `group`: stored metadata or a committed offset (a group an
    /// Empty DescribeGroups shows, DeleteGroups and OffsetDelete act on).
    public func knows(_ group: String) -> Bool {
        groups[group] != nil || offsetsByGroup[group]?.isEmpty == false
    }

    /// Groups with metadata or with at least one committed offset (simple consumers commit
    /// without ever joining, and ListGroups still shows them, as Kafka does), sorted.
    public var groupIDs: [String] {
        Set(groups.keys).union(offsetsByGroup.keys).sorted()
    }

    /// How many committed offsets the partition holds.
    public var offsetCount: Int {
        offsetsByGroup.values.reduce(0) { $0 + $1.count }
    }
}
