public import TernModel

/// One batch a producer wrote to the partition, as the producer state remembers it (Kafka's
/// `BatchMetadata`): enough to recognise a retry of it and to answer that retry with the
/// offsets the batch got the first time.
public struct ProducerBatch: Sendable, Equatable, CustomStringConvertible {
    /// The sequence of the batch's first record.
    public var firstSequence: Sequence
    /// The sequence of its last record (`firstSequence` advanced by `recordCount - 1`, wrapping).
    public var lastSequence: Sequence
    /// The log offset of its first record.
    public var firstOffset: Offset
    /// The log offset of its last record.
    public var lastOffset: Offset
    /// Its max timestamp (idle producers expire by it, as in Kafka).
    public var timestamp: TimestampMs

    public init(
        firstSequence: Sequence, lastSequence: Sequence, firstOffset: Offset, lastOffset: Offset,
        timestamp: TimestampMs
    ) {
        self.firstSequence = firstSequence
        self.lastSequence = lastSequence
        self.firstOffset = firstOffset
        self.lastOffset = lastOffset
        self.timestamp = timestamp
    }

    public var description: String {
        "seq \(firstSequence)...\(lastSequence) at \(firstOffset)...\(lastOffset)"
    }
}
