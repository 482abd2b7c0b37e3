import TernModel
import TernRaft

extension Simulator {
    /// Starts (or restarts) a node's process from its durable disk.
    func start(_ node: SimulatedNode) throws(SimulationViolation) {
        precondition(!node.isRunning, "start of a running node")
        if options.forgetVoteOnRestart && node.incarnation > 0 { node.disk.forgetDurableVote() }
        node.incarnation += 1
        let jitter = seedRandom.derived(stream: UInt64(node.index) << 32 | UInt64(node.incarnation))
        let raft = RaftNode(options: raftOptions(for: node), storage: node.disk.written, random: jitter)
        let stored = node.disk.written
        if let state = SnapshotState(bytes: stored.snapshotData) {
            node.stateDigest = state.digest
            node.stateIndex = state.index
        } else {
            node.stateDigest = EntryDigest.emptyState
            node.stateIndex = stored.snapshotMetadata.last.index
        }
        node.raft = raft
        node.crashRequested = false
        node.snapshotReports = []
        node.observedRole = .follower
        node.observedCommit = raft.commitIndex
        node.checkedCommit = Offset(-2)
        node.checkedLeader = nil
        let status = raft.status
        note(
            node.index,
            "start #\(node.incarnation): \(stored.hardState), log \(stored.logStart)...\(stored.lastIndex), \(status.configuration)"
        )
        try checker.checkRestart(node: node.index, status: status)
        try checker.checkStatus(node: node.index, status: NodeView(raft), log: stored)
        try drive(node)
    }

    /// Kills a node's process: unsynced writes are partly lost, the last possibly torn.
    func crash(_ node: SimulatedNode, reason: String) throws(SimulationViolation) {
        precondition(node.isRunning, "crash of a stopped node")
        let pendingCount = node.disk.pending.count
        let surviving = diskRandom.inRange(0...pendingCount)
        let torn = diskRandom.chance(rates.tornWriteProbability) ? diskRandom.inRange(1...4) : 0
        let detail = node.disk.crash(survivingCount: surviving, tornEntries: torn)
        node.raft = nil
        node.crashRequested = false
        node.snapshotReports = []
        node.lostPeers = []
        statistics.crashes += 1
        note(
            node.index,
            "CRASH (\(reason)): \(detail); durable \(node.disk.durable.hardState), log ends \(node.disk.durable.lastIndex)"
        )
        try checker.checkDurable(node: node.index, durable: node.disk.durable.hardState)
        reportLost(node)
    }

    /// The broker tells every group a dead peer led that its process is gone (a refused
    /// reconnect); the lowest surviving voter campaigns at once. Mostly, not always: a peer
    /// behind a partition is never reported, and the checkers must hold either way.
    private func reportLost(_ crashed: SimulatedNode) {
        let survivors = nodes.filter { $0.isRunning && $0.index != crashed.index }
        for survivor in survivors where faultRandom.chance(0.8) {
            guard let voters = survivor.raft?.configuration.voters else { continue }
            let chosen = voters.filter { $0 != crashed.id }.first == survivor.id
            survivor.lostPeers.append((crashed.id, chosen))
        }
    }

    /// A fault-chosen crash point inside Ready handling; true if the node crashed there.
    private func crashPoint(_ node: SimulatedNode, _ place: String) throws(SimulationViolation) -> Bool {
        guard !healing else { return false }
        guard node.crashRequested || faultRandom.chance(rates.crashInReadyProbability) else { return false }
        try crash(node, reason: place)
        return true
    }

    /// Carries out the node's Readies until it has none (the per-node runtime loop):
    /// send early messages, write, fsync, send the rest, apply, advance; checks after each.
    func drive(_ node: SimulatedNode) throws(SimulationViolation) {
        var rounds = 0
        while let raft = node.raft, raft.hasReady {
            rounds += 1
            precondition(rounds <= Limits.simulationStepsPerUnitMax, "a node produced Readies without end")
            let before = NodeView(raft)
            // A leader's commit covers only entries stable on it: record the commit before any
            // crash point can hide it (a follower's may need this Ready's entries first).
            if before.role == .leader { try observeCommit(node) }
            targetFaults(node, view: before)
            let ready = node.raft!.ready()
            let persistFirst = !healing && faultRandom.chance(rates.persistFirstProbability)
            if !persistFirst {
                for message in ready.messagesBeforePersistence { try send(message, from: node) }
                if try crashPoint(node, "after sending early messages") { return }
            }
            try persist(ready, node: node, status: before)
            if try crashPoint(node, "after writing, before fsync") { return }
            if ready.mustSync {
                node.disk.sync()
                try checker.checkDurable(node: node.index, durable: node.disk.durable.hardState)
            }
            if ready.hardState != nil || ready.snapshot != nil || !ready.entries.isEmpty
                || !ready.committedEntries.isEmpty
            {
                trace.record(
                    .init(
                        time: now,
                        kind: .ready(
                            node: node.index, hardState: ready.hardState, entries: ready.entries.count,
                            committed: ready.committedEntries.count, sync: ready.mustSync)))
            }
            if persistFirst {
                if try crashPoint(node, "after fsync, before sending early messages") { return }
                for message in ready.messagesBeforePersistence { try send(message, from: node) }
            }
            if try crashPoint(node, "after fsync, before sending") { return }
            for message in ready.messages { try send(message, from: node) }
            if try crashPoint(node, "after sending") { return }
            try observeCommit(node)
            for entry in ready.committedEntries { try apply(entry, node: node) }
            if try crashPoint(node, "after applying") { return }
            node.raft!.advance(ready)
            try observeCommit(node)
            try checkStatus(node)
            let reports = node.snapshotReports
            node.snapshotReports = []
            for report in reports { node.raft!.reportSnapshot(to: report.peer, succeeded: report.succeeded) }
        }
    }

