import TernModel

extension RaftNode {
    /// Takes leadership of the current term: track every member, append the no-op
    /// (LEADER_CHANGE) that lets earlier entries commit (§5.4.2, §8), and replicate it.
    mutating func becomeLeader() {
        precondition(role == .candidate, "only a candidate becomes leader")
        precondition(vote == id, "a leader voted for itself")
        role = .leader
        leader = id
        electionElapsed = 0
        heartbeatElapsed = 0
        votes = []
        progress = []
        synchronizeProgress()
        let noop = appendLocal(recordCount: 1, kind: .leaderChange, payload: [])
        precondition(noop.term == term, "the no-op carries the new term")
        broadcastAppend()
    }

    /// Leader tick: heartbeats every `heartbeatTicks`; every election timeout, check that a
    /// quorum was heard from (else step down) and abort a transfer that did not complete.
    mutating func tickHeartbeat() {
        heartbeatElapsed += 1
        electionElapsed += 1
        if transferTarget != nil {
            transferElapsed += 1
            if transferElapsed >= options.electionTicks { abortTransfer() }
        }
        if electionElapsed >= options.electionTicks {
            electionElapsed = 0
            if options.checkQuorum {
                guard quorumActive() else {
                    becomeFollower(term: term, leader: nil)
                    return
                }
                for position in progress.indices where progress[position].id != id {
                    progress[position].recentActive = false
                }
            }
        }
        if heartbeatElapsed >= options.heartbeatTicks {
            heartbeatElapsed = 0
            broadcastHeartbeat()
        }
    }

    /// Whether a majority of voters (the leader included) was heard from in this window.
    private func quorumActive() -> Bool {
        let voters = configurations.current.voters
        let active = progress.filter { $0.recentActive || $0.id == id }.filter { voters.contains($0.id) }.count
        return active >= configurations.current.quorum
    }

    /// Leader: handle replication answers.
    mutating func stepLeader(_ message: Message) throws(RaftStepError) {
        guard let position = progressPosition(message.from) else { throw .unknownSender }
        progress[position].recentActive = true
        switch message.kind {
        case .appendResponse(.accepted(let match)):
            // A match that is not an entry index of our log is only possible if another leader
            // of this term exists (a safety bug elsewhere): refuse it rather than trust it.
            guard isEntryIndex(match) else { throw .contradictsCommitted }
            handleAppendAccepted(at: position, match: match)
        case .appendResponse(.rejected(let rejectedPrev, let hint)):
            handleAppendRejected(at: position, rejectedPrev: rejectedPrev, hint: hint)
        case .heartbeatResponse:
            progress[position].probeSent = false
            // Lost appends may have filled the window: free one slot so replication can probe on.
            if progress[position].state == .replicate && progress[position].inflights.isFull {
                progress[position].inflights.freeOldest()
            }
            if progress[position].match < log.lastIndex { sendAppend(at: position, sendIfEmpty: true) }
        case .preVoteResponse, .voteResponse:
            return
        default:
            throw .unexpected
        }
    }

    private mutating func handleAppendAccepted(at position: Int, match: Offset) {
        let wasPaused = progress[position].isPaused
        let moved = progress[position].acknowledge(match)
        progress[position].inflights.free(through: match)
        switch progress[position].state {
        case .probe:
            if moved {
                progress[position].becomeReplicate()
            }
        case .snapshot:
            if progress[position].match >= progress[position].pendingSnapshot {
                progress[position].becomeProbe()
                progress[position].becomeReplicate()
            }
        case .replicate:
            break
        }
        if moved && maybeCommit() {
            broadcastAppend()
        } else if wasPaused {
            // A paused follower may have missed the latest commit index: send it.
            sendAppend(at: position, sendIfEmpty: true)
        }
        fillWindow(at: position)
        if let target = transferTarget, target == progress[position].id, progress[position].match == log.lastIndex {
            send(to: target, .timeoutNow)
        }
    }

    /// Whether `index` ends an entry of the leader's log (or lies in its compacted prefix, which
    /// cannot be checked and is committed anyway).
    private func isEntryIndex(_ index: Offset) -> Bool {
        guard index <= log.lastIndex else { return false }
        do {
            return try log.term(at: index) != nil
        } catch {
            return true
        }
    }

