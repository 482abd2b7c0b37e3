// Shared helpers for the idempotent-producer tests: batches as a producer sends them, writing
// them to a table at chosen offsets, the error code of a verdict, and snapshot bytes laid out
// by hand (big-endian, as `ProducerStateTable+Snapshot` documents the format).
import TernCoordination
import TernModel
import TernWire

enum ProducerFixtures {
    /// A batch of `count` records from `producer`, starting at sequence `seq`.
    static func append(
        _ producer: Int64 = 1, epoch: Int16 = 0, seq: Int32, count: Int32 = 1, at timestamp: Int64 = 0
    ) -> ProducerAppend {
        ProducerAppend(
            producerID: ProducerID(producer), epoch: ProducerEpoch(epoch), firstSequence: Sequence(seq),
            recordCount: count, timestamp: TimestampMs(timestamp))
    }

    /// The batch the table should remember for `append` written at `first...` (one offset per record).
    static func batch(_ append: ProducerAppend, at first: Int64) -> ProducerBatch {
        ProducerBatch(
            firstSequence: append.firstSequence, lastSequence: append.lastSequence, firstOffset: Offset(first),
            lastOffset: Offset(first + Int64(append.recordCount) - 1), timestamp: append.timestamp)
    }

    /// `record`s `append` at `first...` (one offset per record) and returns the batch it should leave.
    @discardableResult
    static func record(_ table: inout ProducerStateTable, _ append: ProducerAppend, at first: Int64) -> ProducerBatch {
        let written = Self.batch(append, at: first)
        table.record(append, firstOffset: written.firstOffset, lastOffset: written.lastOffset)
        return written
    }

    /// `apply`s `append` at `first...` (one offset per record) and returns the batch it should leave.
    @discardableResult
    static func apply(_ table: inout ProducerStateTable, _ append: ProducerAppend, at first: Int64) -> ProducerBatch {
        let written = Self.batch(append, at: first)
        table.apply(append, firstOffset: written.firstOffset, lastOffset: written.lastOffset)
        return written
    }

    /// The error of a refusal; nil for accept and duplicate.
    static func code(_ verdict: ProducerVerdict) -> ErrorCode? {
        if case .refuse(let code, _) = verdict { return code }
        return nil
    }

    // MARK: snapshot bytes by hand

    /// `value` big-endian.
    static func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<(T.bitWidth / 8)).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    /// Magic, format version, applied offset, producer count.
    static func header(magic: String = "TPST", format: UInt16 = 1, applied: Int64 = -1, count: UInt32) -> [UInt8] {
        Array(magic.utf8) + bigEndian(format) + bigEndian(applied) + bigEndian(count)
    }

    /// One batch as the snapshot holds it.
    struct RawBatch {
        var first: Int32
        var last: Int32
        var firstOffset: Int64
        var lastOffset: Int64
        var timestamp: Int64 = 0

        var bytes: [UInt8] {
            bigEndian(first) + bigEndian(last) + bigEndian(firstOffset) + bigEndian(lastOffset) + bigEndian(timestamp)
        }
    }

    static func raw(_ first: Int32, _ last: Int32, at firstOffset: Int64, _ lastOffset: Int64, time: Int64 = 0)
        -> RawBatch
    {
        RawBatch(first: first, last: last, firstOffset: firstOffset, lastOffset: lastOffset, timestamp: time)
    }

    /// One producer: id, epoch, batch count (the real count unless given), batches.
    static func producer(_ id: Int64, epoch: Int16 = 0, batchCount: UInt8? = nil, _ batches: [RawBatch]) -> [UInt8] {
        bigEndian(id) + bigEndian(epoch) + [batchCount ?? UInt8(batches.count)] + batches.flatMap(\.bytes)
    }
}
