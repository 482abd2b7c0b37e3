/// How long a Raft tick is and how many make an election timeout and a heartbeat interval,
/// for every partition group of the broker.
///
/// Tuned for a LAN: 50 ms ticks, elections after 10–20 ticks (0.5–1 s) without a leader,
/// heartbeats every tick. A single broker campaigns at once and never waits for a timeout.
public struct RaftTiming: Sendable, Equatable {
    /// Tick length in milliseconds.
    public var tickMilliseconds: Int64
    /// Base election timeout in ticks (the core randomises within [n, 2n)).
    public var electionTicks: Int
    /// Heartbeat interval in ticks; below `electionTicks`.
    public var heartbeatTicks: Int
    /// Ticks a new group's preferred leader waits before it campaigns (the other replicas open
    /// the group when they apply the same controller entry, a few milliseconds apart).
    public var earlyCampaignTicks = 2

    /// Tern's defaults.
    public init(tickMilliseconds: Int64 = 50, electionTicks: Int = 10, heartbeatTicks: Int = 1) {
        precondition(tickMilliseconds > 0, "ticks take time")
        precondition(electionTicks > heartbeatTicks, "the election timeout exceeds the heartbeat interval")
        self.tickMilliseconds = tickMilliseconds
        self.electionTicks = electionTicks
        self.heartbeatTicks = heartbeatTicks
    }
}
