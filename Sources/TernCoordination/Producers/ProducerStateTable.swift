public import TernModel
import TernWire

/// The idempotent-producer state of one partition (Kafka's `ProducerStateManager`): per producer
/// id its epoch and last five batches.
///
/// It is a function of the log. Every replica applies committed batches in log order
/// (`apply`), so whichever replica becomes leader has the state of everything committed before
/// its term. The leader keeps a second table for its term: a copy of the applied one taken when
/// it starts serving, to which every accepted batch is `record`ed as it is proposed, so batches
/// in flight (proposed, not yet committed) count for the next check.
///
/// Applying is idempotent by offset: a batch at or below `appliedOffset` is ignored, so a replay
/// over a snapshot is harmless.
public struct ProducerStateTable: Sendable, Equatable {
    /// The producers with state.
    public private(set) var producers: [ProducerID: ProducerEntry]
    /// The last log offset applied (of any batch, idempotent or not); nil before the first.
    public private(set) var appliedOffset: Offset?
    /// Most producers kept; beyond it the one idle longest is forgotten (which is safe: a
    /// producer without state may write any sequence).
    public let producersMax: Int

    public init(producersMax: Int = Limits.producerStatesPerPartitionMax) {
        precondition(producersMax > 0, "a producer table holds at least one producer")
        self.producers = [:]
        self.appliedOffset = nil
        self.producersMax = producersMax
    }

    init(producers: [ProducerID: ProducerEntry], appliedOffset: Offset?, producersMax: Int) {
        self.producers = producers
        self.appliedOffset = appliedOffset
        self.producersMax = producersMax
    }

    /// Kafka's checks, in Kafka's order (`UnifiedLog.analyzeAndValidateProducerState`, then
    /// `ProducerAppendInfo.checkProducerEpoch` and `checkSequence`):
    /// 1. a repeat of one of the producer's retained batches (same epoch, first and last
    ///    sequence) is a duplicate, answered with the original offsets;
    /// 2. an epoch older than the producer's: INVALID_PRODUCER_EPOCH;
    /// 3. a newer epoch must start at sequence 0;
    /// 4. the same epoch must continue the last sequence (Int32.max is followed by 0);
    /// 5. a producer without state may start at any sequence (KIP-360: its state expired or its
    ///    batches were deleted by retention).
    /// 3 and 4 answer OUT_OF_ORDER_SEQUENCE_NUMBER.
    public func check(_ append: ProducerAppend) -> ProducerVerdict {
        guard append.isWellFormed else {
            return .refuse(.invalidRecord, "\(append): a producer id needs an epoch and a sequence of at least 0")
        }
        guard let entry = producers[append.producerID] else { return .accept }
        if let original = entry.duplicate(of: append) { return .duplicate(original) }
        if append.epoch < entry.epoch {
            return .refuse(
                .invalidProducerEpoch,
                "\(append): epoch \(append.epoch) is older than the producer's current epoch \(entry.epoch)")
        }
        if append.epoch > entry.epoch {
            guard append.firstSequence == Sequence(0) else {
                return .refuse(
                    .outOfOrderSequenceNumber,
                    "\(append): a new epoch must start at sequence 0, not \(append.firstSequence)")
            }
            return .accept
        }
        let expected = entry.lastSequence.advanced(by: 1)
        guard append.firstSequence == expected else {
            return .refuse(
                .outOfOrderSequenceNumber,
                "\(append): expected sequence \(expected) after \(entry.lastSequence)")
        }
        return .accept
    }

    /// Records an accepted batch at its offsets, without a check and without moving
    /// `appliedOffset` (the leader's table of its term, for batches it proposes).
    public mutating func record(_ append: ProducerAppend, firstOffset: Offset, lastOffset: Offset) {
        precondition(firstOffset <= lastOffset, "a batch covers at least one offset")
        let batch = ProducerBatch(
            firstSequence: append.firstSequence, lastSequence: append.lastSequence, firstOffset: firstOffset,
            lastOffset: lastOffset, timestamp: append.timestamp)
        if producers[append.producerID] != nil {
            producers[append.producerID]?.record(batch, epoch: append.epoch)
            return
        }
        if producers.count >= producersMax { forgetIdlest() }
        producers[append.producerID] = ProducerEntry(epoch: append.epoch, batches: [batch])
    }

    /// Applies a committed batch at `firstOffset...lastOffset` (nil `append`: a batch without a
    /// producer id, which only moves `appliedOffset`). Batches at or below `appliedOffset` are
    /// ignored. No check runs: the leader checked before proposing, and a replica must hold what
    /// the log holds.
    public mutating func apply(_ append: ProducerAppend?, firstOffset: Offset, lastOffset: Offset) {
        if let appliedOffset, lastOffset <= appliedOffset { return }
        appliedOffset = lastOffset
        if let append { record(append, firstOffset: firstOffset, lastOffset: lastOffset) }
    }

    /// Forgets producers whose last batch is `expirationMs` or more older than `now` (Kafka's
    /// `producer.id.expiration.ms`, by the batches' timestamps as Kafka does). Returns how many.
    @discardableResult
    public mutating func expire(now: TimestampMs, expirationMs: Int64) -> Int {
        precondition(expirationMs > 0, "an expiration is positive")
        // Compared with a cutoff, never by subtracting a timestamp: batch timestamps come from
        // clients, and `now - Int64.min` would overflow.
        let (cutoff, overflow) = now.rawValue.subtractingReportingOverflow(expirationMs)
        guard !overflow else { return 0 }
        let expired = producers.filter { $0.value.lastTimestamp.rawValue <= cutoff }.keys
        for producer in expired { producers[producer] = nil }
        return expired.count
    }

    /// Makes room for one more producer: the one idle longest goes (lowest id on a tie, so every
    /// replica forgets the same one).
    private mutating func forgetIdlest() {
        let idlest = producers.min { lhs, rhs in
            (lhs.value.lastTimestamp, lhs.key) < (rhs.value.lastTimestamp, rhs.key)
        }
        if let idlest { producers[idlest.key] = nil }
    }
}
