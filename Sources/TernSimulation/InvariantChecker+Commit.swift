public import TernModel
public import TernRaft

extension InvariantChecker {
    /// Called when a node's commit index may have moved: extends the committed history from
    /// the node's log, checking that every newly committed entry is durable on a majority of
    /// the voters in force, and that what the node considers committed agrees with history.
    /// `isDurable(voter, id)` answers from the simulated disks.
    public mutating func observeCommit(
        node: NodeIndex, status: NodeView, log: MemoryRaftLog, isDurable: (NodeID, EntryID) -> Bool
    ) throws(SimulationViolation) {
        let commit = status.commit
        if commit > decided.end {
            try extendDecided(node: node, status: status, log: log)
            if status.role == .leader, let newest = decided.records.last, newest.id.term < status.term {
                previousTermCommits += 1
            }
            try checkDurableMajority(node: node, status: status, isDurable: isDurable)
        } else if commit > log.snapshotMetadata.last.index, let term = try? log.term(at: commit) {
            guard let record = decided.record(at: commit), record.id.term == term else {
                throw SimulationViolation(
                    "state-machine safety",
                    "n\(node) commits \(term)/\(commit), the committed log has \(decided.record(at: commit).map { "\($0.id)" } ?? "no entry ending there")"
                )
            }
        }
    }

    private mutating func extendDecided(node: NodeIndex, status: NodeView, log: MemoryRaftLog)
        throws(SimulationViolation)
    {
        let entries: [Entry]
        do {
            entries = try log.entries(after: decided.end, countMax: Int.max, bytesMax: Int.max)
        } catch {
            throw SimulationViolation(
                "committed history",
                "n\(node) commits \(status.commit) but its log cannot supply entries after \(decided.end): \(error)")
        }
        for entry in entries where entry.last <= status.commit {
            if let problem = decided.append(entry, commitTerm: status.term) {
                throw SimulationViolation("state-machine safety", "n\(node): \(problem)")
            }
            if case .configuration(let configuration) = entry.kind { committedConfiguration = configuration }
        }
        guard decided.end == status.commit else {
            throw SimulationViolation(
                "committed history",
                "n\(node) commit \(status.commit) is not an entry index of its log (ends \(decided.end))")
        }
    }

    /// "A committed entry is durable on a majority of the voters in force when it commits."
    private func checkDurableMajority(
        node: NodeIndex, status: NodeView, isDurable: (NodeID, EntryID) -> Bool
    ) throws(SimulationViolation) {
        guard let newest = decided.records.last else { return }
        let voters = status.configuration.voters
        let holders = voters.filter { isDurable($0, newest.id) }
        guard holders.count >= status.configuration.quorum else {
            throw SimulationViolation(
                "committed entry durable on a majority",
                "n\(node) commits \(newest.id) but it is durable only on \(holders) of voters \(voters)")
        }
    }

    /// An applied entry is the committed one at its index; the node's state after it equals the
    /// committed state there. Returns the node's new state digest.
    public func checkApply(node: NodeIndex, entry: Entry, stateBefore: UInt64) throws(SimulationViolation) -> UInt64 {
        guard let record = decided.record(at: entry.last) else {
            throw SimulationViolation("state-machine safety", "n\(node) applies \(entry), which is not committed")
        }
        let digest = EntryDigest.of(entry)
        guard record.id == entry.id, record.digest == digest else {
            throw SimulationViolation(
                "state-machine safety", "n\(node) applies \(entry) where \(record.id) was committed")
        }
        let stateAfter = EntryDigest.fold(state: stateBefore, entry: digest)
        guard stateAfter == record.stateAfter else {
            throw SimulationViolation(
                "state-machine safety", "n\(node) state after \(entry.id) differs from the committed state")
        }
        return stateAfter
    }

    /// Records the answer a client got for its proposal (acks=all: after commit).
    public mutating func acknowledge(proposal: UInt64, entry: Entry) throws(SimulationViolation) {
        guard acknowledged[proposal] == nil else {
            throw SimulationViolation("acknowledged exactly once", "proposal \(proposal) acknowledged twice")
        }
        acknowledged[proposal] = (entry.first, entry.last)
    }

    /// The end-of-run check: every acknowledged proposal is in the committed log once, exactly
    /// where its acknowledgement said.
    public func checkAcknowledged() throws(SimulationViolation) {
        for (proposal, span) in acknowledged.sorted(by: { $0.key < $1.key }) {
            guard let index = decided.proposalIndex[proposal], let record = decided.record(at: index) else {
                throw SimulationViolation(
                    "acknowledged proposal committed", "proposal \(proposal) acknowledged at \(span) is not committed")
            }
            guard record.first == span.first, record.id.index == span.last else {
                throw SimulationViolation(
                    "acknowledged proposal committed",
                    "proposal \(proposal) acknowledged at [\(span.first),\(span.last)] is committed at [\(record.first),\(record.id.index)]"
                )
            }
        }
    }
}
