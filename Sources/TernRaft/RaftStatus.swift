public import TernModel

/// The role a node plays in its current term.
public enum RaftRole: Hashable, Sendable, CustomStringConvertible {
    /// Follows the leader of its term (or waits for one).
    case follower
    /// Asking whether it could win an election, without raising its term (§9.6).
    case preCandidate
    /// Campaigning in its own, raised term.
    case candidate
    /// Leads its term: the only role that accepts proposals.
    case leader
    public var description: String {
        switch self {
        case .follower: "follower"
        case .preCandidate: "pre-candidate"
        case .candidate: "candidate"
        case .leader: "leader"
        }
    }
}

/// How the leader currently replicates to one follower (etcd's tracker states):
///
///     probe ──(append accepted)──▶ replicate ──(rejected / unreachable)──▶ probe
///       │                                                                    ▲
///       └──(next is before the log start)──▶ snapshot ──(reportSnapshot / caught up)┘
public enum ReplicationState: Hashable, Sendable, CustomStringConvertible {
    /// One AppendEntries per heartbeat until the follower's match position is found.
    case probe
    /// Optimistic pipelining within the in-flight window.
    case replicate
    /// An InstallSnapshot is outstanding; nothing else is sent.
    case snapshot
    public var description: String {
        switch self {
        case .probe: "probe"
        case .replicate: "replicate"
        case .snapshot: "snapshot"
        }
    }
}

/// The leader's view of one member.
public struct FollowerStatus: Hashable, Sendable, CustomStringConvertible {
    /// The member.
    public var id: NodeID
    /// Highest index known to match the leader's log.
    public var match: Offset
    /// First offset the leader will send next (the entry before it is the next `prev`).
    public var next: Offset
    /// Replication state.
    public var state: ReplicationState
    /// Whether the member answered within the current check-quorum window.
    public var recentActive: Bool
    /// AppendEntries in flight.
    public var inflightMessages: Int
    /// Whether the member is a learner.
    public var isLearner: Bool

    public var description: String {
        "\(id): match=\(match) next=\(next) \(state)\(isLearner ? " learner" : "")"
            + (inflightMessages > 0 ? " inflight=\(inflightMessages)" : "")
    }
}

/// A snapshot of a node's state for metrics, tests and the runtime.
public struct RaftStatus: Hashable, Sendable {
    /// This node.
    public var id: NodeID
    /// Current role.
    public var role: RaftRole
    /// Current term.
    public var term: Term
    /// Vote cast in `term`.
    public var vote: NodeID?
    /// The leader of `term`, if known.
    public var leader: NodeID?
    /// Commit index (Kafka high watermark minus one).
    public var commit: Offset
    /// Highest index handed to the application and confirmed by `advance`.
    public var applied: Offset
    /// First offset still in the log (the snapshot point plus one).
    public var logStart: Offset
    /// Index of the last entry (or the snapshot point if the log is empty).
    public var lastIndex: Offset
    /// The configuration in force (the latest in the log, committed or not).
    public var configuration: ClusterConfiguration
    /// Leadership transfer target, while a transfer is under way (leader only).
    public var transferTarget: NodeID?
    /// Per-member replication state, sorted by id (leader only; includes the leader itself).
    public var progress: [FollowerStatus]
}
