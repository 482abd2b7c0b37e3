import TernModel
import TernRaft

extension Simulator {
    /// The liveness phase: heal the network, stop loss, duplication and reordering, restart every crashed
    /// member, shut down nodes the committed configuration no longer holds (as an operator
    /// decommissions them), then require that within `SimulationConstants.livenessTicksMax`
    /// ticks a leader exists, commits fresh proposals, and every running member has applied
    /// the leader's whole log.
    func liveness() throws(SimulationViolation) {
        healing = true
        network.heal()
        networkRates.dropProbability = 0
        networkRates.duplicateProbability = 0
        networkRates.reorderProbability = 0
        let committed = checker.committedConfiguration
        note(nil, "LIVENESS: heal all; committed configuration \(committed)")
        for node in nodes where !committed.isMember(node.id) {
            node.decommissioned = true
            if node.isRunning {
                node.raft = nil
                note(node.index, "decommissioned (not in the committed configuration)")
            }
        }
        for node in nodes where !node.isRunning && !node.decommissioned {
            statistics.restarts += 1
            try start(node)
        }
        try awaitConvergence()
    }

    /// Phase A: within `livenessTicksMax` ticks a leader commits its probes (the deadline moves
    /// with a leader change, up to the hard cap). Phase B: every running member catches up with
    /// the leader's log, and none goes `livenessStallTicksMax` ticks without progress while behind
    /// (a slow catch-up through a narrow flow-control window is correct; a stall is not).
    private func awaitConvergence() throws(SimulationViolation) {
        var probedLeader: (id: NodeID, term: Term)? = nil
        var probes: [UInt64] = []
        var deadline = SimulationConstants.livenessTicksMax
        var progress: [NodeIndex: (applied: Offset, tick: Int)] = [:]
        for elapsed in 0..<SimulationConstants.livenessTicksCap {
            try tick(faults: false)
            guard let leader = runningLeaders().last else {
                if elapsed >= deadline { throw SimulationViolation("liveness", livenessReport("no leader")) }
                continue
            }
            let raft = leader.raft!
            if probedLeader?.id != leader.id || probedLeader?.term != raft.currentTerm {
                probes = try proposeProbes(to: leader)
                if !probes.isEmpty {
                    probedLeader = (leader.id, raft.currentTerm)
                    deadline = max(deadline, elapsed + SimulationConstants.livenessTicksMax)
                }
                continue
            }
            guard probes.allSatisfy({ checker.acknowledged[$0] != nil }) else {
                if elapsed >= deadline { throw SimulationViolation("liveness", livenessReport("probes not committed")) }
                continue
            }
            var behind = false
            for node in members(of: leader)
            where node.raft!.appliedIndex < raft.commitIndex || node.raft!.commitIndex < raft.commitIndex {
                behind = true
                let applied = node.raft!.appliedIndex
                if let last = progress[node.index], last.applied == applied {
                    if elapsed - last.tick >= SimulationConstants.livenessStallTicksMax {
                        throw SimulationViolation("liveness", livenessReport("n\(node.index) stalled at \(applied)"))
                    }
                } else {
                    progress[node.index] = (applied, elapsed)
                }
            }
            if !behind && raft.commitIndex == leader.disk.written.lastIndex {
                note(
                    nil,
                    "converged after \(elapsed + 1) liveness ticks: leader n\(leader.index) term \(raft.currentTerm) commit \(raft.commitIndex)"
                )
                return
            }
        }
        throw SimulationViolation(
            "liveness", livenessReport("not converged within \(SimulationConstants.livenessTicksCap) ticks"))
    }

    /// The running, not decommissioned members of the leader's configuration (a member that is
    /// down counts as behind: every member was restarted).
    private func members(of leader: SimulatedNode) -> [SimulatedNode] {
        leader.raft!.configuration.members.compactMap { member in
            let position = Int(member.rawValue) - 1
            guard position >= 0, position < nodes.count else { return nil }
            let node = nodes[position]
            return node.isRunning ? node : nil
        }
    }

    /// Proposes two fresh batches to a new leader; empty if it refused (e.g. during a transfer).
    private func proposeProbes(to leader: SimulatedNode) throws(SimulationViolation) -> [UInt64] {
        var accepted: [UInt64] = []
        for _ in 0..<2 {
            let proposal = nextProposal
            nextProposal += 1
            do throws(RaftError) {
                let entry = try leader.raft!.propose(
                    recordCount: 1, payload: ProposalPayload.encode(id: proposal, recordCount: 1))
                proposals[proposal] = (leader.index, leader.incarnation, entry)
                statistics.proposalsAccepted += 1
                accepted.append(proposal)
                note(leader.index, "liveness probe #\(proposal) -> \(entry)")
            } catch {
                note(leader.index, "liveness probe refused: \(error)")
                return []
            }
        }
        try drive(leader)
        return accepted
    }

    /// What each node looked like when the liveness bound ran out.
    private func livenessReport(_ reason: String) -> String {
        var lines = ["\(reason) after healing (tick \(ticksRun))"]
        for node in nodes {
            guard let raft = node.raft else {
                lines.append("n\(node.index) down\(node.decommissioned ? " (decommissioned)" : "")")
                continue
            }
            let status = raft.status
            lines.append(
                "n\(node.index) \(status.role) term \(status.term) leader \(status.leader.map { "\($0)" } ?? "-") "
                    + "commit \(status.commit) applied \(status.applied) log \(status.logStart)...\(status.lastIndex) "
                    + "\(status.configuration) progress \(status.progress)")
        }
        return lines.joined(separator: "; ")
    }
}
