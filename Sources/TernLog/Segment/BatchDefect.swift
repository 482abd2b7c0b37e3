/// Why bytes in a segment are not a valid next batch. Recovery truncates a torn tail for these
/// reasons and reports damage before the tail with them.
public enum BatchDefect: String, Error, Sendable, Equatable, CustomStringConvertible {
    /// The file ends inside the batch (a torn write, or a cut file).
    case truncated
    /// `batchLength` is below the header size or above `Limits.batchBytesMax`.
    case badLength
    /// `magic` is not 2.
    case badMagic
    /// The stored CRC-32C does not match the bytes.
    case crcMismatch
    /// `lastOffsetDelta` or `recordCount` is negative, or the last offset overflows.
    case badOffsetFields
    /// `baseOffset` is not the offset after the previous batch.
    case offsetDiscontinuity
    /// `partitionLeaderEpoch` is lower than the previous batch's (Raft terms never go back).
    case epochRegression
    /// The segment ends before the next segment's base offset (a file lost its end).
    case gapBetweenSegments
    /// An index entry points at bytes that are not the batch it names.
    case indexMismatch

    /// The defect's name, for logs.
    public var description: String { rawValue }
}

/// What the log needs to know about one batch it holds: where, which offsets, which time.
struct BatchSummary: Equatable, Sendable {
    var position: Int
    var size: Int
    var baseOffset: Int64
    var lastOffset: Int64
    var maxTimestamp: Int64
    var epoch: Int32

    var nextOffset: Int64 { lastOffset + 1 }
}
