public import TernModel

/// What a partition knows of one producer id (Kafka's `ProducerStateEntry`): its current epoch
/// and its last `batchesRetained` batches of that epoch, oldest first.
public struct ProducerEntry: Sendable, Equatable {
    /// Kafka's `NUM_BATCHES_TO_RETAIN`: clients keep at most five requests in flight per
    /// partition, so a retry is always of one of the last five batches.
    public static let batchesRetained = 5

    public private(set) var epoch: ProducerEpoch
    /// The last batches of `epoch`, oldest first; never empty, at most `batchesRetained`.
    public private(set) var batches: [ProducerBatch]

    /// - Precondition: `batches` holds 1...`batchesRetained` batches.
    public init(epoch: ProducerEpoch, batches: [ProducerBatch]) {
        precondition(
            !batches.isEmpty && batches.count <= Self.batchesRetained,
            "a producer entry holds 1...\(Self.batchesRetained) batches, not \(batches.count)")
        self.epoch = epoch
        self.batches = batches
    }

    /// The last sequence written in the current epoch.
    public var lastSequence: Sequence { batches[batches.count - 1].lastSequence }

    /// When the producer last wrote (its newest batch's timestamp).
    public var lastTimestamp: TimestampMs { batches[batches.count - 1].timestamp }

    /// The retained batch `append` repeats: same epoch, same first and last sequence.
    func duplicate(of append: ProducerAppend) -> ProducerBatch? {
        guard append.epoch == epoch else { return nil }
        let last = append.lastSequence
        return batches.last { $0.firstSequence == append.firstSequence && $0.lastSequence == last }
    }

    /// Takes a batch: a new epoch forgets the old epoch's batches (Kafka's
    /// `maybeUpdateProducerEpoch`), and only the newest `batchesRetained` stay.
    mutating func record(_ batch: ProducerBatch, epoch: ProducerEpoch) {
        if epoch != self.epoch {
            self.epoch = epoch
            batches.removeAll(keepingCapacity: true)
        }
        if batches.count == Self.batchesRetained { batches.removeFirst() }
        batches.append(batch)
    }
}
