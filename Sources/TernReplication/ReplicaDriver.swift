public import NIOCore
public import TernModel
public import TernRaft
internal import TernLog
internal import TernWire

/// What one `ReplicaDriver.process` call produced for the caller to act on.
public struct ReplicaOutput: Sendable {
    /// Messages that may be sent at once (the leader's AppendEntries, heartbeats, ...). Control
    /// entries this node created carry their batch bytes, so followers store the same bytes.
    public var messagesBeforePersistence: [Message] = []
    /// Messages that may be sent only now that their Ready is durable (votes, acknowledgements).
    public var messagesAfterPersistence: [Message] = []
    /// Committed normal entries (client batches), in log order: a proposal whose `EntryID` is
    /// here is committed (answer acks=all); a proposal whose index is passed by the high watermark
    /// without appearing here was lost to a leader change (answer with a retriable error).
    public var committed: [EntryID] = []
    /// The committed normal entries themselves (with their batch bytes), when the driver was
    /// asked to keep them (`keepsCommittedEntries`: the controller group applies them).
    public var committedEntries: [Entry] = []
    /// The high watermark after this call (see `ReplicaDriver.highWatermark`).
    public var highWatermark: Offset

    /// All messages, in the order they may leave.
    public var allMessages: [Message] { messagesBeforePersistence + messagesAfterPersistence }
}

/// Where a proposed batch went: its offsets and the term stamped on it.
public struct ProposedBatch: Sendable, Equatable {
    /// The entry id (index = last offset of the batch, term = stamped leader epoch).
    public var id: EntryID
    /// The batch's base offset.
    public var baseOffset: Offset
}

/// One partition replica: a `RaftNode` over a `PartitionRaftLog`, driven synchronously by its
/// owner (no threads, no clock: the caller passes `now` for batch timestamps and appends).
///
/// The caller's loop: `tick()` on every tick, `step(_:)` for every incoming message, `propose(_:)`
/// for produce requests, then `process(now:)`, which runs TernRaft's Ready loop (encode entries,
/// persist, sync, write the hard state, apply committed entries, advance) and returns the
/// messages to send and what committed.
public final class ReplicaDriver {
    /// The Raft node (read its `status`, `currentRole`, `currentTerm`).
    public private(set) var node: RaftNode
    /// The partition's Raft log.
    public let storage: PartitionRaftLog
    /// One past the last committed offset applied here.
    public private(set) var appliedThrough: Offset
    /// Set after a persistence failure: everything throws `.failed` until the owner reopens.
    public private(set) var failure: ReplicationError?
    /// Whether `process` returns committed entries with their bytes (`ReplicaOutput.committedEntries`).
    public var keepsCommittedEntries = false

    /// Starts (or restarts) the replica over `storage` (already opened and recovered).
    /// - Parameter applied: the last offset the owner applied durably before (its own
    ///   snapshot), so entries up to it are not handed out again; nil: the log's start.
    public init(options: RaftOptions, storage: PartitionRaftLog, seed: UInt64, applied: Offset? = nil) {
        precondition(options.id == storage.localID, "the node and its storage belong to one replica")
        self.storage = storage
        let start = storage.snapshotMetadata.last.index
        let applied = applied.map { min(max($0, start), storage.lastIndex) }
        self.node = RaftNode(options: options, storage: storage, random: SplitMix64(seed: seed), applied: applied)
        self.appliedThrough = applied ?? start
    }

    /// Kafka's high watermark: the first offset not known committed here, i.e. one past the
    /// last offset of the last committed entry this replica has applied (Raft commit index + 1,
    /// counted only once the entry is durable locally). Consumers read below it; acks=all
    /// produces whose last offset is below it are committed.
    public var highWatermark: Offset { appliedThrough.next }

    /// Advances the node's logical clock by one tick (elections, heartbeats).
    public func tick() { node.tick() }

    /// Starts an election now (e.g. a single-voter group at start-up).
    public func campaign() throws(ReplicationError) {
        do throws(RaftError) {
            try node.campaign()
        } catch {
            throw ReplicationError(.raft, "\(error)")
        }
    }

    /// See `RaftNode.reportLeaderLost(_:campaign:)`.
    public func reportLeaderLost(_ peer: NodeID, campaign: Bool) { node.reportLeaderLost(peer, campaign: campaign) }

    /// Starts a leadership transfer (`RaftNode.transferLeadership(to:)`).
    public func transferLeadership(to target: NodeID) throws(ReplicationError) {
        do throws(RaftError) {
            try node.transferLeadership(to: target)
        } catch {
            throw ReplicationError(.raft, "\(error)")
        }
    }

    /// Hands an incoming message to the node. Entries in an AppendEntries must each carry one
    /// valid batch matching the entry (offsets, epoch, kind, CRC); otherwise the whole message is
    /// dropped with `.invalidEntry`, before the core sees it. Core refusals are `.raft` (the
    /// message was dropped; Raft recovers by retrying).
    public func step(_ message: Message) throws(ReplicationError) {
        if case .append(let request) = message.kind {
            for entry in request.entries { try Self.check(entry) }
        }
        do throws(RaftStepError) {
            try node.step(message)
        } catch {
            throw ReplicationError(.raft, "\(error)")
        }
    }

