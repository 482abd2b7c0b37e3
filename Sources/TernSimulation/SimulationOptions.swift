public import TernRaft

/// What the caller chooses about a run; everything else is drawn from the seed.
public struct SimulationOptions: Sendable {
    /// The seed: with the code's commit, it determines the whole run.
    public var seed: UInt64
    /// Voters at the start (3 or 5). One spare node outside the group is simulated as well, for
    /// membership changes to add.
    public var nodeCount: Int
    /// Ticks of the fault phase; the liveness phase follows (at most
    /// `SimulationConstants.livenessTicksMax` more).
    public var ticks: Int
    /// Planted core bugs (test-only switches of the Raft core).
    public var raftFaults: RaftTestingFaults
    /// Planted runtime bug (c): a restarting node's storage forgets the vote it had made durable.
    public var forgetVoteOnRestart: Bool
    /// When set, every trace event is rendered to it as it happens.
    public var echo: (@Sendable (String) -> Void)?

    /// Options for one run; `nodeCount` nil picks 3 or 5 from the seed (30 % of seeds get 5).
    public init(seed: UInt64, nodeCount: Int? = nil, ticks: Int = SimulationConstants.defaultTicks) {
        self.seed = seed
        var chooser = SimulationRandom(seed: seed).derived(stream: 0xC0DE)
        self.nodeCount = nodeCount ?? (chooser.chance(0.3) ? 5 : 3)
        self.ticks = ticks
        self.raftFaults = []
        self.forgetVoteOnRestart = false
        self.echo = nil
    }
}