    /// The per-step status checks; the leader checks (which scan the log tail) only when the
    /// leader's term, last index or commit moved since they last ran on this node.
    private func checkStatus(_ node: SimulatedNode) throws(SimulationViolation) {
        let raft = node.raft!
        let view = NodeView(raft)
        let key = LeaderCheckKey(
            term: view.term, lastIndex: node.disk.written.lastIndex, commit: view.commit,
            decidedEnd: checker.decided.end)
        let leaderChecks = view.role == .leader && node.checkedLeader != key
        if leaderChecks { node.checkedLeader = key }
        try checker.checkStatus(node: node.index, status: view, log: node.disk.written, leaderChecks: leaderChecks)
    }

    /// Lets the checker see the node's commit index (extending the committed history).
    private func observeCommit(_ node: SimulatedNode) throws(SimulationViolation) {
        let commit = node.raft!.commitIndex
        guard commit != node.checkedCommit else { return }
        node.checkedCommit = commit
        try checker.observeCommit(node: node.index, status: NodeView(node.raft!), log: node.disk.written) { voter, id in
            let position = Int(voter.rawValue) - 1
            return position >= 0 && position < nodes.count && nodes[position].disk.isDurable(id)
        }
    }

    /// Targeted faults at the moments Figure 8-style histories need, decided before the
    /// node's next Ready leaves: a new leader may be isolated or crash, and a leader whose
    /// commit index moved may crash.
    private func targetFaults(_ node: SimulatedNode, view: NodeView) {
        defer {
            node.observedRole = view.role
            node.observedCommit = view.commit
        }
        guard !healing, view.role == .leader else { return }
        if node.observedRole != .leader {
            if faultRandom.chance(rates.crashNewLeaderProbability) { node.crashRequested = true }
            if network.partition == nil, faultRandom.chance(rates.isolateNewLeaderProbability) {
                network.apply(.isolate(node.index))
                statistics.partitions += 1
                note(node.index, "partition: isolate the new leader")
            }
        }
        if view.commit > node.observedCommit, faultRandom.chance(rates.crashAfterCommitProbability) {
            node.crashRequested = true
        }
    }

    /// Writes a Ready's snapshot, entries and hard state (not yet synced), checking each.
    private func persist(_ ready: Ready, node: SimulatedNode, status: NodeView) throws(SimulationViolation) {
        if let snapshot = ready.snapshot {
            let state = try checker.checkSnapshot(node: node.index, role: status.role, snapshot: snapshot)
            node.disk.issue(.snapshot(snapshot))
            node.stateDigest = state.digest
            node.stateIndex = state.index
            statistics.snapshotsInstalled += 1
            note(node.index, "install \(snapshot)")
        }
        if !ready.entries.isEmpty {
            try checker.checkWrite(
                node: node.index, role: status.role, commit: node.disk.written.hardState.commit,
                entries: ready.entries, log: node.disk.written)
            node.disk.issue(.entries(ready.entries))
        }
        if let hardState = ready.hardState { node.disk.issue(.hardState(hardState)) }
    }

    /// Applies one committed entry to the node's state machine; acknowledges the client if the
    /// node is the leader that accepted the proposal.
    private func apply(_ entry: Entry, node: SimulatedNode) throws(SimulationViolation) {
        guard entry.last > node.stateIndex else {
            throw SimulationViolation(
                "applied never decreases", "n\(node.index) re-applies \(entry) at state \(node.stateIndex)")
        }
        guard entry.first == node.stateIndex.next else {
            throw SimulationViolation(
                "state-machine safety", "n\(node.index) applies \(entry) after state \(node.stateIndex)")
        }
        guard node.disk.isDurable(entry.id) else {
            throw SimulationViolation(
                "applied entries are durable", "n\(node.index) applies \(entry) before it is fsynced locally")
        }
        node.stateDigest = try checker.checkApply(node: node.index, entry: entry, stateBefore: node.stateDigest)
        node.stateIndex = entry.last
        guard case .normal = entry.kind, let proposal = ProposalPayload.id(in: entry.payload) else { return }
        guard let accepted = proposals[proposal], accepted.node == node.index,
            accepted.incarnation == node.incarnation, accepted.entry == entry.id
        else { return }
        try checker.acknowledge(proposal: proposal, entry: entry)
        statistics.proposalsAcknowledged += 1
    }

    /// Puts one message on the network (after checking a vote in it is durable).
    func send(_ message: Message, from node: SimulatedNode) throws(SimulationViolation) {
        try checker.checkSend(message, durable: node.disk.durable.hardState)
        let target = Int(message.to.rawValue) - 1
        guard target >= 0, target < nodes.count, target != node.index else {
            note(node.index, "drops message to unknown node: \(message)")
            return
        }
        statistics.messagesSent += 1
        let outcome = network.send(
            message, from: node.index, to: target, now: now, rates: networkRates, random: &networkRandom)
        trace.record(.init(time: now, kind: .send(from: node.index, to: target, message: message, outcome: outcome)))
        if case .installSnapshot = message.kind, !isQueued(outcome) {
            node.snapshotReports.append((message.to, false))
        }
        if case .voteResponse(granted: true) = message.kind, !healing,
            faultRandom.chance(rates.crashAfterVoteProbability)
        {
            node.crashRequested = true
        }
    }

    private func isQueued(_ outcome: SimulatedNetwork<Message>.SendOutcome) -> Bool {
        if case .queued = outcome { return true }
        return false
    }
}