    /// A received entry must be exactly what its bytes say. Checks the header and kind only, so
    /// the payload is not copied into a second entry.
    static func check(_ entry: Entry) throws(ReplicationError) {
        guard !entry.payload.isEmpty else { throw ReplicationError(.invalidEntry, "entry \(entry) without its batch") }
        let (header, kind) = try EntryBatchCodec.verified(ByteBuffer(bytes: entry.payload))
        guard header.firstOffset == entry.first, header.lastOffsetTyped == entry.last,
            Term(Int64(header.partitionLeaderEpoch)) == entry.term, kind == entry.kind
        else {
            throw ReplicationError(.invalidEntry, "entry \(entry) does not match its batch \(header)")
        }
    }

    /// Proposes a client batch (leader only). The batch must be one valid RecordBatch v2 (the
    /// broker validates produce requests first); its `baseOffset` is stamped with the next
    /// offset and its `partitionLeaderEpoch` with the current term, in place (CRC unchanged).
    public func propose(_ batch: ByteBuffer) throws(ReplicationError) -> ProposedBatch {
        if let failure { throw ReplicationError(.failed, failure.detail) }
        let header: RecordBatchHeader
        do throws(RecordBatchError) {
            header = try RecordBatchHeader.verifyCRC(of: batch)
        } catch {
            throw ReplicationError(.invalidEntry, "\(error)")
        }
        guard header.totalSize == batch.readableBytes, header.lastOffsetDelta >= 0 else {
            throw ReplicationError(.invalidEntry, "not exactly one batch")
        }
        guard node.currentRole == .leader else { throw ReplicationError(.raft, "\(RaftError.notLeader)") }
        let base = node.lastIndex.next
        var stamped = batch
        RecordBatchHeader.rewrite(baseOffset: base, partitionLeaderEpoch: node.currentTerm.leaderEpoch, in: &stamped)
        let id: EntryID
        do throws(RaftError) {
            id = try node.propose(
                recordCount: Int64(header.lastOffsetDelta) + 1, payload: Array(stamped.readableBytesView))
        } catch {
            throw ReplicationError(.raft, "\(error)")
        }
        precondition(id.index == base.advanced(by: Int64(header.lastOffsetDelta)), "the core assigns the next offsets")
        return ProposedBatch(id: id, baseOffset: base)
    }

    /// Retention on the partition log, limited to applied entries (below the high watermark);
    /// tells the node when the log start moved. Returns true if it moved.
    public func applyRetention(now: TimestampMs) throws(ReplicationError) -> Bool {
        if let failure { throw ReplicationError(.failed, failure.detail) }
        let moved: Bool
        do throws(ReplicationError) {
            moved = try storage.applyRetention(now: now, keepingFrom: highWatermark)
        } catch {
            // Segments may be gone without the new point recorded: only a reopen repairs that.
            failure = error
            throw error
        }
        if moved { node.logStartDidMove() }
        return moved
    }

    /// Runs the Ready loop until the node has nothing more to do (at most
    /// `Limits.replicaReadyRoundsMax` rounds; call again if `node.hasReady` is still true).
    /// - Throws: `.failed` (and enters the failed state) if persisting fails.
    /// - Parameter sendEarly: receives each round's messages that may leave before the round is
    ///   durable (the leader's AppendEntries), so followers write while the leader fsyncs
    ///   (§10.2.1); they are then not in the output. Nil: they are in the output.
    public func process(
        now: TimestampMs, sendEarly: (([Message]) -> Void)? = nil
    ) throws(ReplicationError) -> ReplicaOutput {
        if let failure { throw ReplicationError(.failed, failure.detail) }
        var output = ReplicaOutput(highWatermark: highWatermark)
        var rounds = 0
        while node.hasReady, rounds < Limits.replicaReadyRoundsMax {
            rounds += 1
            let ready = node.ready()
            do throws(ReplicationError) {
                let batches = try storage.encode(ready.entries, now: now)
                let early = Self.filled(ready.messagesBeforePersistence, ready.entries, batches)
                if let sendEarly {
                    if !early.isEmpty { sendEarly(early) }
                } else {
                    output.messagesBeforePersistence += early
                }
                try storage.persist(ready, batches: batches, now: now)
                output.messagesAfterPersistence += Self.filled(ready.messages, ready.entries, batches)
            } catch {
                failure = error
                throw ReplicationError(.failed, error.detail)
            }
            for entry in ready.committedEntries {
                if case .normal = entry.kind {
                    output.committed.append(entry.id)
                    if keepsCommittedEntries { output.committedEntries.append(entry) }
                }
                appliedThrough = max(appliedThrough, entry.last)
            }
            node.advance(ready)
        }
        output.highWatermark = highWatermark
        return output
    }

    /// `messages` with every empty-payload entry replaced by the batch built for it in this
    /// Ready (the leader's own no-op and configuration entries), so followers store the
    /// leader's bytes.
    static func filled(_ messages: [Message], _ entries: [Entry], _ batches: [ByteBuffer]) -> [Message] {
        guard !entries.isEmpty else { return messages }
        return messages.map { message in
            guard case .append(var request) = message.kind else { return message }
            for position in request.entries.indices where request.entries[position].payload.isEmpty {
                // Only an entry of this Ready with the same id is the same entry.
                let wanted = request.entries[position].id
                guard let mine = entries.firstIndex(where: { $0.id == wanted }) else { continue }
                request.entries[position].payload = Array(batches[mine].readableBytesView)
            }
            var filled = message
            filled.kind = .append(request)
            return filled
        }
    }
}

@available(*, unavailable)
extension ReplicaDriver: Sendable {}
