import Logging
import NIOCore
import TernCoordination
import TernLog
import TernModel
import TernRaft
import TernReplication
import TernWire

/// Idempotent-producer state (PROTOCOL.md §1.5), kept by every replica of a client partition.
///
/// Two tables. `producers` is applied from committed entries, in log order, on every replica
/// (followers too), so a new leader has the state of everything committed before its term the
/// moment it starts serving. `termProducers` is the leader's table for its current term: a copy
/// of the applied one taken at its first idempotent batch of the term, then every accepted batch
/// is recorded as it is proposed, so batches in flight count for the next check. A leader that
/// loses its term drops that table; whatever it proposed and did not commit is decided by the
/// next leader's log, and the applied table follows that log.
extension PartitionReplica {
    /// The snapshot's file name in the partition directory.
    static let producerSnapshotName = "producers.state"
    /// How often a changed applied table is snapshotted.
    static let producerSnapshotIntervalMs: Int64 = 10_000
    /// How often idle producers are looked for.
    static let producerExpiryIntervalMs: Int64 = 60_000

    /// The decision for `append` in log order, against the current term's table (made from the
    /// applied table first if the term changed).
    func checkProducer(_ append: ProducerAppend, driver: ReplicaDriver) -> ProducerVerdict {
        let term = driver.node.currentTerm
        if termProducers?.term != term { termProducers = (term, producers) }
        return termProducers?.table.check(append) ?? .accept
    }

    /// Records a batch proposed at `first...last` in the current term's table.
    func recordProposed(_ append: ProducerAppend, first: Offset, last: Offset) {
        termProducers?.table.record(append, firstOffset: first, lastOffset: last)
    }

    /// Answers a retry of a batch already in the log: at once when it is committed (or acks
    /// below all are satisfied by the local log), else when its entry commits.
    ///
    /// An original that is not committed yet was proposed in the current term: the term's table
    /// starts from the applied one, which holds only committed batches.
    func answerDuplicate(_ original: ProducerBatch, submission: ProduceSubmission, driver: ReplicaDriver) {
        let logStart = driver.storage.log.logStartOffset
        let done =
            switch submission.acks {
            case .all: original.lastOffset < driver.highWatermark
            case .leader, .none: original.lastOffset <= driver.storage.lastIndex
            }
        if done {
            return submission.ticket.complete(.appended(baseOffset: original.firstOffset, logStartOffset: logStart))
        }
        let deadline = clock.now().advanced(by: Int64(max(submission.timeoutMs, 0)))
        produceWaiters.append(
            ProduceWaiter(
                entry: EntryID(index: original.lastOffset, term: driver.node.currentTerm),
                baseOffset: original.firstOffset, acks: submission.acks, deadline: deadline, ticket: submission.ticket))
    }

    /// Applies committed entries to the applied table (on every replica).
    func applyProducers(_ entries: [Entry]) {
        for entry in entries {
            let header = try? RecordBatchHeader(parsing: ByteBuffer(bytes: entry.payload.prefix(RecordBatchHeader.size)))
            producers.apply(header.flatMap(ProducerAppend.init(header:)), firstOffset: entry.first, lastOffset: entry.last)
        }
    }

    /// Expires idle producers and snapshots the applied table when due (from `tick`, on the
    /// replica's storage loop: the snapshot fsyncs).
    func maintainProducers(now: TimestampMs, force: Bool = false) {
        guard let file = producerSnapshotFile else { return }
        if now.rawValue - lastProducerExpiryMs >= Self.producerExpiryIntervalMs {
            lastProducerExpiryMs = now.rawValue
            let expired = producers.expire(now: now, expirationMs: producerExpirationMs)
            termProducers?.table.expire(now: now, expirationMs: producerExpirationMs)
            if expired > 0 { snapshottedProducers = nil }
        }
        guard producers.appliedOffset != snapshottedProducers else { return }
        guard force || now.rawValue - lastProducerSnapshotMs >= Self.producerSnapshotIntervalMs else { return }
        lastProducerSnapshotMs = now.rawValue
        do {
            try file.write(producers.snapshot())
            snapshottedProducers = producers.appliedOffset
        } catch {
            logger.warning(
                "cannot write the producer state snapshot",
                metadata: ["partition": "\(topicPartition)", "error": "\(error)"])
        }
    }

    /// The applied table of a partition directory's snapshot (nil: none, or damaged, which is
    /// logged: the log is then replayed from its start, which gives the same state).
    static func loadProducers(from file: DurableStateFile, partition: TopicPartition, logger: Logger)
        -> ProducerStateTable?
    {
        do {
            guard let bytes = try file.read() else { return nil }
            return try ProducerStateTable(snapshot: bytes)
        } catch {
            logger.warning(
                "the producer state snapshot cannot be read; the partition log is replayed from its start",
                metadata: ["partition": "\(partition)", "error": "\(error)"])
            return nil
        }
    }
}
