internal import NIOCore
public import TernLog
public import TernModel
public import TernRaft
internal import TernWire

/// A Raft log that IS a partition's TernLog (ARCHITECTURE.md decision 2): TernRaft's
/// `RaftLogStorage` over a `SegmentedLog`, plus small durable files in the same directory:
/// `raft.state` (term, vote, commit), `raft.snapshot` (compaction point and its configuration)
/// and `raft.retention` (terms at possible new log starts, written before retention).
///
/// One entry is one RecordBatch (see `EntryBatchCodec`). Next to the log it keeps, in memory, a
/// leader-epoch cache (term → first offset) and the positions of configuration entries; both
/// are rebuilt by scanning batch headers on open and kept right on every append, truncation and
/// snapshot install.
///
/// One owner, like the log itself: not `Sendable`, blocks on the disk.
public final class PartitionRaftLog: RaftLogStorage {
    /// The partition's segmented log (read it for fetches; write it only through `persist`).
    public let log: SegmentedLog
    /// This replica's node id (written as the leader id of the LEADER_CHANGE batches it creates).
    public let localID: NodeID
    /// The durable hard state (what a restart would read).
    public internal(set) var hardState: HardState
    /// The durable compaction point: entries up to `snapshotMetadata.last.index` are not served.
    public internal(set) var snapshotMetadata: SnapshotMetadata
    /// Term → first offset, for `entryID(atOrBefore:termAtMost:)`.
    public internal(set) var epochCache: LeaderEpochCache
    /// Configuration entries after the snapshot point, in log order.
    public internal(set) var configurationPoints: [ConfigurationPoint]

    let hardStateFile: DurableStateFile
    let snapshotFile: DurableStateFile
    let retentionFile: DurableStateFile

    init(
        log: SegmentedLog, localID: NodeID, hardState: HardState, snapshotMetadata: SnapshotMetadata,
        hardStateFile: DurableStateFile, snapshotFile: DurableStateFile, retentionFile: DurableStateFile
    ) {
        self.log = log
        self.localID = localID
        self.hardState = hardState
        self.snapshotMetadata = snapshotMetadata
        self.hardStateFile = hardStateFile
        self.snapshotFile = snapshotFile
        self.retentionFile = retentionFile
        self.epochCache = LeaderEpochCache()
        self.configurationPoints = []
    }

    /// See `RaftLogStorage`: the last stored batch's last offset, or the snapshot point.
    public var lastIndex: Offset { max(log.logEndOffset.previous, snapshotMetadata.last.index) }

    /// See `RaftLogStorage`. A binary search in the epoch cache, then (when the bound falls inside
    /// a batch) one index lookup in the log for the batch holding it; no batch bytes are read.
    public func entryID(atOrBefore offset: Offset, termAtMost: Term) throws(RaftStorageError) -> EntryID {
        let snapshotPoint = snapshotMetadata.last
        guard offset >= snapshotPoint.index else { throw .compacted }
        var bound = min(offset, lastIndex)
        if let termBound = epochCache.lastOffset(termAtMost: termAtMost) { bound = min(bound, termBound) }
        guard bound > snapshotPoint.index else { return snapshotPoint }
        let found: LogReadResult
        do throws(LogError) {
            found = try log.read(from: bound, maxBytes: 1)
        } catch {
            throw .unavailable
        }
        // The read starts at the batch holding `bound`; one byte of budget yields exactly it.
        guard let region = found.regions.first else { throw .unavailable }
        let index = region.lastOffset == bound ? bound : region.firstOffset.previous
        guard index > snapshotPoint.index, let term = epochCache.term(at: index) else { return snapshotPoint }
        return EntryID(index: index, term: term)
    }

    /// See `RaftLogStorage`: whole batches read from the log, each decoded into its entry.
    public func entries(after index: Offset, countMax: Int, bytesMax: Int) throws(RaftStorageError) -> [Entry] {
        guard index >= snapshotMetadata.last.index else { throw .compacted }
        guard index <= lastIndex else { throw .unavailable }
        guard index < lastIndex, countMax > 0 else { return [] }
        var bytes: ByteBuffer
        do throws(LogError) {
            bytes = try log.readBytes(from: index.next, maxBytes: max(bytesMax, 1))
        } catch {
            throw .unavailable
        }
        var result: [Entry] = []
        var spent = 0
        // Bounded by countMax and by the bytes read.
        while result.count < countMax, bytes.readableBytes >= RecordBatchHeader.size {
            guard let header = try? RecordBatchHeader(parsing: bytes), header.totalSize <= bytes.readableBytes,
                let slice = bytes.readSlice(length: header.totalSize)
            else { throw .unavailable }
            guard let entry = try? EntryBatchCodec.entry(from: slice) else { throw .unavailable }
            if !result.isEmpty && spent + entry.sizeBytes > bytesMax { break }
            precondition(result.last.map { $0.last.next == entry.first } ?? (entry.first == index.next),
                "entries(after:) needs an entry index")
            result.append(entry)
            spent += entry.sizeBytes
        }
        return result
    }

    /// See `RaftLogStorage`.
    public func configurations(after index: Offset) throws(RaftStorageError) -> [ConfigurationPoint] {
        guard index >= snapshotMetadata.last.index else { throw .compacted }
        return configurationPoints.filter { $0.id.index > index }
    }

    /// See `RaftLogStorage`. A plain partition log has no application state in its snapshot:
    /// the snapshot only says where the log starts.
    public func snapshot() -> Snapshot { Snapshot(metadata: snapshotMetadata) }

    /// The configuration in force just before `offset`: the latest configuration entry below it,
    /// or the snapshot's.
    func configuration(before offset: Offset) -> ClusterConfiguration {
        configurationPoints.last { $0.id.index < offset }?.configuration ?? snapshotMetadata.configuration
    }
}

@available(*, unavailable)
extension PartitionRaftLog: Sendable {}
