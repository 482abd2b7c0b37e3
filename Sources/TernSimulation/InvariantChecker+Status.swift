import TernModel
public import TernRaft

extension InvariantChecker {
    /// The per-step checks on one running node: monotonic term, commit and applied; applied
    /// within commit; one leader per term; leader completeness; one pending configuration change.
    /// `leaderChecks` false skips the leader checks when nothing they read has changed.
    public mutating func checkStatus(
        node: NodeIndex, status: NodeView, log: MemoryRaftLog, leaderChecks: Bool = true
    ) throws(SimulationViolation) {
        var watch = watches[node]
        guard status.term >= watch.term else {
            throw SimulationViolation("term never goes backwards", "n\(node) term \(watch.term) became \(status.term)")
        }
        guard status.commit >= watch.commit else {
            throw SimulationViolation(
                "commit never decreases", "n\(node) commit \(watch.commit) became \(status.commit)")
        }
        guard status.applied >= watch.applied else {
            throw SimulationViolation(
                "applied never decreases", "n\(node) applied \(watch.applied) became \(status.applied)")
        }
        guard status.applied <= status.commit else {
            throw SimulationViolation(
                "applied within commit", "n\(node) applied \(status.applied) > commit \(status.commit)")
        }
        guard status.commit <= log.lastIndex else {
            throw SimulationViolation(
                "commit within the stored log", "n\(node) commit \(status.commit) > last \(log.lastIndex)")
        }
        watch.term = status.term
        watch.commit = status.commit
        watch.applied = status.applied
        watches[node] = watch
        if status.role == .leader && leaderChecks { try checkLeader(node: node, status: status, log: log) }
    }

    /// Election safety, leader completeness and the single pending configuration change.
    public mutating func checkLeader(node: NodeIndex, status: NodeView, log: MemoryRaftLog) throws(SimulationViolation)
    {
        if let other = leaderOfTerm[status.term] {
            guard other == status.id else {
                throw SimulationViolation(
                    "election safety", "n\(node) (id \(status.id)) and id \(other) both lead term \(status.term)")
            }
        } else {
            leaderOfTerm[status.term] = status.id
        }
        if let record = decided.lastCommitted(before: status.term), record.id.index > log.snapshotMetadata.last.index {
            let term = try? log.term(at: record.id.index)
            guard term == record.id.term else {
                throw SimulationViolation(
                    "leader completeness",
                    "leader n\(node) of term \(status.term) lacks committed \(record.id) (has \(term.map { "\($0)" } ?? "nothing") there)"
                )
            }
        }
        var pending = 0
        for entry in log.storedEntries.reversed() {
            if entry.last <= status.commit { break }
            if case .configuration = entry.kind { pending += 1 }
        }
        guard pending <= 1 else {
            throw SimulationViolation(
                "one uncommitted configuration change",
                "leader n\(node) has \(pending) configuration entries after commit \(status.commit)")
        }
    }
}
