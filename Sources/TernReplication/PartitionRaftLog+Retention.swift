internal import TernLog
public import TernModel
internal import TernRaft

extension PartitionRaftLog {
    /// Name of the retention checkpoint (see `RetentionCheckpoint`).
    public static let retentionFileName = "raft.retention"

    /// Kafka retention (`retention.bytes` / `retention.ms` of the log's configuration) on the Raft
    /// log: removes whole old segments, never one holding offsets at or above `keepingFrom` (pass
    /// the high watermark: only applied entries may go), and moves the snapshot point to the entry
    /// before the new log start. Returns true if the log start moved; the owner then calls
    /// `RaftNode.logStartDidMove()` (`ReplicaDriver.applyRetention` does both).
    ///
    /// Crash safety: the terms and configurations at every possible new start are recorded
    /// durably first (`raft.retention`), so `open` can finish a retention cut short by a crash.
    public func applyRetention(now: TimestampMs, keepingFrom: Offset) throws(ReplicationError) -> Bool {
        let start = snapshotMetadata.last.index.next
        let limit = min(keepingFrom, lastIndex.next)
        var boundaries: [RetentionCheckpoint.Boundary] = []
        for base in log.segmentBaseOffsets.dropFirst() where base > start && base <= limit {
            guard boundaries.count < Limits.replicaRetentionBoundariesMax, let term = epochCache.term(at: base.previous) else {
                break
            }
            boundaries.append(RetentionCheckpoint.Boundary(base: base, termBefore: term))
        }
        guard let lastBoundary = boundaries.last else { return false }
        let checkpoint = RetentionCheckpoint(
            boundaries: boundaries, configurations: configurationPoints.filter { $0.id.index < lastBoundary.base })
        try Self.write(checkpoint.encoded(), to: retentionFile)
        do throws(LogError) {
            try log.applyRetention(now: now, keepingFrom: lastBoundary.base)
        } catch {
            throw .log(error)
        }
        guard log.logStartOffset > start else { return false }
        try finishRetention(using: checkpoint)
        return true
    }

    /// Records the snapshot point before the log's (new) start from `checkpoint` and trims the
    /// in-memory indexes. Throws `.corruptState` if the checkpoint does not cover the start.
    func finishRetention(using checkpoint: RetentionCheckpoint) throws(ReplicationError) {
        let newStart = log.logStartOffset
        guard let boundary = checkpoint.boundaries.first(where: { $0.base == newStart }) else {
            throw ReplicationError(.corruptState, "log starts at \(newStart), no retention record for it")
        }
        let configuration =
            checkpoint.configurations.last { $0.id.index < newStart }?.configuration
            ?? configurationPoints.last { $0.id.index < newStart }?.configuration
            ?? snapshotMetadata.configuration
        let metadata = SnapshotMetadata(
            last: EntryID(index: newStart.previous, term: boundary.termBefore), configuration: configuration)
        try Self.write(RaftStateCodec.encode(metadata), to: snapshotFile)
        snapshotMetadata = metadata
        epochCache.trim(before: newStart)
        configurationPoints.removeAll { $0.id.index < newStart }
    }

    /// On open: the log starts after the recorded snapshot point, so a retention was cut short.
    func recoverRetention() throws(ReplicationError) {
        let bytes: [UInt8]?
        do throws(DurableStateError) {
            bytes = try retentionFile.read()
        } catch {
            throw ReplicationError(.stateFile, "\(error)")
        }
        guard let bytes, let checkpoint = RetentionCheckpoint.decode(bytes) else {
            throw ReplicationError(.corruptState, "log starts after the snapshot point and \(Self.retentionFileName) is unusable")
        }
        try finishRetention(using: checkpoint)
    }
}