    /// Fast backtracking: skip every leader entry after the follower's hint whose term is
    /// above the hint's term; they cannot match.
    private mutating func handleAppendRejected(at position: Int, rejectedPrev: Offset, hint: EntryID) {
        let follower = progress[position]
        switch follower.state {
        case .replicate: guard rejectedPrev > follower.match else { return }
        case .probe: guard rejectedPrev == follower.next.previous else { return }
        case .snapshot: return
        }
        var nextPrev: Offset
        do {
            nextPrev = try log.entryID(atOrBefore: min(hint.index, rejectedPrev.previous), termAtMost: hint.term).index
        } catch {
            nextPrev = log.snapshotPoint.index.previous
        }
        nextPrev = max(nextPrev, follower.match)
        progress[position].becomeProbe()
        progress[position].next = nextPrev.next
        sendAppend(at: position, sendIfEmpty: true)
    }

    /// Advances the commit index to the highest index stored durably by a majority of voters,
    /// if that entry is of the current term (§5.4.2). Returns whether it moved.
    mutating func maybeCommit() -> Bool {
        let voters = configurations.current.voters
        let matches = progress.compactMap { voters.contains($0.id) ? $0.match : nil }
        let candidate = Quorum.committedIndex(matches)
        guard candidate > log.committed else { return false }
        if !options.testingFaults.contains(.commitPreviousTermByCounting) {
            guard (try? log.term(at: candidate)) == term else { return false }
        }
        log.commit(to: candidate)
        configurations.compact(committed: log.committed)
        return true
    }

    /// Appends a new entry of this term after the last entry; returns its id.
    @discardableResult
    mutating func appendLocal(recordCount: Int64, kind: EntryKind, payload: [UInt8]) -> EntryID {
        precondition(role == .leader, "only the leader appends new entries")
        precondition(recordCount > 0, "an entry covers at least one offset")
        let first = log.lastIndex.next
        let entry = Entry(
            first: first, last: first.advanced(by: recordCount - 1), term: term, kind: kind, payload: payload)
        log.append([entry])
        if case .configuration = kind {
            configurations.record([entry])
            synchronizeProgress()
        }
        return entry.id
    }

    /// Common path of `propose` and `proposeConfigurationChange`.
    mutating func proposeEntry(recordCount: Int64, kind: EntryKind, payload: [UInt8]) throws(RaftError) -> EntryID {
        guard role == .leader else { throw .notLeader }
        guard transferTarget == nil else { throw .transferInProgress }
        guard log.unstable.entries.count < Limits.raftUnstableEntriesMax else { throw .unstableLogFull }
        let id = appendLocal(recordCount: recordCount, kind: kind, payload: payload)
        broadcastAppend()
        return id
    }

    /// Makes `progress` hold exactly the current members (sorted), keeping known state.
    mutating func synchronizeProgress() {
        let configuration = configurations.current
        var updated: [Progress] = []
        for member in configuration.members {
            if let existing = progress.first(where: { $0.id == member }) {
                updated.append(existing)
            } else {
                var fresh = Progress(id: member, next: log.lastIndex.next, options: options)
                if member == id {
                    fresh.match = log.stableLastIndex
                    fresh.recentActive = true
                    fresh.state = .replicate
                }
                updated.append(fresh)
            }
        }
        progress = updated
        if let target = transferTarget, !configuration.isVoter(target) { abortTransfer() }
    }

    /// Position of `member` in `progress`, if tracked.
    func progressPosition(_ member: NodeID) -> Int? {
        progress.firstIndex { $0.id == member }
    }

    // MARK: Leadership transfer

    mutating func startTransfer(to target: NodeID) {
        transferTarget = target
        transferElapsed = 0
        guard let position = progressPosition(target) else { preconditionFailure("voters are tracked") }
        if progress[position].match == log.lastIndex {
            send(to: target, .timeoutNow)
        } else {
            sendAppend(at: position, sendIfEmpty: true)
        }
    }

    mutating func abortTransfer() {
        transferTarget = nil
        transferElapsed = 0
    }
}
