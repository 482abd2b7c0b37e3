import TernModel

/// The leader's replication state for one member (etcd's `tracker/progress.go`); see the
/// state diagram on `ReplicationState`.
///
/// Invariants: `match < next`; `next - 1` is an entry index in the leader's log (or its
/// snapshot point), so it can serve as AppendEntries' `prev`.
struct Progress {
    /// The member.
    let id: NodeID
    /// Highest index known to match the leader's log.
    var match: Offset
    /// First offset to send next.
    var next: Offset
    /// Replication state.
    var state: ReplicationState = .probe
    /// In probe state: an append was sent this heartbeat interval; wait for an answer.
    var probeSent = false
    /// In snapshot state: the index of the snapshot sent.
    var pendingSnapshot = Offset(-1)
    /// Whether the member was heard from in the current check-quorum window.
    var recentActive = false
    /// Appends in flight.
    var inflights: Inflights

    init(id: NodeID, next: Offset, options: RaftOptions) {
        self.id = id
        self.match = Offset(-1)
        self.next = next
        self.inflights = Inflights(countMax: options.inflightMessagesMax, bytesMax: options.inflightBytesMax)
    }

    /// Whether the leader must wait before sending another append.
    var isPaused: Bool {
        switch state {
        case .probe: probeSent
        case .replicate: inflights.isFull
        case .snapshot: true
        }
    }

    /// Records an acknowledgement up to `index`; returns whether `match` moved.
    mutating func acknowledge(_ index: Offset) -> Bool {
        var moved = false
        if index > match {
            match = index
            moved = true
            probeSent = false
        }
        next = max(next, index.next)
        return moved
    }

    mutating func becomeProbe() {
        if state == .snapshot {
            next = max(match.next, pendingSnapshot.next)
            pendingSnapshot = Offset(-1)
        } else {
            next = match.next
        }
        state = .probe
        probeSent = false
        inflights.reset()
    }

    mutating func becomeReplicate() {
        state = .replicate
        next = match.next
        probeSent = false
        inflights.reset()
    }

    mutating func becomeSnapshot(_ index: Offset) {
        state = .snapshot
        pendingSnapshot = index
        probeSent = false
        inflights.reset()
    }

    /// The status the public API shows; whether the member is a learner is read from the
    /// configuration in force rather than stored here a second time.
    func status(isLearner: Bool) -> FollowerStatus {
        FollowerStatus(
            id: id, match: match, next: next, state: state, recentActive: recentActive,
            inflightMessages: inflights.count, isLearner: isLearner)
    }
}
