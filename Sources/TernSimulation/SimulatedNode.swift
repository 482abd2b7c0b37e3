public import TernModel
public import TernRaft

extension SimulationRandom: RaftRandomSource {}

/// One simulated broker process hosting one Raft group member: its disk (which survives
/// crashes), the running node (absent while crashed), and the in-memory state machine.
public final class SimulatedNode {
    /// Position in the cluster, Raft id (`index + 1`), and the disk that survives crashes.
    public let index: NodeIndex
    public let id: NodeID
    public let disk: SimulatedDisk
    /// The running Raft node; nil while crashed or decommissioned.
    public var raft: RaftNode?
    /// Process starts so far (a restart makes a new incarnation).
    public var incarnation = 0
    /// State-machine digest and the index it stands at (volatile: rebuilt on restart).
    public var stateDigest = EntryDigest.emptyState
    public var stateIndex = Offset(-1)
    /// Set when a fault asks the node to crash as soon as the current step allows.
    public var crashRequested = false
    /// Removed from the group and shut down by the operator (liveness phase only).
    public var decommissioned = false
    /// Role and commit index seen at the node's last Ready, to spot a new leader or a commit
    /// move before the next Ready leaves (the moments targeted faults aim at).
    var observedRole = RaftRole.follower
    var observedCommit = Offset(-1)
    /// The commit index the checker last saw (observing an unchanged commit is skipped).
    var checkedCommit = Offset(-2)
    /// The leader state the leader checks last ran on.
    var checkedLeader: LeaderCheckKey?
    /// Snapshot outcomes to report to the node after its current Ready.
    var snapshotReports: [(peer: NodeID, succeeded: Bool)] = []
    /// Peers reported dead (`reportLeaderLost`), handed to the node at its next tick: a report
    /// arrives as a job of its own in the broker, never in the middle of a Ready.
    var lostPeers: [(peer: NodeID, campaign: Bool)] = []

    init(index: NodeIndex, configuration: ClusterConfiguration) {
        self.index = index
        self.id = NodeID(Int32(index + 1))
        self.disk = SimulatedDisk(configuration: configuration)
    }

    /// Whether the process is up.
    public var isRunning: Bool { raft != nil }
}

/// What the leader checks depend on; they are repeated only when one of these moves.
struct LeaderCheckKey: Equatable {
    var term: Term
    var lastIndex: Offset
    var commit: Offset
    var decidedEnd: Offset
}
