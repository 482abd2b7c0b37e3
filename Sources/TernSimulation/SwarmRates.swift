/// The fault and workload rates of one run, drawn from its seed (swarm testing).
///
/// Why per seed: a single fixed mix of faults explores one neighbourhood of behaviours; the
/// VOPR and FoundationDB draw every rate from the seed so that some runs crash a lot and drop
/// nothing, others partition constantly and never crash, and rare interleavings that need one
/// fault to be frequent and another absent still get explored. Rates are per simulated tick
/// unless the name says otherwise. The ranges are fixed here; the structural constants are in
/// `SimulationConstants`.
public struct SwarmRates: Sendable, CustomStringConvertible {
    /// Chance a sent message is lost.
    public var dropProbability: Double
    /// Chance a delivered message is delivered a second time later (a replayed packet).
    public var duplicateProbability: Double
    /// Chance a message may overtake earlier ones on its link (links are FIFO otherwise).
    public var reorderProbability: Double
    /// Shortest and longest one-way delay, in time units (`SimulationConstants.unitsPerTick` a tick).
    public var delayUnitsMin: Int
    public var delayUnitsMax: Int
    /// Chance per tick that a new partition is made (if none is in force).
    public var partitionProbability: Double
    /// Chance per tick that the partition in force is healed.
    public var healProbability: Double
    /// Chance per tick that one running node crashes.
    public var crashProbability: Double
    /// Chance that a node crashes part-way through handling one `Ready` (between persisting,
    /// syncing, sending and applying).
    public var crashInReadyProbability: Double
    /// Chance that a node which has just sent a vote crashes right after (the window where a
    /// vote that was not durable would be forgotten).
    public var crashAfterVoteProbability: Double
    /// Chance that a node crashes soon after it becomes leader, and soon after a leader's
    /// commit index moves: the moments where a new leader's uncommitted tail and an old
    /// leader's half-replicated entries meet (Raft's Figure 8).
    public var crashNewLeaderProbability: Double
    public var crashAfterCommitProbability: Double
    /// Chance that a new leader is cut off from everyone before its first messages leave (when
    /// no other partition is in force): its no-op and any proposals it takes stay local.
    public var isolateNewLeaderProbability: Double
    /// Chance that a Ready's early messages leave after, rather than before, its writes (both
    /// orders are allowed; crashes in between differ).
    public var persistFirstProbability: Double
    /// Chance per tick that a crashed node restarts.
    public var restartProbability: Double
    /// Chance per tick that a node's clock skips a tick (a pause, as a GC or a stalled disk).
    public var pauseProbability: Double
    /// Chance per tick that the leader is asked to transfer leadership.
    public var transferProbability: Double
    /// Chance per tick that a membership change is proposed.
    public var membershipProbability: Double
    /// Chance per tick that a node compacts its log by retention (advances its log start).
    public var compactionProbability: Double
    /// Chance per tick that a client proposes a batch.
    public var proposalProbability: Double
    /// Chance per tick that a node not currently leading campaigns on its own.
    public var campaignProbability: Double
    /// Chance that, on a crash, the last unsynced write survives torn (partially written).
    public var tornWriteProbability: Double
    /// Whether the Raft nodes run with pre-vote and with check-quorum.
    public var preVote: Bool
    public var checkQuorum: Bool

    /// Draws every rate from `random` (the seed's configuration stream).
    public init(random: inout SimulationRandom) {
        dropProbability = random.chance(0.2) ? 0 : random.rate(0, 0.2)
        duplicateProbability = random.chance(0.3) ? 0 : random.rate(0, 0.05)
        reorderProbability = random.chance(0.3) ? 0 : random.rate(0, 0.3)
        delayUnitsMin = random.inRange(1...SimulationConstants.unitsPerTick)
        delayUnitsMax = delayUnitsMin + random.inRange(0...SimulationConstants.delayUnitsSpread)
        partitionProbability = random.chance(0.2) ? 0 : random.rate(0, 0.03)
        healProbability = random.rate(0.02, 0.2)
        crashProbability = random.chance(0.2) ? 0 : random.rate(0, 0.02)
        crashInReadyProbability = random.chance(0.3) ? 0 : random.rate(0, 0.02)
        crashAfterVoteProbability = random.chance(0.3) ? 0 : random.rate(0, 0.3)
        crashNewLeaderProbability = random.chance(0.5) ? 0 : random.rate(0, 0.5)
        crashAfterCommitProbability = random.chance(0.5) ? 0 : random.rate(0, 0.5)
        isolateNewLeaderProbability = random.chance(0.5) ? 0 : random.rate(0, 0.5)
        persistFirstProbability = random.rate(0, 1)
        restartProbability = random.rate(0.02, 0.3)
        pauseProbability = random.chance(0.5) ? 0 : random.rate(0, 0.1)
        transferProbability = random.chance(0.3) ? 0 : random.rate(0, 0.02)
        membershipProbability = random.chance(0.3) ? 0 : random.rate(0, 0.02)
        compactionProbability = random.chance(0.3) ? 0 : random.rate(0, 0.05)
        proposalProbability = random.rate(0.1, 0.9)
        campaignProbability = random.chance(0.7) ? 0 : random.rate(0, 0.01)
        tornWriteProbability = random.rate(0, 1)
        preVote = random.chance(0.5)
        checkQuorum = random.chance(0.5)
    }

    /// One line per rate, for the head of a trace.
    public var description: String {
        func percent(_ value: Double) -> String {
            let scaled = (value * 10_000).rounded() / 100
            return "\(scaled)%"
        }
        return [
            "drop \(percent(dropProbability)) dup \(percent(duplicateProbability))",
            "delay \(delayUnitsMin)...\(delayUnitsMax)u reorder \(percent(reorderProbability))",
            "partition \(percent(partitionProbability)) heal \(percent(healProbability))",
            "crash \(percent(crashProbability)) in-ready \(percent(crashInReadyProbability))",
            "after-vote \(percent(crashAfterVoteProbability)) new-leader \(percent(crashNewLeaderProbability))",
            "after-commit \(percent(crashAfterCommitProbability)) restart \(percent(restartProbability))",
            "isolate-new-leader \(percent(isolateNewLeaderProbability)) persist-first \(percent(persistFirstProbability))",
            "pause \(percent(pauseProbability)) transfer \(percent(transferProbability))",
            "membership \(percent(membershipProbability)) compact \(percent(compactionProbability))",
            "propose \(percent(proposalProbability)) campaign \(percent(campaignProbability))",
            "torn \(percent(tornWriteProbability)) preVote \(preVote) checkQuorum \(checkQuorum)",
        ].joined(separator: ", ")
    }
}
