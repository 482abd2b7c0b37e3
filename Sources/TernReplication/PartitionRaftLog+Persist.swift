public import NIOCore
public import TernModel
public import TernRaft
internal import TernLog
internal import TernWire

extension PartitionRaftLog {
    /// The batch bytes for each of `entries` (the entries of one `Ready`), in order.
    ///
    /// A normal entry's payload is its batch, already stamped by the leader; its `baseOffset` and
    /// `partitionLeaderEpoch` are rewritten in place if they differ from the entry (the CRC does
    /// not cover them). A leader-change or configuration entry with an empty payload is one this
    /// node created as leader: its control batch is built here (LEADER_CHANGE with this node as
    /// leader and the voters in force at that offset; the configuration value), stamped `now`.
    /// Entries received from a leader always carry their batch (`ReplicaDriver` checks this),
    /// so every replica stores the leader's bytes.
    /// - Throws: `.invalidEntry` if a payload is not one batch covering exactly the entry.
    public func encode(_ entries: [Entry], now: TimestampMs) throws(ReplicationError) -> [ByteBuffer] {
        guard let first = entries.first else { return [] }
        var configuration = configuration(before: first.first)
        var batches: [ByteBuffer] = []
        batches.reserveCapacity(entries.count)
        for entry in entries {
            let batch: ByteBuffer
            switch (entry.kind, entry.payload.isEmpty) {
            case (.leaderChange, true):
                batch = EntryBatchCodec.leaderChangeBatch(
                    offset: entry.first, term: entry.term, leaderID: localID, voters: configuration.voters, timestamp: now)
            case (.configuration(let next), true):
                batch = EntryBatchCodec.configurationBatch(
                    offset: entry.first, term: entry.term, configuration: next, timestamp: now)
            default:
                batch = try Self.stamped(entry)
            }
            if case .configuration(let next) = entry.kind { configuration = next }
            batches.append(batch)
        }
        return batches
    }

    /// The entry's payload as a batch whose offsets and epoch are the entry's.
    static func stamped(_ entry: Entry) throws(ReplicationError) -> ByteBuffer {
        var batch = ByteBuffer(bytes: entry.payload)
        guard let header = try? RecordBatchHeader(parsing: batch), header.totalSize == batch.readableBytes else {
            throw ReplicationError(.invalidEntry, "entry \(entry) does not hold exactly one batch")
        }
        guard Int64(header.lastOffsetDelta) == entry.last - entry.first else {
            throw ReplicationError(.invalidEntry, "entry \(entry) spans \(header.lastOffsetDelta + 1) offsets in its batch")
        }
        if header.baseOffset != entry.first.rawValue || header.partitionLeaderEpoch != entry.term.leaderEpoch {
            RecordBatchHeader.rewrite(baseOffset: entry.first, partitionLeaderEpoch: entry.term.leaderEpoch, in: &batch)
        }
        return batch
    }

    /// Carries out the storage part of `ready` (TernRaft's `Ready` obligations), in order:
    /// 1. snapshot: record its metadata durably, then empty the log to restart after it;
    /// 2. entries: truncate the log after `entries[0].first - 1` if that is at or below the last
    ///    stored offset, then append `batches` (from `encode`) without syncing;
    /// 3. fsync the log if `ready.mustSync` (one fsync for all the entries: group commit);
    /// 4. hard state: replaced atomically when term or vote changed (a commit-only change is not
    ///    worth the atomic replace's fsyncs: losing it costs re-applying, TernRaft's rule).
    /// Only after this returns may `ready.messages` be sent.
    /// - Throws: `.log`, `.stateFile`, `.invalidEntry`; after a throw the replica's disk state is
    ///   unknown and the owner must reopen it.
    public func persist(_ ready: Ready, batches: [ByteBuffer], now: TimestampMs) throws(ReplicationError) {
        precondition(batches.count == ready.entries.count, "one batch per entry")
        if let snapshot = ready.snapshot { try install(snapshot.metadata) }
        if let first = ready.entries.first {
            if first.first <= lastIndex { try truncate(after: first.first.previous) }
            for (entry, batch) in zip(ready.entries, batches) { try append(entry, batch: batch, now: now) }
        }
        if ready.mustSync {
            do throws(LogError) {
                try log.sync()
            } catch {
                throw .log(error)
            }
        }
        if let state = ready.hardState, state != hardState {
            let votingChanged = state.term != hardState.term || state.vote != hardState.vote
            // Only term and vote must be durable before messages that depend on them; the commit
            // is recomputed after a restart (the leader re-commits), so it rides along with the
            // next voting change instead of costing three fsyncs per group commit.
            if votingChanged {
                try Self.write(RaftStateCodec.encode(state), to: hardStateFile)
                hardState = state
            }
        }
    }

    /// Drops every stored entry after `offset` (a follower's conflicting tail), durably.
    func truncate(after offset: Offset) throws(ReplicationError) {
        precondition(offset >= snapshotMetadata.last.index, "truncation below the snapshot point")
        do throws(LogError) {
            try log.truncate(after: offset)
        } catch {
            throw .log(error)
        }
        epochCache.truncate(after: offset)
        configurationPoints.removeAll { $0.id.index > offset }
    }

    /// Appends one entry's batch at the log end (unsynced) and records it.
    func append(_ entry: Entry, batch: ByteBuffer, now: TimestampMs) throws(ReplicationError) {
        let header: RecordBatchHeader
        do throws(RecordBatchError) {
            header = try RecordBatchHeader(parsing: batch)
        } catch {
            throw ReplicationError(.invalidEntry, "\(error)")
        }
        guard header.firstOffset == entry.first, header.lastOffsetTyped == entry.last,
            header.partitionLeaderEpoch == entry.term.leaderEpoch
        else {
            throw ReplicationError(.invalidEntry, "batch \(header.baseOffset)+\(header.lastOffsetDelta) is not entry \(entry)")
        }
        do throws(LogError) {
            try log.appendUnsynced(batch, now: now)
        } catch {
            throw .log(error)
        }
        try note(batch: batch, header: header)
    }

    /// Replaces the whole log by `metadata`'s compaction point (InstallSnapshot). The metadata is
    /// durable first, so a crash during the reset is finished by `open`.
    func install(_ metadata: SnapshotMetadata) throws(ReplicationError) {
        try Self.write(RaftStateCodec.encode(metadata), to: snapshotFile)
        snapshotMetadata = metadata
        do throws(LogError) {
            try log.reset(startingAt: metadata.last.index.next)
        } catch {
            throw .log(error)
        }
        epochCache.removeAll()
        configurationPoints.removeAll()
    }
}
