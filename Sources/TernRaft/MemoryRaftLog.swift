public import TernModel

/// An in-memory `RaftLogStorage`: the reference implementation, used by tests, the simulator
/// and the benchmarks. The caller owns the writes: `persist(_:)` carries out a `Ready`'s storage
/// obligations in one call; `append`, `installSnapshot`, `setHardState` and `compact` do the
/// pieces separately (the simulator uses them to model partial fsyncs and retention).
public final class MemoryRaftLog: RaftLogStorage {
    /// The durable hard state.
    public private(set) var hardState: HardState
    /// The compaction point and the configuration there.
    public private(set) var snapshotMetadata: SnapshotMetadata
    /// Application data of the latest snapshot.
    public private(set) var snapshotData: [UInt8]
    /// Stored entries after the snapshot point, contiguous.
    public private(set) var storedEntries: [Entry]

    /// A fresh log for a group bootstrapped with `configuration`.
    public init(configuration: ClusterConfiguration) {
        self.hardState = .initial
        self.snapshotMetadata = SnapshotMetadata(last: .origin, configuration: configuration)
        self.snapshotData = []
        self.storedEntries = []
    }

    /// A deep copy (what survives a crash when everything was fsynced).
    public func copy() -> MemoryRaftLog {
        let clone = MemoryRaftLog(configuration: snapshotMetadata.configuration)
        clone.hardState = hardState
        clone.snapshotMetadata = snapshotMetadata
        clone.snapshotData = snapshotData
        clone.storedEntries = storedEntries
        return clone
    }

    /// See `RaftLogStorage`.
    public var lastIndex: Offset { storedEntries.last?.last ?? snapshotMetadata.last.index }

    /// Carries out the storage part of `ready`: snapshot, then entries, then hard state.
    public func persist(_ ready: Ready) {
        if let snapshot = ready.snapshot { installSnapshot(snapshot) }
        if !ready.entries.isEmpty { append(ready.entries) }
        if let hardState = ready.hardState { setHardState(hardState) }
    }

    /// Saves the term, vote and commit.
    public func setHardState(_ newState: HardState) {
        hardState = newState
    }

    /// Drops stored entries at or after `entries[0].first` and appends `entries`.
    /// - Precondition: `entries` are contiguous and start right after a stored entry (or the
    ///   snapshot point).
    public func append(_ entries: [Entry]) {
        guard let first = entries.first else { return }
        precondition(first.first > snapshotMetadata.last.index, "append below the snapshot point")
        precondition(first.first <= lastIndex.next, "append leaves a gap")
        let keep = position(ofFirstAtOrAfter: first.first)
        precondition(keep == 0 || storedEntries[keep - 1].last == first.first.previous, "append splits an entry")
        storedEntries.removeSubrange(keep...)
        var expected = first.first
        for entry in entries {
            precondition(entry.first == expected, "appended entries must be contiguous")
            expected = entry.last.next
        }
        storedEntries.append(contentsOf: entries)
    }

    /// Replaces the whole log with `snapshot` (a follower installing InstallSnapshot).
    public func installSnapshot(_ snapshot: Snapshot) {
        storedEntries.removeAll()
        snapshotMetadata = snapshot.metadata
        snapshotData = snapshot.data
    }

    /// Retention: drops every entry up to and including the entry whose index is `index`, which
    /// becomes the snapshot point (its configuration is computed from the dropped entries).
    /// Tell the node afterwards with `RaftNode.logStartDidMove()`.
    /// - Precondition: `index` is a stored entry index (the caller only compacts applied entries).
    public func compact(through index: Offset, data: [UInt8] = []) {
        let count = position(ofFirstAtOrAfter: index.next)
        precondition(count > 0, "compact to a stored entry")
        precondition(storedEntries[count - 1].last == index, "compaction point must be an entry index")
        var configuration = snapshotMetadata.configuration
        for entry in storedEntries[..<count] {
            if case .configuration(let next) = entry.kind { configuration = next }
        }
        snapshotMetadata = SnapshotMetadata(last: storedEntries[count - 1].id, configuration: configuration)
        snapshotData = data
        storedEntries.removeFirst(count)
    }

    /// See `RaftLogStorage`.
    public func entryID(atOrBefore offset: Offset, termAtMost: Term) throws(RaftStorageError) -> EntryID {
        guard offset >= snapshotMetadata.last.index else { throw .compacted }
        // Both "last <= offset" and "term <= termAtMost" hold for a prefix of the stored entries
        // (offsets and terms never decrease along a log), so binary-search that prefix.
        var low = 0
        var high = storedEntries.count
        while low < high {
            let middle = (low + high) / 2
            let entry = storedEntries[middle]
            if entry.last <= offset && entry.term <= termAtMost { low = middle + 1 } else { high = middle }
        }
        if low > 0 { return storedEntries[low - 1].id }
        return snapshotMetadata.last
    }

    /// See `RaftLogStorage`.
    public func entries(after index: Offset, countMax: Int, bytesMax: Int) throws(RaftStorageError) -> [Entry] {
        guard index >= snapshotMetadata.last.index else { throw .compacted }
        guard index <= lastIndex else { throw .unavailable }
        let start = position(ofFirstAtOrAfter: index.next)
        precondition(start == 0 || storedEntries[start - 1].last == index, "entries(after:) needs an entry index")
        var result: [Entry] = []
        var bytes = 0
        for entry in storedEntries[start...] {
            if result.count >= countMax { break }
            if !result.isEmpty && bytes + entry.sizeBytes > bytesMax { break }
            result.append(entry)
            bytes += entry.sizeBytes
        }
        return result
    }

    /// See `RaftLogStorage`.
    public func configurations(after index: Offset) throws(RaftStorageError) -> [ConfigurationPoint] {
        guard index >= snapshotMetadata.last.index else { throw .compacted }
        var points: [ConfigurationPoint] = []
        for entry in storedEntries where entry.last > index {
            if case .configuration(let configuration) = entry.kind {
                points.append(ConfigurationPoint(id: entry.id, configuration: configuration))
            }
        }
        return points
    }

    /// See `RaftLogStorage`.
    public func snapshot() -> Snapshot { Snapshot(metadata: snapshotMetadata, data: snapshotData) }

    /// Number of stored entries whose first offset is below `offset`.
    private func position(ofFirstAtOrAfter offset: Offset) -> Int {
        storedEntries.position(ofFirstAtOrAfter: offset)
    }
}
