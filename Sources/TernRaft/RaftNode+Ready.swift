import TernModel

extension RaftNode {
    /// The hard state the caller must hold now.
    private var currentHardState: HardState { HardState(term: term, vote: vote, commit: log.committed) }

    /// Highest index that may be handed out for applying: committed and already stable.
    private var applicableIndex: Offset { min(log.committed, log.stableLastIndex) }

    /// Whether `ready()` would ask for anything. Cheap: no allocation. False while a Ready is
    /// outstanding (handed out, not yet advanced).
    public var hasReady: Bool {
        guard !readyOutstanding else { return false }
        if !outbox.isEmpty || !outboxBeforePersistence.isEmpty { return true }
        if currentHardState != handedHardState { return true }
        if log.unstable.snapshot != nil || !log.unstable.entries.isEmpty { return true }
        return applicableIndex > log.applying
    }

    /// Collects what the caller must do (see `Ready`). Call `advance` with the result before
    /// calling `ready()` again.
    public mutating func ready() -> Ready {
        precondition(!readyOutstanding, "advance the previous Ready first")
        var ready = Ready()
        let hardState = currentHardState
        if hardState != handedHardState {
            ready.hardState = hardState
            ready.mustSync = hardState.term != handedHardState.term || hardState.vote != handedHardState.vote
            handedHardState = hardState
        }
        ready.snapshot = log.unstable.snapshot
        ready.entries = log.unstable.entries
        if ready.snapshot != nil || !ready.entries.isEmpty { ready.mustSync = true }
        if let snapshot = ready.snapshot {
            log.applying = max(log.applying, snapshot.metadata.last.index)
        }
        ready.committedEntries = committedEntriesToApply()
        if let last = ready.committedEntries.last { log.applying = last.last }
        ready.messagesBeforePersistence = outboxBeforePersistence
        ready.messages = outbox
        outboxBeforePersistence = []
        outbox = []
        readyOutstanding = true
        return ready
    }

    /// The next committed, stable entries the application has not been handed yet.
    private func committedEntriesToApply() -> [Entry] {
        // Entries inside a pending snapshot are covered by it.
        let start = max(log.applying, log.unstable.snapshot?.metadata.last.index ?? log.applying)
        guard applicableIndex > start, log.unstable.snapshot == nil else { return [] }
        let entries: [Entry]
        do {
            entries = try log.entries(
                after: start, countMax: Limits.raftCommittedEntriesPerReadyMax,
                bytesMax: Limits.raftCommittedBytesPerReadyMax)
        } catch {
            preconditionFailure("committed entries after \(start) are missing from storage: \(error)")
        }
        let cut = entries.firstIndex { $0.last > applicableIndex } ?? entries.count
        return Array(entries[..<cut])
    }

    /// Reports that `ready` was carried out: its snapshot and entries are durable, its messages
    /// sent, its committed entries applied. Entries persisted by a leader now count toward its
    /// own commit quorum.
    public mutating func advance(_ ready: Ready) {
        precondition(readyOutstanding, "advance without an outstanding Ready")
        readyOutstanding = false
        if let snapshot = ready.snapshot, log.unstable.snapshot == snapshot {
            precondition(log.storage.snapshotMetadata.last == snapshot.metadata.last, "snapshot was not installed")
            log.unstable.snapshot = nil
            log.applied = max(log.applied, snapshot.metadata.last.index)
        }
        if let last = ready.entries.last {
            log.unstable.stableTo(last.id)
        }
        if let last = ready.committedEntries.last {
            precondition(last.last <= log.committed, "applied beyond commit")
            log.applied = max(log.applied, last.last)
        }
        log.applying = max(log.applying, log.applied)
        if role == .leader, let position = progressPosition(id) {
            let persisted = log.stableLastIndex
            if progress[position].acknowledge(persisted) && maybeCommit() {
                broadcastAppend()
            }
        }
    }
}
