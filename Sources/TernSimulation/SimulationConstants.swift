/// Structural constants of the simulated world (not per-seed rates, which `SwarmRates` draws).
public enum SimulationConstants {
    /// Time units per Raft tick. Messages are delayed in units, so several deliveries (and
    /// reorderings) can happen between two ticks, as on a real network a heartbeat interval
    /// holds many round trips.
    public static let unitsPerTick = 4

    /// Widest spread between a seed's shortest and longest one-way delay, in units: up to three
    /// ticks, a third of the election timeout, so delays reorder without starving elections.
    public static let delayUnitsSpread = 12

    /// Raft election timeout and heartbeat interval, in ticks (etcd's usual 10:1 ratio).
    public static let electionTicks = 10
    /// The leader's heartbeat interval, in ticks.
    public static let heartbeatTicks = 1

    /// Ticks the liveness phase allows for a leader to appear and every pending proposal to
    /// commit on every member after all faults heal (TigerBeetle's `ticks_max_convergence`):
    /// several election timeouts for split votes plus room for snapshot catch-up.
    public static let livenessTicksMax = 30 * electionTicks

    /// Ticks a member behind the leader may go without applying anything during the liveness
    /// phase (ten election timeouts: enough for a snapshot round trip and probe backoff).
    public static let livenessStallTicksMax = 10 * electionTicks

    /// Hard bound on the liveness phase: a narrow flow-control window (one entry per message)
    /// can make catching up a long-down follower slow but steady; this caps the loop.
    public static let livenessTicksCap = 50 * livenessTicksMax

    /// Ticks of the fault phase when the caller does not say (tuned so 1,000 seeds run in a
    /// debug build within the test budget; `tern-sim --ticks` and `TERN_SIM_TICKS` override).
    public static let defaultTicks = 400

    /// Largest number of records in one proposed batch (one Raft entry spans that many offsets).
    public static let recordsPerProposalMax = 5

    /// Events the trace keeps for the report of a violation (the hash covers all of them).
    public static let traceTailEvents = 200
}
