import TernModel
import TernRaft

extension Simulator {
    /// The fault phase's per-tick events, each with the seed's own probability.
    func injectFaults() throws(SimulationViolation) {
        try partitionFaults()
        if faultRandom.chance(rates.crashProbability) {
            let running = nodes.filter(\.isRunning)
            if !running.isEmpty { try crash(faultRandom.pick(running), reason: "fault") }
        }
        for node in nodes where !node.isRunning && faultRandom.chance(rates.restartProbability) {
            statistics.restarts += 1
            try start(node)
        }
        if faultRandom.chance(rates.campaignProbability) {
            let node = faultRandom.pick(nodes)
            if node.isRunning {
                let outcome = Self.describe { () throws(RaftError) in try node.raft!.campaign() }
                note(node.index, "campaign: \(outcome)")
                try drive(node)
            }
        }
        if faultRandom.chance(rates.transferProbability) { try transferLeadership() }
        if faultRandom.chance(rates.membershipProbability) { try changeMembership() }
        if faultRandom.chance(rates.compactionProbability) { try compact() }
        if workloadRandom.chance(rates.proposalProbability) { try proposeClientBatch() }
    }

    private func partitionFaults() throws(SimulationViolation) {
        if network.partition != nil {
            if faultRandom.chance(rates.healProbability) {
                network.heal()
                note(nil, "heal partition")
            }
        } else if faultRandom.chance(rates.partitionProbability) {
            let leader = runningLeaders().last?.index
            let mode = PartitionMode.random(nodeCount: nodes.count, leader: leader, random: &faultRandom)
            network.apply(mode)
            statistics.partitions += 1
            note(nil, "partition: \(mode)")
        }
    }

    /// Running nodes that believe they lead, highest term last.
    func runningLeaders() -> [SimulatedNode] {
        nodes.filter { $0.raft?.currentRole == .leader }.sorted { $0.raft!.currentTerm < $1.raft!.currentTerm }
    }

    /// "OK" or the error's name, for trace lines about commands.
    static func describe(_ body: () throws(RaftError) -> Void) -> String {
        do throws(RaftError) {
            try body()
            return "ok"
        } catch {
            return "\(error)"
        }
    }

    /// A client proposes one batch (1...N records) with a unique id to a node that believes it
    /// leads (possibly a stale leader: that proposal may be lost, never acknowledged).
    func proposeClientBatch() throws(SimulationViolation) {
        let leaders = runningLeaders()
        guard !leaders.isEmpty else { return }
        let node = workloadRandom.pick(leaders)
        let proposal = nextProposal
        nextProposal += 1
        let records = workloadRandom.inRange(1...SimulationConstants.recordsPerProposalMax)
        do throws(RaftError) {
            let entry = try node.raft!.propose(
                recordCount: Int64(records), payload: ProposalPayload.encode(id: proposal, recordCount: records))
            proposals[proposal] = (node.index, node.incarnation, entry)
            statistics.proposalsAccepted += 1
            note(node.index, "propose #\(proposal) (\(records) records) -> \(entry)")
        } catch {
            note(node.index, "propose #\(proposal) refused: \(error)")
        }
        try drive(node)
    }

    private func transferLeadership() throws(SimulationViolation) {
        guard let leader = runningLeaders().last else { return }
        let voters = leader.raft!.configuration.voters.filter { $0 != leader.id }
        guard !voters.isEmpty else { return }
        let target = faultRandom.pick(voters)
        statistics.transfers += 1
        let outcome = Self.describe { () throws(RaftError) in try leader.raft!.transferLeadership(to: target) }
        note(leader.index, "transfer leadership to \(target): \(outcome)")
        try drive(leader)
    }

    /// The leader proposes one single-server change: add a learner or a voter, promote a
    /// learner, or remove a member, keeping at least `nodeCount - 1` (and 2) voters.
    private func changeMembership() throws(SimulationViolation) {
        guard let leader = runningLeaders().last else { return }
        let configuration = leader.raft!.configuration
        var changes: [ConfigurationChange] = []
        for node in nodes where !configuration.isMember(node.id) {
            changes.append(.addLearner(node.id))
            changes.append(.addVoter(node.id))
        }
        for learner in configuration.learners {
            changes.append(.promoteLearner(learner))
            changes.append(.remove(learner))
        }
        if configuration.voters.count > max(2, options.nodeCount - 1) {
            for voter in configuration.voters where voter != leader.id { changes.append(.remove(voter)) }
        }
        guard !changes.isEmpty else { return }
        let change = faultRandom.pick(changes)
        do throws(RaftError) {
            let entry = try leader.raft!.proposeConfigurationChange(change)
            statistics.membershipChanges += 1
            note(leader.index, "membership \(change) -> \(entry)")
        } catch {
            note(leader.index, "membership \(change) refused: \(error)")
        }
        try drive(leader)
    }

    /// Retention: a running node drops a prefix of its applied entries (its log start moves;
    /// followers behind it will need InstallSnapshot).
    private func compact() throws(SimulationViolation) {
        let running = nodes.filter(\.isRunning)
        guard !running.isEmpty else { return }
        let node = faultRandom.pick(running)
        let log = node.disk.written
        let applied = node.raft!.appliedIndex
        guard applied > log.snapshotMetadata.last.index,
            let candidates = try? log.entries(
                after: log.snapshotMetadata.last.index, countMax: Int.max, bytesMax: Int.max)
        else { return }
        let applicable = candidates.filter { $0.last <= applied }
        guard !applicable.isEmpty else { return }
        let through = faultRandom.pick(applicable).last
        guard let digest = checker.decided.state(after: through) else {
            throw SimulationViolation(
                "state-machine safety", "n\(node.index) applied \(through), which is not committed")
        }
        let data = SnapshotState(index: through, digest: digest).bytes
        node.disk.issue(.compaction(through: through, data: data))
        node.raft!.logStartDidMove()
        statistics.compactions += 1
        note(node.index, "compact through \(through) (log start \(log.logStart))")
        try drive(node)
    }
}
