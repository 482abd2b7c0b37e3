public import TernModel

/// Settings of one Raft node (one group member). Times are in ticks; the caller decides how
/// long a tick is.
public struct RaftOptions: Sendable {
    /// This node's id; must be positive.
    public var id: NodeID
    /// Base election timeout. A follower or candidate campaigns after a random timeout in
    /// [electionTicks, 2*electionTicks) without hearing from a leader.
    public var electionTicks: Int
    /// The leader sends heartbeats every `heartbeatTicks`; must be < `electionTicks`.
    public var heartbeatTicks: Int
    /// Pre-vote (§9.6): a node first asks whether it could win before raising its term, so a
    /// rejoining partitioned node cannot disrupt a healthy group.
    public var preVote: Bool
    /// Check-quorum: a leader that has not heard from a quorum within an election timeout steps
    /// down, and followers that heard from a leader within the timeout ignore (pre-)votes
    /// (leader lease), except votes that follow a leadership transfer.
    public var checkQuorum: Bool
    /// Ticks a follower waits to campaign after `reportLeaderLost(_:campaign: false)`: long
    /// enough for the chosen node's election (a round trip and an fsync) to finish first.
    public var leaderLostFallbackTicks: Int
    /// Most AppendEntries in flight to one follower.
    public var inflightMessagesMax: Int
    /// Most payload bytes in flight to one follower.
    public var inflightBytesMax: Int
    /// Most entries per AppendEntries.
    public var entriesPerMessageMax: Int
    /// Byte budget per AppendEntries (at least one entry is always sent).
    public var messageBytesMax: Int
    /// Test-only fault switches; always empty in production.
    public var testingFaults: RaftTestingFaults

    /// Options with Tern's defaults (election 10 ticks, heartbeat 1, pre-vote and check-quorum on,
    /// flow control from `Limits`).
    public init(id: NodeID) {
        self.id = id
        self.electionTicks = 10
        self.heartbeatTicks = 1
        self.preVote = true
        self.checkQuorum = true
        self.leaderLostFallbackTicks = 3
        self.inflightMessagesMax = Limits.raftInflightMessagesMax
        self.inflightBytesMax = Limits.raftInflightBytesMax
        self.entriesPerMessageMax = Limits.raftEntriesPerMessageMax
        self.messageBytesMax = Limits.raftMessageBytesMax
        self.testingFaults = []
    }

    /// Checks the relationships between the options; a violation is a programmer error.
    func validate() {
        precondition(id.rawValue > 0, "node ids are positive")
        precondition(heartbeatTicks > 0, "heartbeat ticks must be positive")
        precondition(electionTicks > heartbeatTicks, "election timeout must exceed the heartbeat interval")
        precondition(electionTicks <= Limits.raftElectionTicksMax, "election timeout too long")
        precondition(leaderLostFallbackTicks > 0, "the fallback after a lost leader takes at least a tick")
        precondition(inflightMessagesMax > 0, "in-flight window must be positive")
        precondition(inflightMessagesMax <= Limits.raftInflightMessagesMax, "in-flight window above limit")
        precondition(inflightBytesMax > 0, "in-flight bytes must be positive")
        precondition(entriesPerMessageMax > 0, "messages carry at least one entry")
        precondition(entriesPerMessageMax <= Limits.raftEntriesPerMessageMax, "entries per message above limit")
        precondition(messageBytesMax > 0, "message byte budget must be positive")
    }
}

/// TEST-ONLY fault switches that plant known bugs, so the simulator can prove its invariant
/// checkers catch them. Never set in production code.
public struct RaftTestingFaults: OptionSet, Sendable, Hashable {
    /// The switch bits.
    public let rawValue: UInt8
    /// Switches from their bits.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Vote requests and vote responses are released in `Ready.messagesBeforePersistence`,
    /// i.e. before the term and vote they depend on are durable (breaks "a vote is only sent
    /// once durable", and election safety across crashes).
    public static let countVoteBeforeDurable = RaftTestingFaults(rawValue: 1 << 0)
    /// The leader advances commit to an entry of an earlier term as soon as a majority stores
    /// it (the Figure 8 bug of the Raft paper, §5.4.2).
    public static let commitPreviousTermByCounting = RaftTestingFaults(rawValue: 1 << 1)
}
