import TernModel
import TernRaft

/// One deterministic simulated run of a Raft group (TigerBeetle's VOPR, FoundationDB's
/// simulation): N nodes running the real `RaftNode`, a simulated network and disks, virtual
/// time, and faults drawn from one seed. Every step is followed by the invariant checks.
///
/// A run has two phases. **Safety**: for `options.ticks` ticks clients propose while the
/// network drops, duplicates, delays and partitions, nodes crash (losing unsynced writes) and
/// restart, leadership moves, membership changes and logs are compacted. **Liveness**: every
/// fault heals and every crashed node restarts; a leader must appear and commit fresh proposals
/// on every member within `SimulationConstants.livenessTicksMax` ticks.
///
/// Single-threaded and allocation-light; `run()` is called once.
public final class Simulator {
    /// What the caller chose.
    public let options: SimulationOptions
    /// The fault and workload rates drawn from the seed.
    public let rates: SwarmRates
    /// Independent random streams, so one concern's draws do not shift another's.
    var faultRandom: SimulationRandom
    var networkRandom: SimulationRandom
    var workloadRandom: SimulationRandom
    var diskRandom: SimulationRandom
    let seedRandom: SimulationRandom
    /// Simulated time in units (`SimulationConstants.unitsPerTick` per tick).
    var now: Int64 = 0
    var ticksRun = 0
    var network: SimulatedNetwork<Message>
    var nodes: [SimulatedNode]
    var checker: InvariantChecker
    var trace: SimulationTrace
    var statistics = SimulationStatistics()
    /// Proposals accepted by some leader: id → (node, incarnation, entry the leader assigned).
    var proposals: [UInt64: (node: NodeIndex, incarnation: Int, entry: EntryID)] = [:]
    var nextProposal: UInt64 = 1
    /// Whether the liveness phase has begun (faults off).
    var healing = false
    /// Network rates in force (the seed's during safety, loss-free during liveness).
    var networkRates: SwarmRates
    /// Per-seed Raft flow-control settings (small windows make Figure 8-style splits likely).
    let entriesPerMessageMax: Int
    let inflightMessagesMax: Int

    /// Builds the cluster, network and checker for one run; `run()` then runs it.
    public init(options: SimulationOptions) {
        precondition(options.nodeCount >= 1, "a group needs a node")
        precondition(options.nodeCount + 1 <= Limits.simulationNodesMax, "too many simulated nodes")
        precondition(options.ticks >= 0, "ticks must not be negative")
        precondition(options.ticks <= Limits.simulationTicksMax, "run longer than the simulation bound")
        self.options = options
        let root = SimulationRandom(seed: options.seed)
        var configurationRandom = root.derived(stream: 1)
        self.rates = SwarmRates(random: &configurationRandom)
        self.networkRates = rates
        let entriesChoice = configurationRandom.below(4)
        self.entriesPerMessageMax =
            entriesChoice < 2 ? 1 : (entriesChoice == 2 ? configurationRandom.inRange(2...3) : 64)
        self.inflightMessagesMax = configurationRandom.inRange(1...8)
        self.faultRandom = root.derived(stream: 2)
        self.networkRandom = root.derived(stream: 3)
        self.workloadRandom = root.derived(stream: 4)
        self.diskRandom = root.derived(stream: 5)
        self.seedRandom = root.derived(stream: 6)
        let voters = (1...options.nodeCount).map { NodeID(Int32($0)) }
        let configuration = ClusterConfiguration(voters: voters)
        // One spare process outside the group, for membership changes to add.
        let processCount = options.nodeCount + 1
        self.network = SimulatedNetwork(nodeCount: processCount)
        self.nodes = (0..<processCount).map { SimulatedNode(index: $0, configuration: configuration) }
        self.checker = InvariantChecker(nodeCount: processCount, configuration: configuration)
        self.trace = SimulationTrace(echo: options.echo)
    }

