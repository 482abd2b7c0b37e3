public import TernModel

/// A configuration entry's position and content, so a restarting node finds the configuration
/// in force (the latest in its log, committed or not) without reading the whole log.
public struct ConfigurationPoint: Hashable, Sendable {
    /// The configuration entry (or the snapshot point for the snapshot's configuration).
    public var id: EntryID
    /// The configuration it installs.
    public var configuration: ClusterConfiguration

    /// Creates a configuration point.
    public init(id: EntryID, configuration: ClusterConfiguration) {
        self.id = id
        self.configuration = configuration
    }
}

/// The stable (persisted) part of a node's Raft log, read-only from the core's view (etcd's
/// `Storage`). The caller writes to it while carrying out a `Ready` (append, truncate, install a
/// snapshot, save the hard state) and when retention moves the log start; the core only reads.
///
/// It is a class-bound protocol because the core and the caller share one instance.
/// Implementations: `MemoryRaftLog` (tests, simulation, benchmarks); TernLog's segment log.
/// Failures other than `RaftStorageError` must be handled inside the implementation.
public protocol RaftLogStorage: AnyObject {
    /// The durable term, vote and commit (read once, when the node starts).
    var hardState: HardState { get }

    /// The compaction point: entries up to `snapshotMetadata.last.index` are gone. A fresh log
    /// reports `EntryID.origin` and the bootstrap configuration.
    var snapshotMetadata: SnapshotMetadata { get }

    /// Index of the last stored entry, or the snapshot point if no entry follows it.
    var lastIndex: Offset { get }

    /// The stored entry with the greatest index at or below `offset` whose term is at most
    /// `termAtMost`, or the snapshot point if no stored entry qualifies. Terms never decrease
    /// along a log, so this is a binary search (or a leader-epoch-cache lookup, as Kafka keeps).
    /// Offsets above `lastIndex` are treated as `lastIndex`.
    /// - Throws: `RaftStorageError.compacted` if `offset` is below the snapshot point.
    func entryID(atOrBefore offset: Offset, termAtMost: Term) throws(RaftStorageError) -> EntryID

    /// Stored entries after the entry whose index is `index` (the first returned entry starts at
    /// `index + 1`), at most `countMax` entries and about `bytesMax` bytes (always at least one
    /// entry if any follows). `index` must be an entry index or the snapshot point.
    /// - Throws: `.compacted` if `index` is below the snapshot point, `.unavailable` if above
    ///   `lastIndex`.
    func entries(after index: Offset, countMax: Int, bytesMax: Int) throws(RaftStorageError) -> [Entry]

    /// Configuration entries with index above `index`, in log order (few: one per membership
    /// change).
    /// - Throws: `.compacted` if `index` is below the snapshot point.
    func configurations(after index: Offset) throws(RaftStorageError) -> [ConfigurationPoint]

    /// The latest snapshot (metadata plus application data), sent to followers that are behind
    /// the log start.
    func snapshot() -> Snapshot
}

extension RaftLogStorage {
    /// First offset still stored (Kafka's log start offset).
    public var logStart: Offset { snapshotMetadata.last.index.next }

    /// The term of the entry whose index is exactly `index` (or the snapshot point), nil if no
    /// stored entry ends at `index`.
    public func term(at index: Offset) throws(RaftStorageError) -> Term? {
        guard index <= lastIndex else { throw .unavailable }
        let found = try entryID(atOrBefore: index, termAtMost: Term(Int64.max))
        return found.index == index ? found.term : nil
    }
}
