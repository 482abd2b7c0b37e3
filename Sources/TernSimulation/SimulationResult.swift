/// How one run ended.
public struct SimulationResult: Sendable, CustomStringConvertible {
    /// The seed and voter count that determine the run.
    public var seed: UInt64
    public var nodeCount: Int
    /// Hash of every trace event (the determinism fingerprint).
    public var traceHash: TraceHash
    /// Ticks simulated (fault phase plus liveness phase).
    public var ticks: Int
    /// The first violation, if any.
    public var violation: SimulationViolation?
    /// The last trace events before the end (most useful after a violation).
    public var traceTail: [String]
    /// Counters for the summary line.
    public var statistics: SimulationStatistics
    /// The seed's drawn rates.
    public var rates: SwarmRates

    /// One line: seed, outcome, hash and counters.
    /// The counters on one line.
    public var description: String {
        let outcome = violation.map { "VIOLATION \($0)" } ?? "ok"
        return "seed \(seed) nodes \(nodeCount) ticks \(ticks) hash \(traceHash) \(outcome) [\(statistics)]"
    }

    /// The full report of a violation: what broke, the seed's rates and the trace tail.
    public var report: String {
        var lines = [description, "rates: \(rates)", "last \(traceTail.count) events:"]
        lines.append(contentsOf: traceTail.map { "  \($0)" })
        lines.append("replay: tern-sim --seed \(seed) --nodes \(nodeCount) --ticks <same> --trace")
        return lines.joined(separator: "\n")
    }
}

/// Counters kept during a run (reported, and used by tests to show the faults really happen).
public struct SimulationStatistics: Sendable, CustomStringConvertible {
    /// Messages handed to the network and delivered; crashes and restarts; and so on.
    public var messagesSent = 0
    public var messagesDelivered = 0
    public var crashes = 0
    public var restarts = 0
    public var partitions = 0
    public var proposalsAccepted = 0
    public var proposalsAcknowledged = 0
    public var committedEntries = 0
    public var leaderTerms = 0
    public var snapshotsInstalled = 0
    public var compactions = 0
    public var membershipChanges = 0
    public var transfers = 0
    public var previousTermCommits = 0

    /// All counters at zero.
    public init() {}

    public var description: String {
        "sent \(messagesSent) delivered \(messagesDelivered) crashes \(crashes) restarts \(restarts) "
            + "partitions \(partitions) proposals \(proposalsAccepted) acked \(proposalsAcknowledged) "
            + "committed \(committedEntries) leaders \(leaderTerms) snapshots \(snapshotsInstalled) "
            + "compactions \(compactions) membership \(membershipChanges) transfers \(transfers) "
            + "old-term commits \(previousTermCommits)"
    }
}
