/// Committed offsets sort by group, then topic, then partition, so that every list derived from
/// an `OffsetsState` (expired offsets, snapshot records) comes out in the same order on every
/// replica, whatever the dictionaries' iteration order.
extension OffsetCommitKey: Comparable {
    public static func < (lhs: OffsetCommitKey, rhs: OffsetCommitKey) -> Bool {
        if lhs.group != rhs.group { return lhs.group < rhs.group }
        if lhs.topic != rhs.topic { return lhs.topic < rhs.topic }
        return lhs.partition < rhs.partition
    }
}