    /// Runs both phases and the final checks; never traps on a violation, returns it.
    public func run() -> SimulationResult {
        var violation: SimulationViolation? = nil
        do throws(SimulationViolation) {
            note(
                nil,
                "start seed \(options.seed), \(options.nodeCount) voters, rates: \(rates), "
                    + "entries/msg \(entriesPerMessageMax), inflight \(inflightMessagesMax)")
            for node in nodes { try start(node) }
            for _ in 0..<options.ticks { try tick(faults: true) }
            try liveness()
            try checker.checkAcknowledged()
        } catch {
            violation = error
            note(nil, "VIOLATION \(error)")
        }
        statistics.committedEntries = checker.decided.records.count
        statistics.leaderTerms = checker.leaderOfTerm.count
        statistics.previousTermCommits = checker.previousTermCommits
        return SimulationResult(
            seed: options.seed, nodeCount: options.nodeCount, traceHash: trace.hash, ticks: ticksRun,
            violation: violation, traceTail: trace.renderedTail(), statistics: statistics, rates: rates)
    }

    /// One tick: faults and workload, every running node's clock, then a tick's worth of
    /// message deliveries.
    func tick(faults: Bool) throws(SimulationViolation) {
        ticksRun += 1
        precondition(ticksRun <= Limits.simulationTicksMax, "run exceeded its tick bound")
        if faults { try injectFaults() }
        for node in nodes where node.isRunning {
            if faults && faultRandom.chance(rates.pauseProbability) { continue }
            let lost = node.lostPeers
            node.lostPeers = []
            for report in lost { node.raft!.reportLeaderLost(report.peer, campaign: report.campaign) }
            node.raft!.tick()
            try drive(node)
        }
        for _ in 0..<SimulationConstants.unitsPerTick {
            now += 1
            try deliverDue()
        }
    }

    /// Delivers every message due by `now`, each followed by the receiver's Ready handling.
    func deliverDue() throws(SimulationViolation) {
        var steps = 0
        while let (envelope, cut) = network.nextDue(now: now) {
            steps += 1
            precondition(steps <= Limits.simulationStepsPerUnitMax, "message storm within one time unit")
            let target = nodes[envelope.to]
            let message = envelope.message
            let isSnapshot: Bool
            if case .installSnapshot = message.kind { isSnapshot = true } else { isSnapshot = false }
            guard !cut, target.isRunning else {
                trace.record(
                    .init(
                        time: now,
                        kind: .deliver(
                            to: envelope.to, message: message, note: cut ? "[lost: partition]" : "[lost: node down]")))
                if isSnapshot { try reportSnapshot(from: envelope.from, to: message.to, succeeded: false) }
                continue
            }
            statistics.messagesDelivered += 1
            var outcome = ""
            do throws(RaftStepError) {
                try target.raft!.step(message)
            } catch {
                outcome = "[\(error)]"
            }
            trace.record(.init(time: now, kind: .deliver(to: envelope.to, message: message, note: outcome)))
            try drive(target)
            if isSnapshot { try reportSnapshot(from: envelope.from, to: message.to, succeeded: true) }
        }
    }

    /// Tells a leader how its InstallSnapshot fared (the transport's job in a real broker).
    private func reportSnapshot(from sender: NodeIndex, to peer: NodeID, succeeded: Bool) throws(SimulationViolation) {
        let node = nodes[sender]
        guard node.isRunning else { return }
        node.raft!.reportSnapshot(to: peer, succeeded: succeeded)
        try drive(node)
    }

    /// Records a free-text trace line.
    func note(_ node: NodeIndex?, _ text: String) {
        trace.record(.init(time: now, kind: .note(node: node, text: text)))
    }

    /// Raft options of one node (the same for every incarnation).
    func raftOptions(for node: SimulatedNode) -> RaftOptions {
        var raftOptions = RaftOptions(id: node.id)
        raftOptions.electionTicks = SimulationConstants.electionTicks
        raftOptions.heartbeatTicks = SimulationConstants.heartbeatTicks
        raftOptions.preVote = rates.preVote
        raftOptions.checkQuorum = rates.checkQuorum
        raftOptions.entriesPerMessageMax = entriesPerMessageMax
        raftOptions.inflightMessagesMax = inflightMessagesMax
        raftOptions.testingFaults = options.raftFaults
        return raftOptions
    }
}
