internal import NIOCore
internal import TernModel
internal import TernWire

/// Pure checks of batch bytes, shared by append (before writing) and by recovery and reads
/// (after reading back): the same rules on both paths (STYLE.md habit 4, pair assertions).
enum BatchInspector {
    /// Bytes needed to decide a batch's length.
    static let lengthPrefixSize = RecordBatchHeader.lengthPrefixSize
    /// Smallest `batchLength` (a batch is at least its header).
    static let batchLengthMin = Int32(RecordBatchHeader.size - RecordBatchHeader.lengthPrefixSize)

    /// The batch's total size from its first 12 bytes, checked against the bytes `available`
    /// in the file from its start.
    static func totalSize(prefix: ByteBuffer, available: Int) -> Result<Int, BatchDefect> {
        guard available >= lengthPrefixSize, prefix.readableBytes >= lengthPrefixSize else { return .failure(.truncated) }
        let length = prefix.getInteger(at: prefix.readerIndex + 8, endianness: .big, as: Int32.self)!
        guard length >= batchLengthMin else { return .failure(.badLength) }
        let total = lengthPrefixSize + Int(length)
        guard total <= Limits.batchBytesMax else { return .failure(.badLength) }
        guard total <= available else { return .failure(.truncated) }
        return .success(total)
    }

    /// Parses and checks the header at `bytes`' reader index (at least 61 bytes readable).
    static func header(_ bytes: ByteBuffer) -> Result<RecordBatchHeader, BatchDefect> {
        let header: RecordBatchHeader
        do {
            header = try RecordBatchHeader(parsing: bytes)
        } catch {
            return .failure(error.kind == .badMagic ? .badMagic : error.kind == .truncated ? .truncated : .badLength)
        }
        guard header.lastOffsetDelta >= 0, header.recordCount >= 0, header.baseOffset >= 0 else {
            return .failure(.badOffsetFields)
        }
        guard header.baseOffset <= Int64.max - Int64(header.lastOffsetDelta) - 1 else { return .failure(.badOffsetFields) }
        return .success(header)
    }

    /// Checks a whole batch (exactly `header.totalSize` bytes readable from the reader index).
    static func checksum(_ bytes: ByteBuffer, header: RecordBatchHeader) -> BatchDefect? {
        precondition(bytes.readableBytes >= header.totalSize, "checksum needs the whole batch")
        return RecordBatchHeader.computeCRC(of: bytes) == header.crc ? nil : .crcMismatch
    }

    /// Checks a batch's place in the log: its base offset follows `expected` (when known), it
    /// ends at or before `limit` (its segment's end, when known: a header-only walk must not
    /// trust an unchecked last offset), and its epoch does not go below `previousEpoch`.
    static func placement(
        _ header: RecordBatchHeader, expected: Offset?, limit: Offset? = nil, previousEpoch: Int32?
    ) -> BatchDefect? {
        if let expected, header.baseOffset != expected.rawValue { return .offsetDiscontinuity }
        if let limit, header.lastOffset >= limit.rawValue { return .badOffsetFields }
        if let previousEpoch, header.partitionLeaderEpoch < previousEpoch { return .epochRegression }
        return nil
    }

    /// The facts the log keeps of a batch. A control batch (a leader's LEADER_CHANGE, a
    /// transaction marker) holds no record a consumer sees, so its timestamp counts for no time
    /// lookup, time index entry or time retention: otherwise every restart's LEADER_CHANGE would
    /// become the answer to "max timestamp" and to lookups of older record times.
    static func summary(_ header: RecordBatchHeader, position: Int) -> BatchSummary {
        BatchSummary(
            position: position, size: header.totalSize, baseOffset: header.baseOffset,
            lastOffset: header.lastOffset,
            maxTimestamp: header.attributes.isControlBatch ? Int64.min : header.maxTimestamp,
            epoch: header.partitionLeaderEpoch)
    }
}
