extension Limits {
    // MARK: Simulation (TernSimulation, tern-sim)

    /// Most messages in flight in the simulated network at once. Raft sends a bounded number per
    /// peer per tick, so a run that exceeds this is generating messages without bound (a bug);
    /// excess messages are dropped like a full socket buffer would drop them, and counted.
    public static let simulationMessagesInFlightMax = 20_000

    /// Most ticks one simulated run may last (fault phase plus liveness phase): a run is a loop
    /// and every loop has a bound.
    public static let simulationTicksMax = 10_000_000

    /// Most deliveries and node steps handled inside one simulated time unit. A node that answers
    /// every message with another delivered in the same unit would otherwise never let time move.
    public static let simulationStepsPerUnitMax = 100_000

    /// Most nodes a simulated cluster may have (the task simulates 3 and 5; 7 leaves room).
    public static let simulationNodesMax = 7

    /// Most seeds one `tern-sim --seeds` range may cover.
    public static let simulationSeedsPerRangeMax = 100_000_000
}
