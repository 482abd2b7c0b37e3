/// Bounds of the broker's consumer-group coordinator (TernBroker's side of TernCoordination).
extension Limits {
    /// Partitions `__consumer_offsets` may have: each is a Raft group on three nodes.
    public static let offsetsTopicPartitionsMax = 1_000

    /// JoinGroup and SyncGroup requests one coordinator partition holds parked at once; past
    /// this a new parked call is answered COORDINATOR_NOT_AVAILABLE (the client retries).
    public static let groupParkedCallsMax = 10_000

    /// Partitions one OffsetCommit may name (each becomes a record of one batch).
    public static let offsetCommitPartitionsMax = 10_000

    /// Bytes of an offset's metadata string (Kafka's `offset.metadata.max.bytes`); longer is
    /// OFFSET_METADATA_TOO_LARGE.
    public static let offsetMetadataBytesMax = 4_096

    /// Groups one ListGroups answer lists per broker.
    public static let listedGroupsMax = 100_000
}
