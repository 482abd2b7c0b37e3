import TernModel
import TernRaft

/// What a replica's owner hears from it, on the replica's executor, synchronously: the
/// controller group applies committed entries before the proposer's ticket completes, and the
/// broker pushes leadership changes to its peers at once.
struct ReplicaHooks: Sendable {
    /// Committed normal entries with their batch bytes (only if the replica keeps them).
    var committed: (@Sendable ([Entry]) -> Void)?
    /// The replica's view of leadership changed.
    var leadership: (@Sendable (TopicPartition, PartitionLeadership) -> Void)?

    init(
        committed: (@Sendable ([Entry]) -> Void)? = nil,
        leadership: (@Sendable (TopicPartition, PartitionLeadership) -> Void)? = nil
    ) {
        self.committed = committed
        self.leadership = leadership
    }
}
