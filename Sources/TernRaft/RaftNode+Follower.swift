import TernModel

extension RaftNode {
    /// Follower: accept the leader's log, commit index and snapshots; campaign on TimeoutNow.
    mutating func stepFollower(_ message: Message) throws(RaftStepError) {
        switch message.kind {
        case .append(let request):
            electionElapsed = 0
            leader = message.from
            try handleAppend(request, from: message.from)
        case .heartbeat(let commit):
            electionElapsed = 0
            leader = message.from
            // The leader sends min(match, commit), so our log matches its log up to there.
            log.commit(to: min(commit, log.lastIndex))
            configurations.compact(committed: log.committed)
            send(to: message.from, .heartbeatResponse)
        case .installSnapshot(let snapshot):
            electionElapsed = 0
            leader = message.from
            handleSnapshot(snapshot, from: message.from)
        case .timeoutNow:
            // Leadership transfer: campaign at once, past the others' leader lease (§3.10).
            guard configurations.current.isVoter(id) else { throw .unexpected }
            startElection(transfer: true)
        case .preVoteResponse, .voteResponse, .appendResponse, .heartbeatResponse:
            // Late answers to a campaign or a leadership this node already left.
            return
        default:
            throw .unexpected
        }
    }

    /// AppendEntries receiver (§5.3), with entries that are offset spans: the previous entry
    /// must be an entry of our log with the same (index, term); entries we already hold are
    /// skipped; the first differing one replaces our tail.
    private mutating func handleAppend(_ original: AppendRequest, from sender: NodeID) throws(RaftStepError) {
        var request = original
        if request.prev.index < log.committed {
            // Everything up to our commit index matches the leader's log (leader completeness):
            // check that, then keep only the entries after it.
            guard let trimmed = try trimCommittedPrefix(request) else {
                send(to: sender, .appendResponse(.accepted(match: log.committed)))
                return
            }
            request = trimmed
        }
        guard log.matches(request.prev) else {
            send(
                to: sender,
                .appendResponse(.rejected(rejectedPrev: request.prev.index, hint: rejectionHint(request.prev))))
            return
        }
        var firstNew = request.entries.count
        for (position, entry) in request.entries.enumerated() where !log.matches(entry.id) {
            firstNew = position
            break
        }
        if firstNew < request.entries.count {
            let newEntries = Array(request.entries[firstNew...])
            precondition(newEntries[0].first <= log.lastIndex.next, "a matching prev leaves no gap")
            let start = newEntries[0].first
            // A correct leader never contradicts a committed entry (leader completeness).
            guard start > log.committed else { throw .contradictsCommitted }
            guard log.unstable.entries.count + newEntries.count <= Limits.raftUnstableEntriesMax else {
                throw .unstableLogFull
            }
            if start <= log.lastIndex { configurations.truncate(from: start) }
            log.append(newEntries)
            configurations.record(newEntries)
        }
        let lastNew = request.entries.last?.last ?? request.prev.index
        log.commit(to: min(request.commit, lastNew))
        configurations.compact(committed: log.committed)
        send(to: sender, .appendResponse(.accepted(match: lastNew)))
    }

    /// Drops the entries of `request` at or below our commit index, checking that they are the
    /// entries we committed. Returns nil if nothing remains after them.
    /// - Throws: `.contradictsCommitted` if one differs from our committed log.
    private func trimCommittedPrefix(_ request: AppendRequest) throws(RaftStepError) -> AppendRequest? {
        var prev = request.prev
        var remaining = request.entries[...]
        while let entry = remaining.first, entry.first <= log.committed {
            // A straddling or different entry contradicts what we committed.
            guard entry.last <= log.committed, log.matches(entry.id) || entry.last <= log.snapshotPoint.index else {
                throw .contradictsCommitted
            }
            prev = entry.id
            remaining = remaining.dropFirst()
        }
        guard !remaining.isEmpty else { return nil }
        return AppendRequest(prev: prev, entries: Array(remaining), commit: request.commit)
    }

    /// The rejection hint: our last entry at or before the leader's `prev` whose term is at
    /// most `prev.term`. Every leader entry after it up to `prev` with a higher term cannot
    /// match ours, so the leader skips them all in one step.
    private func rejectionHint(_ prev: EntryID) -> EntryID {
        do {
            return try log.entryID(atOrBefore: min(prev.index, log.lastIndex), termAtMost: prev.term)
        } catch {
            // prev.index >= committed >= snapshot point, so this cannot be compacted.
            preconditionFailure("rejection hint below the snapshot point: \(error)")
        }
    }

    /// InstallSnapshot receiver: adopt the snapshot unless our log already holds its last entry.
    private mutating func handleSnapshot(_ snapshot: Snapshot, from sender: NodeID) {
        let last = snapshot.metadata.last
        if last.index <= log.committed {
            send(to: sender, .appendResponse(.accepted(match: log.committed)))
            return
        }
        if log.matches(last) {
            // Our log already has it: fast-forward the commit index, keep the tail.
            log.commit(to: last.index)
            configurations.compact(committed: log.committed)
            send(to: sender, .appendResponse(.accepted(match: last.index)))
            return
        }
        log.restore(snapshot)
        configurations.reset(to: snapshot.metadata)
        send(to: sender, .appendResponse(.accepted(match: last.index)))
    }
}
