public import TernModel
public import TernRaft

/// One node's simulated disk: what the process has written (the page cache) and what is
/// durable (fsynced), so that a crash keeps exactly what a real disk could keep.
///
/// Faults this models, and why the Raft runtime must tolerate each:
/// - **Lost unsynced writes.** Everything written since the last fsync may vanish on a crash;
///   the runtime may only rely on (send messages that depend on) state it has synced.
/// - **Partial survival.** The kernel writes back dirty pages in any order it likes but a log
///   file grows front to back, so a crash keeps a random *prefix* of the unsynced writes.
/// - **Torn last write.** The first lost write may be half on disk: an entries write keeps
///   some of its entries (the rest failed their CRC on recovery and were cut off). A hard state
///   or snapshot write is atomic (written aside and renamed), so it is all or nothing.
///
/// `written` is the store the running `RaftNode` reads (it must see its own writes at once);
/// `durable` is what a restart starts from. Each write goes to `written` immediately and to a
/// pending list that `sync()` folds into `durable`.
public final class SimulatedDisk {
    /// One write the runtime issued, in issue order.
    public enum Write: Sendable {
        case snapshot(Snapshot)
        case entries([Entry])
        case hardState(HardState)
        case compaction(through: Offset, data: [UInt8])
    }

    /// The store the running node shares (page cache view).
    public private(set) var written: MemoryRaftLog
    /// The fsynced store a restart recovers.
    public private(set) var durable: MemoryRaftLog
    /// Writes issued since the last sync, oldest first.
    public private(set) var pending: [Write] = []

    /// A fresh disk for a node of a group bootstrapped with `configuration`.
    public init(configuration: ClusterConfiguration) {
        self.durable = MemoryRaftLog(configuration: configuration)
        self.written = durable.copy()
    }

    /// Issues one write (visible to the node at once, durable only after `sync`).
    public func issue(_ write: Write) {
        Self.perform(write, on: written)
        pending.append(write)
    }

    /// fsync: every issued write becomes durable.
    public func sync() {
        for write in pending { Self.perform(write, on: durable) }
        pending.removeAll()
    }

    /// A crash: a prefix of the pending writes survives (`survivingCount` of them), the next
    /// one possibly torn (`tornEntries` of its entries, if it is an entries write), the rest is
    /// lost. Afterwards `written` equals `durable`: the restarted process reads the disk back.
    /// Returns a line for the trace.
    public func crash(survivingCount: Int, tornEntries: Int) -> String {
        precondition(survivingCount >= 0, "surviving count must not be negative")
        precondition(survivingCount <= pending.count, "cannot keep more writes than were issued")
        for write in pending.prefix(survivingCount) { Self.perform(write, on: durable) }
        var detail = "kept \(survivingCount)/\(pending.count) unsynced writes"
        if survivingCount < pending.count, tornEntries > 0, case .entries(let entries) = pending[survivingCount],
            tornEntries < entries.count
        {
            Self.perform(.entries(Array(entries.prefix(tornEntries))), on: durable)
            detail += ", torn entries write kept \(tornEntries)/\(entries.count)"
        }
        pending.removeAll()
        written = durable.copy()
        return detail
    }

    /// Replaces the durable vote by "no vote" (planted bug (c): the restart forgets the vote).
    public func forgetDurableVote() {
        let state = durable.hardState
        durable.setHardState(HardState(term: state.term, vote: nil, commit: state.commit))
        written = durable.copy()
    }

    /// Whether the entry `id` is durable here: stored in the durable log, or covered by the
    /// durable snapshot (which holds only committed entries).
    public func isDurable(_ id: EntryID) -> Bool {
        if id.index <= durable.snapshotMetadata.last.index { return true }
        guard id.index <= durable.lastIndex else { return false }
        guard let term = try? durable.term(at: id.index) else { return false }
        return term == id.term
    }

    private static func perform(_ write: Write, on log: MemoryRaftLog) {
        switch write {
        case .snapshot(let snapshot):
            log.installSnapshot(snapshot)
        case .entries(let entries):
            log.append(entries)
        case .hardState(let state):
            log.setHardState(state)
        case .compaction(let index, let data):
            // A compaction can reach the durable log only after the entries it drops did
            // (entries are always synced within their Ready); a snapshot past it makes it moot.
            if index <= log.snapshotMetadata.last.index { return }
            log.compact(through: index, data: data)
        }
    }
}
