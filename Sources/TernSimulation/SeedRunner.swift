import TernModel

/// Runs many seeds and summarises them (the engine behind `tern-sim --seeds` and the tests).
public enum SeedRunner {
    /// The outcome of a range of seeds.
    public struct Summary: Sendable {
        /// Seeds run, violating runs, the hash of all trace hashes, and summed counters.
        public var runs = 0
        public var violations: [SimulationResult] = []
        public var combinedHash = TraceHash()
        public var statistics = SimulationStatistics()
    }

    /// Runs `seeds` one after another with `configure` adjusting each run's options.
    /// Stops after `stopAfterViolations` violations (nil: never).
    public static func run(
        seeds: ClosedRange<UInt64>,
        stopAfterViolations: Int? = nil,
        onResult: (SimulationResult, Summary) -> Void = { _, _ in },
        configure: (inout SimulationOptions) -> Void = { _ in }
    ) -> Summary {
        precondition(
            seeds.upperBound - seeds.lowerBound < UInt64(Limits.simulationSeedsPerRangeMax),
            "seed range larger than Limits.simulationSeedsPerRangeMax")
        var summary = Summary()
        for seed in seeds {
            var options = SimulationOptions(seed: seed)
            configure(&options)
            let result = Simulator(options: options).run()
            summary.runs += 1
            summary.combinedHash.combine(result.traceHash.value)
            summary.statistics.add(result.statistics)
            if result.violation != nil { summary.violations.append(result) }
            onResult(result, summary)
            if result.violation != nil {
                if let stop = stopAfterViolations, summary.violations.count >= stop { break }
            }
        }
        return summary
    }
}

extension SimulationStatistics {
    /// Adds another run's counters to these.
    public mutating func add(_ other: SimulationStatistics) {
        messagesSent += other.messagesSent
        messagesDelivered += other.messagesDelivered
        crashes += other.crashes
        restarts += other.restarts
        partitions += other.partitions
        proposalsAccepted += other.proposalsAccepted
        proposalsAcknowledged += other.proposalsAcknowledged
        committedEntries += other.committedEntries
        leaderTerms += other.leaderTerms
        snapshotsInstalled += other.snapshotsInstalled
        compactions += other.compactions
        membershipChanges += other.membershipChanges
        transfers += other.transfers
        previousTermCommits += other.previousTermCommits
    }
}
