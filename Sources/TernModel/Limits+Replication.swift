/// Bounds of the replication layer (TernReplication): a partition's Raft group over its TernLog.
extension Limits {
    /// Most `Ready` rounds one `ReplicaDriver.process` call carries out. Each round persists and
    /// applies a bounded amount (the core's own per-Ready limits); the bound keeps one call short
    /// so the partition's owner can serve other work, and the caller simply calls again.
    public static let replicaReadyRoundsMax = 64

    /// Bytes read from the log per step while `PartitionRaftLog` rebuilds its leader-epoch cache
    /// and configuration list on open: large enough that a scan is a few big reads, small enough
    /// that the scan's buffer stays modest.
    public static let replicaRecoveryReadBytesMax = 4 * 1024 * 1024

    /// Most members a configuration control batch may list when decoded (voters plus learners);
    /// the same bound as the Raft core's, checked before anything is allocated.
    public static let replicaConfigurationMembersMax = raftMembersMax

    /// Most segment boundaries one retention pass records in its checkpoint (16 bytes each, well
    /// inside `durableStatePayloadBytesMax`); a pass removes at most this many segments and the
    /// next pass continues.
    public static let replicaRetentionBoundariesMax = 16_384

    /// Raft messages in one inter-broker envelope (one peer, one flush). A flush of many groups
    /// is split into envelopes of at most this many, so a receiver never decodes an unbounded
    /// list; 65,536 covers a heartbeat of every group of a large broker in one envelope.
    public static let replicationEnvelopeMessagesMax = 65_536
}
