public import TernLog
public import TernModel
public import TernRaft
internal import NIOCore
internal import TernWire

extension PartitionRaftLog {
    /// Name of the hard-state file (term, vote, commit) in the partition directory.
    public static let hardStateFileName = "raft.state"
    /// Name of the snapshot-metadata file (compaction point, configuration there).
    public static let snapshotFileName = "raft.snapshot"

    /// Opens (or creates) the Raft log of the partition in `directory` and recovers it.
    ///
    /// Order: the snapshot metadata (written now with `bootstrap` as the configuration if the
    /// directory is new), the hard state, then the segmented log (TernLog's recovery truncates a
    /// torn tail). If the log does not reach the snapshot point (a crash during a snapshot
    /// install, which records the metadata first), the log is reset to start after it; if it starts
    /// after the snapshot point (a crash during retention), the point is moved there from the
    /// retention checkpoint. Then the
    /// batch headers after the snapshot point are scanned to rebuild the leader-epoch cache and
    /// the configuration list.
    ///
    /// - Throws: `.stateFile` / `.corruptState` for unreadable state files, `.log` for a log
    ///   that cannot be opened or holds damage before its tail (such a replica must be repaired
    ///   from its peers before it votes or leads: ARCHITECTURE.md decision 7).
    public static func open(
        directory: String, fileSystem: any LogFileSystem, localID: NodeID, bootstrap: ClusterConfiguration,
        configuration: LogConfiguration = LogConfiguration(), now: TimestampMs
    ) throws(ReplicationError) -> PartitionRaftLog {
        let snapshotFile = DurableStateFile(fileSystem: fileSystem, directory: directory, name: snapshotFileName)
        let hardStateFile = DurableStateFile(fileSystem: fileSystem, directory: directory, name: hardStateFileName)
        let retentionFile = DurableStateFile(fileSystem: fileSystem, directory: directory, name: retentionFileName)
        let log: SegmentedLog
        do throws(LogError) {
            log = try SegmentedLog.open(directory: directory, fileSystem: fileSystem, configuration: configuration, now: now)
        } catch {
            throw .log(error)
        }
        let metadata = try readSnapshotMetadata(snapshotFile, bootstrap: bootstrap)
        let hardState = try readHardState(hardStateFile)
        let storage = PartitionRaftLog(
            log: log, localID: localID, hardState: hardState, snapshotMetadata: metadata,
            hardStateFile: hardStateFile, snapshotFile: snapshotFile, retentionFile: retentionFile)
        try storage.recover()
        return storage
    }

    static func readSnapshotMetadata(
        _ file: DurableStateFile, bootstrap: ClusterConfiguration
    ) throws(ReplicationError) -> SnapshotMetadata {
        let bytes: [UInt8]?
        do throws(DurableStateError) {
            bytes = try file.read()
        } catch {
            throw ReplicationError(.stateFile, "\(error)")
        }
        guard let bytes else {
            let fresh = SnapshotMetadata(last: .origin, configuration: bootstrap)
            try write(RaftStateCodec.encode(fresh), to: file)
            return fresh
        }
        guard let metadata = RaftStateCodec.decodeSnapshotMetadata(bytes) else {
            throw ReplicationError(.corruptState, "\(snapshotFileName) does not decode")
        }
        return metadata
    }

    static func readHardState(_ file: DurableStateFile) throws(ReplicationError) -> HardState {
        let bytes: [UInt8]?
        do throws(DurableStateError) {
            bytes = try file.read()
        } catch {
            throw ReplicationError(.stateFile, "\(error)")
        }
        guard let bytes else { return .initial }
        guard let state = RaftStateCodec.decodeHardState(bytes) else {
            throw ReplicationError(.corruptState, "\(hardStateFileName) does not decode")
        }
        return state
    }

    static func write(_ payload: [UInt8], to file: DurableStateFile) throws(ReplicationError) {
        do throws(DurableStateError) {
            try file.write(payload)
        } catch {
            throw ReplicationError(.stateFile, "\(error)")
        }
    }

    /// Brings the log in line with the snapshot point and rebuilds the in-memory indexes.
    func recover() throws(ReplicationError) {
        if let corruption = log.corruption {
            throw ReplicationError(.log, "log damaged at \(corruption.offset): repair from a peer first")
        }
        if log.logStartOffset > snapshotMetadata.last.index.next, log.logEndOffset > log.logStartOffset {
            // Retention removed segments but the crash came before the new point was recorded.
            try recoverRetention()
        }
        let start = snapshotMetadata.last.index.next
        if log.logEndOffset < start || log.logStartOffset > start {
            do throws(LogError) {
                try log.reset(startingAt: start)
            } catch {
                throw .log(error)
            }
        }
        try scan(from: start)
    }

    /// Reads every batch from `start` to the log end, recording terms and configuration entries.
    /// Headers only, except for control batches (decoded to tell their kind).
    func scan(from start: Offset) throws(ReplicationError) {
        epochCache.removeAll()
        configurationPoints.removeAll()
        var next = start
        // Bounded: every round moves `next` past at least one batch, up to the log end.
        while next < log.logEndOffset {
            var bytes: ByteBuffer
            do throws(LogError) {
                bytes = try log.readBytes(from: next, maxBytes: Limits.replicaRecoveryReadBytesMax)
            } catch {
                throw .log(error)
            }
            guard bytes.readableBytes > 0 else { break }
            // Bounded by the bytes read.
            while bytes.readableBytes >= RecordBatchHeader.size {
                guard let header = try? RecordBatchHeader(parsing: bytes), let slice = bytes.readSlice(length: header.totalSize)
                else {
                    throw ReplicationError(.corruptState, "unreadable batch at \(next)")
                }
                if header.firstOffset >= start { try note(batch: slice, header: header) }
                next = header.nextOffset
            }
        }
    }

    /// Records a batch appended (or found) at the end of the log in the epoch cache and, for a
    /// configuration batch, in the configuration list.
    func note(batch: ByteBuffer, header: RecordBatchHeader) throws(ReplicationError) {
        let term = Term(Int64(header.partitionLeaderEpoch))
        if let last = epochCache.runs.last, last.term > term {
            throw ReplicationError(.corruptState, "epoch \(term) after \(last.term) at \(header.firstOffset)")
        }
        epochCache.record(term: term, at: header.firstOffset)
        if header.attributes.isControlBatch,
            case .configuration(let configuration) = try EntryBatchCodec.kind(of: batch, header: header)
        {
            let id = EntryID(index: header.lastOffsetTyped, term: term)
            configurationPoints.append(ConfigurationPoint(id: id, configuration: configuration))
        }
    }
}
