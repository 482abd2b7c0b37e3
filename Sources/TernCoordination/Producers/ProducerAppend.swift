public import TernModel
public import TernWire

/// An idempotent batch as the producer-state check sees it: who wrote it, in which epoch, and
/// which sequences it covers. Built from the batch header, so the leader's check and every
/// replica's apply read the same fields.
public struct ProducerAppend: Sendable, Equatable, CustomStringConvertible {
    public var producerID: ProducerID
    public var epoch: ProducerEpoch
    public var firstSequence: Sequence
    /// Records in the batch (at least one).
    public var recordCount: Int32
    /// The batch's max timestamp.
    public var timestamp: TimestampMs

    /// - Precondition: `recordCount` is positive (a validated batch has a record).
    public init(
        producerID: ProducerID, epoch: ProducerEpoch, firstSequence: Sequence, recordCount: Int32,
        timestamp: TimestampMs
    ) {
        precondition(recordCount > 0, "a producer batch holds at least one record")
        self.producerID = producerID
        self.epoch = epoch
        self.firstSequence = firstSequence
        self.recordCount = recordCount
        self.timestamp = timestamp
    }

    /// The batch's producer fields; nil when the batch is not idempotent (no producer id) or has
    /// no records.
    public init?(header: RecordBatchHeader) {
        guard header.producerId >= 0, header.recordCount > 0 else { return nil }
        self.init(
            producerID: header.producer, epoch: header.epoch, firstSequence: Sequence(header.baseSequence),
            recordCount: header.recordCount, timestamp: TimestampMs(header.maxTimestamp))
    }

    /// The sequence of the last record, with Kafka's wrap-around at Int32.max.
    public var lastSequence: Sequence { firstSequence.advanced(by: recordCount - 1) }

    /// Whether the fields can be checked at all: Kafka's producers never send a negative epoch
    /// or sequence with a producer id.
    public var isWellFormed: Bool { epoch.rawValue >= 0 && firstSequence.rawValue >= 0 }

    public var description: String {
        "producer \(producerID) epoch \(epoch) seq \(firstSequence)...\(lastSequence)"
    }
}
