import TernModel

/// The log as the core sees it: the stable storage overlaid by the unstable part, plus the
/// commit and apply positions (etcd's `raftLog`).
///
/// Invariants: `applied <= applying <= committed <= lastIndex`; `committed` never decreases;
/// committed entries are never truncated.
struct RaftLog {
    /// The caller's stable storage (read-only here).
    let storage: any RaftLogStorage
    /// Entries and snapshot awaiting persistence.
    var unstable = UnstableLog()
    /// Highest committed index.
    var committed: Offset
    /// Highest index the application confirmed applied (through `advance`).
    var applied: Offset
    /// Highest index handed out in a `Ready` (applied once that Ready is advanced).
    var applying: Offset

    init(storage: any RaftLogStorage, committed: Offset, applied: Offset) {
        self.storage = storage
        self.committed = committed
        self.applied = applied
        self.applying = applied
    }

    /// The point just before the log start (snapshot or compaction point).
    var snapshotPoint: EntryID { unstable.snapshot?.metadata.last ?? storage.snapshotMetadata.last }

    /// First offset in the log.
    var logStart: Offset { snapshotPoint.index.next }

    /// Last index of the stable part that is still part of the log.
    var stableLastIndex: Offset {
        if let snapshot = unstable.snapshot { return snapshot.metadata.last.index }
        if let first = unstable.firstOffset { return min(first.previous, storage.lastIndex) }
        return storage.lastIndex
    }

    /// Index of the last entry (or the snapshot point).
    var lastIndex: Offset { unstable.entries.last?.last ?? stableLastIndex }

    /// The last entry's id (or the snapshot point).
    var lastEntryID: EntryID {
        if let last = unstable.entries.last { return last.id }
        if unstable.snapshot != nil { return snapshotPoint }
        // The stored log is never overridden without unstable entries, so its last entry stands.
        do {
            return try storage.entryID(atOrBefore: storage.lastIndex, termAtMost: Term(Int64.max))
        } catch {
            preconditionFailure("storage cannot find its own last entry: \(error)")
        }
    }

    /// The entry with the greatest index at or below `offset` and term at most `termAtMost`.
    /// - Throws: `.compacted` if `offset` is below the snapshot point.
    func entryID(atOrBefore offset: Offset, termAtMost: Term) throws(RaftStorageError) -> EntryID {
        guard offset >= snapshotPoint.index else { throw .compacted }
        if let found = unstable.entryID(atOrBefore: offset, termAtMost: termAtMost) { return found }
        if unstable.snapshot != nil { return snapshotPoint }
        return try storage.entryID(atOrBefore: min(offset, stableLastIndex), termAtMost: termAtMost)
    }

    /// Term of the entry ending exactly at `index` (or the snapshot point), nil if none does.
    /// - Throws: `.compacted` below the snapshot point, `.unavailable` above the last index.
    func term(at index: Offset) throws(RaftStorageError) -> Term? {
        guard index <= lastIndex else { throw .unavailable }
        let found = try entryID(atOrBefore: index, termAtMost: Term(Int64.max))
        return found.index == index ? found.term : nil
    }

    /// Whether the log holds `id` (false if compacted away, except for the snapshot point).
    func matches(_ id: EntryID) -> Bool {
        guard id.index <= lastIndex else { return false }
        guard let found = try? term(at: id.index) else { return false }
        return found == id.term
    }

    /// Entries after the entry at `index`, bounded by count and bytes (at least one if any).
    func entries(after index: Offset, countMax: Int, bytesMax: Int) throws(RaftStorageError) -> [Entry] {
        precondition(countMax > 0, "ask for at least one entry")
        guard index >= snapshotPoint.index else { throw .compacted }
        guard index <= lastIndex else { throw .unavailable }
        var result: [Entry] = []
        if index < stableLastIndex {
            result = try storage.entries(after: index, countMax: countMax, bytesMax: bytesMax)
            if let last = result.last, last.last > stableLastIndex {
                result.removeSubrange(result.firstIndex { $0.last > stableLastIndex }!...)
            }
            guard result.last?.last == stableLastIndex else { return result }
        }
        var bytes = result.reduce(0) { $0 + $1.sizeBytes }
        let start = unstable.position(ofFirstAtOrAfter: index.next)
        for entry in unstable.entries[start...] {
            if result.count >= countMax { break }
            if !result.isEmpty && bytes + entry.sizeBytes > bytesMax { break }
            result.append(entry)
            bytes += entry.sizeBytes
        }
        return result
    }

    /// Whether a candidate whose log ends at `candidateLast` is at least as up to date (§5.4.1).
    func isUpToDate(_ candidateLast: EntryID) -> Bool {
        let own = lastEntryID
        if candidateLast.term != own.term { return candidateLast.term > own.term }
        return candidateLast.index >= own.index
    }

    /// Appends entries that follow the log's entry ending at `entries[0].first - 1`, dropping any
    /// (uncommitted) entries they replace.
    mutating func append(_ entries: [Entry]) {
        guard let first = entries.first else { return }
        precondition(first.first > committed, "committed entries are never overwritten")
        precondition(first.first <= lastIndex.next, "append leaves a gap")
        precondition(unstable.entries.count + entries.count <= Limits.raftUnstableEntriesMax, "unstable log overflow")
        unstable.truncateAndAppend(entries)
    }

    /// Moves the commit index forward (never backwards).
    mutating func commit(to index: Offset) {
        guard index > committed else { return }
        precondition(index <= lastIndex, "commit beyond the last entry")
        committed = index
    }

    /// Replaces the whole log with a snapshot received from the leader.
    mutating func restore(_ snapshot: Snapshot) {
        precondition(snapshot.metadata.last.index > committed, "restore only moves forward")
        unstable.snapshot = snapshot
        unstable.entries = []
        committed = snapshot.metadata.last.index
    }
}
