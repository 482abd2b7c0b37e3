import TernModel

extension RaftNode {
    /// Queues a message from this node in the current term (or `term` for pre-votes). Leader
    /// replication traffic may leave before persistence (§10.2.1); everything else, votes and
    /// acknowledgements above all, only after the Ready that produced it is durable.
    mutating func send(to peer: NodeID, _ kind: MessageKind, term messageTerm: Term? = nil) {
        precondition(peer != id, "a node does not message itself")
        let message = Message(from: id, to: peer, term: messageTerm ?? term, kind: kind)
        switch kind {
        case .append, .heartbeat, .installSnapshot, .timeoutNow:
            precondition(role == .leader, "only leaders replicate")
            outboxBeforePersistence.append(message)
        case .voteRequest, .voteResponse:
            if options.testingFaults.contains(.countVoteBeforeDurable) {
                outboxBeforePersistence.append(message)
            } else {
                outbox.append(message)
            }
        case .preVoteRequest, .preVoteResponse, .appendResponse, .heartbeatResponse:
            outbox.append(message)
        }
    }

    /// Sends new entries to every other member whose window is open.
    mutating func broadcastAppend() {
        for position in progress.indices where progress[position].id != id {
            sendAppend(at: position, sendIfEmpty: true)
        }
    }

    /// Sends as many appends to the member at `position` as its window and the log allow.
    mutating func fillWindow(at position: Int) {
        for _ in 0..<options.inflightMessagesMax {
            guard sendAppend(at: position, sendIfEmpty: false) else { return }
        }
    }

    /// One heartbeat per other member, in id order, each carrying the commit index that member
    /// may adopt (at most its known match, so it never commits entries it may not hold).
    mutating func broadcastHeartbeat() {
        for position in progress.indices where progress[position].id != id {
            let follower = progress[position]
            send(to: follower.id, .heartbeat(commit: min(follower.match, log.committed)))
            // Heartbeats pace probing: allow one more probe per heartbeat round.
            if follower.state == .probe { progress[position].probeSent = false }
        }
    }

    /// Sends the member at `position` the entries after its `next - 1`, if its window allows:
    /// an AppendEntries, or an InstallSnapshot when those entries were compacted away. With
    /// `sendIfEmpty`, an append without entries still goes (it carries the commit index, or
    /// probes a follower whose acknowledgements were lost). Returns whether a message was queued.
    @discardableResult
    mutating func sendAppend(at position: Int, sendIfEmpty: Bool) -> Bool {
        let follower = progress[position]
        precondition(follower.id != id, "the leader does not replicate to itself")
        guard !follower.isPaused else { return false }
        let prevIndex = follower.next.previous
        let prevTerm: Term?
        let entries: [Entry]
        do {
            prevTerm = try log.term(at: prevIndex)
            entries = try log.entries(
                after: prevIndex, countMax: options.entriesPerMessageMax, bytesMax: options.messageBytesMax)
        } catch {
            precondition(error == .compacted, "the leader's next index is beyond its log")
            return sendSnapshot(at: position)
        }
        guard let prevTerm else { preconditionFailure("progress.next - 1 is always an entry index") }
        if entries.isEmpty && !sendIfEmpty { return false }
        let request = AppendRequest(
            prev: EntryID(index: prevIndex, term: prevTerm), entries: entries, commit: log.committed)
        send(to: follower.id, .append(request))
        if follower.state == .replicate {
            if let last = entries.last {
                progress[position].next = last.last.next
                progress[position].inflights.add(last: last.last, bytes: entries.reduce(0) { $0 + $1.sizeBytes })
            }
        } else {
            progress[position].probeSent = true
        }
        return true
    }

    /// Sends the latest snapshot to a member whose next entries were compacted away.
    private mutating func sendSnapshot(at position: Int) -> Bool {
        guard progress[position].recentActive else { return false }
        let snapshot = log.storage.snapshot()
        precondition(snapshot.metadata.last.index >= log.logStart.previous, "the storage snapshot is current")
        progress[position].becomeSnapshot(snapshot.metadata.last.index)
        send(to: progress[position].id, .installSnapshot(snapshot))
        return true
    }
}
