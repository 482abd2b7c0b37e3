/// Bounds of the Raft core (TernRaft). Every queue the core keeps and every message it builds is
/// limited by one of these, so a slow follower or a burst of proposals cannot grow memory
/// without bound (STYLE.md habit 5).
extension Limits {
    /// Most AppendEntries messages in flight (sent, not yet acknowledged) toward one follower.
    /// Pipelining hides the round trip; past this window the leader waits for acknowledgements,
    /// which bounds the memory a slow follower pins on the leader and on the network.
    public static let raftInflightMessagesMax = 256

    /// Most payload bytes in flight toward one follower (same reason, measured in bytes, so a
    /// window of large batches cannot pin gigabytes).
    public static let raftInflightBytesMax = 32 * 1024 * 1024

    /// Most entries in one AppendEntries message: bounds the message size when batches are
    /// tiny and keeps a message's processing time on the receiver short.
    public static let raftEntriesPerMessageMax = 1_024

    /// Soft byte budget of one AppendEntries message. A message always carries at least one
    /// entry, so a single batch larger than this (up to `batchBytesMax`) still travels.
    public static let raftMessageBytesMax = 1024 * 1024

    /// Most committed entries handed to the application in one `Ready`, so one apply step
    /// stays short and the group's owner can serve other groups in between.
    public static let raftCommittedEntriesPerReadyMax = 4_096

    /// Soft byte budget of the committed entries in one `Ready` (at least one entry is handed).
    public static let raftCommittedBytesPerReadyMax = 8 * 1024 * 1024

    /// Most entries the core holds that are not yet persisted. Past this the leader refuses
    /// proposals until the caller's storage catches up: backpressure instead of unbounded memory.
    public static let raftUnstableEntriesMax = 16_384

    /// Most members (voters plus learners) of one group. Tern replicates a partition 3 or 5
    /// ways; the bound keeps the leader's per-follower arrays and quorum sorting tiny.
    public static let raftMembersMax = 16

    /// Longest election timeout in ticks. Timeouts are randomized in [e, 2e), so this also
    /// bounds every tick counter the core keeps.
    public static let raftElectionTicksMax = 10_000
}
