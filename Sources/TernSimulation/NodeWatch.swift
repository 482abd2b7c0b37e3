public import TernModel
public import TernRaft

/// What the checker remembers about one node between steps, to catch regressions: values that
/// must never decrease within one incarnation (term, commit, applied), and the durable term and
/// vote, which must never go back even across restarts.
public struct NodeWatch: Sendable {
    /// Counts process starts; per-incarnation monotonicity resets when it changes.
    public var incarnation = 0
    public var term = Term.zero
    public var commit = Offset(-1)
    public var applied = Offset(-1)
    /// The durable hard state last seen (after a sync or a crash).
    public var durable = HardState.initial

    /// A fresh node: nothing seen yet.
    public init() {}
}

/// The few facts the per-step checks read from a running node, gathered through the node's
/// cheap accessors (`RaftNode.status` allocates the whole progress table).
public struct NodeView: Sendable {
    /// The node's id, role, term, commit and applied indexes, and configuration in force.
    public var id: NodeID
    public var role: RaftRole
    public var term: Term
    public var commit: Offset
    public var applied: Offset
    public var configuration: ClusterConfiguration

    /// Reads `raft`'s current state.
    public init(_ raft: RaftNode) {
        self.id = raft.id
        self.role = raft.currentRole
        self.term = raft.currentTerm
        self.commit = raft.commitIndex
        self.applied = raft.appliedIndex
        self.configuration = raft.configuration
    }
}
