/// Bounds of coordination (TernCoordination): consumer groups and the `__consumer_offsets`
/// partitions that store them.
extension Limits {
    /// Records in one batch written to a `__consumer_offsets` partition. Kafka appends all the
    /// offsets of one OffsetCommit request as one batch, so this is also the most partitions one
    /// commit stores atomically (the coordinator splits a larger commit into several batches).
    /// 10,000 partitions at Kafka's bounds (249-byte topic names, 4 KiB offset metadata) stay well
    /// inside `batchBytesMax`.
    public static let offsetsRecordsPerBatchMax = 10_000

    /// Records in one snapshot of a `__consumer_offsets` partition (committed offsets plus group
    /// metadata). Ten million is 200,000 groups of 50 partitions, far past what one partition of
    /// a three-node cluster serves; a snapshot that claims more is damaged and is refused before
    /// anything is allocated for it.
    public static let offsetsSnapshotRecordsMax = 10_000_000
}

/// Bounds of idempotent-producer state (TernCoordination's `ProducerStateTable`).
extension Limits {
    /// Producer ids with state in one partition. A partition written by more producers forgets
    /// the one idle longest, which then may write any sequence (as after Kafka's expiry). At
    /// about 400 bytes an entry, a full table is 40 MB.
    public static let producerStatesPerPartitionMax = 100_000
}
