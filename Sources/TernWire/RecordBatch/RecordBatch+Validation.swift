public import NIOCore
public import TernModel

/// What `RecordBatch.validate` enforces beyond the format itself.
public struct RecordBatchValidationOptions: Sendable, Equatable {
    /// Largest batch accepted (a topic's `max.message.bytes`), at most `Limits.batchBytesMax`.
    public var batchBytesMax: Int
    /// Bound on the inflated records region, at most `Limits.decompressedBatchBytesMax`.
    public var decompressedBytesMax: Int
    /// Producer rules: at least one record, offset deltas `0..<count`, `lastOffsetDelta ==
    /// count - 1`, no control batches, a producer id on transactional batches. Off for batches
    /// that a leader already accepted (replication, recovery), which may legitimately carry
    /// control records.
    public var producerRules: Bool

    /// Creates options.
    public init(
        batchBytesMax: Int = Limits.batchBytesMax, decompressedBytesMax: Int = Limits.decompressedBatchBytesMax,
        producerRules: Bool
    ) {
        self.batchBytesMax = min(batchBytesMax, Limits.batchBytesMax)
        self.decompressedBytesMax = min(decompressedBytesMax, Limits.decompressedBatchBytesMax)
        self.producerRules = producerRules
    }

    /// What a broker checks on a Produce request.
    public static let produce = RecordBatchValidationOptions(producerRules: true)
    /// Format and integrity only (replicated or stored batches).
    public static let integrity = RecordBatchValidationOptions(producerRules: false)
}

extension RecordBatch {
    /// Checks that `buffer`'s readable bytes are exactly one valid batch, as a broker must before
    /// appending it, and returns its header.
    ///
    /// Checks, in order: header (magic 2, `batchLength` bounds), that `batchLength` matches the
    /// bytes given, size limits, CRC, codec (gzip/snappy/zstd → `.unsupportedCompression`, Kafka
    /// 76), and, decoding every record (LZ4 inflated within the bound), that `recordCount`
    /// matches the records and they fill the region exactly. With `producerRules`, also the
    /// producer invariants listed on `RecordBatchValidationOptions`.
    ///
    /// - Throws: `RecordBatchError`; its `kafkaErrorCode` is the code for the produce response.
    @discardableResult
    public static func validate(
        _ buffer: ByteBuffer, options: RecordBatchValidationOptions = .produce
    ) throws(RecordBatchError) -> RecordBatchHeader {
        let header = try RecordBatchHeader(parsing: buffer)
        guard header.totalSize == buffer.readableBytes else {
            throw RecordBatchError(
                .badBatchLength, "batchLength says \(header.totalSize) bytes, buffer holds \(buffer.readableBytes)")
        }
        guard header.totalSize <= options.batchBytesMax else {
            throw RecordBatchError(
                .batchTooLarge, "batch of \(header.totalSize) bytes exceeds \(options.batchBytesMax)")
        }
        try RecordBatchHeader.verifyCRC(of: buffer)
        if options.producerRules {
            try checkProducerHeader(header)
        }
        let region = try recordsRegion(of: buffer, header: header, maxDecompressedBytes: options.decompressedBytesMax)
        let records = try decodeRecords(region, count: header.recordCount)
        try checkOffsetDeltas(records, header: header, producerRules: options.producerRules)
        return header
    }

    /// Producer rules that need only the header.
    static func checkProducerHeader(_ header: RecordBatchHeader) throws(RecordBatchError) {
        guard !header.attributes.isControlBatch else {
            throw RecordBatchError(.controlBatchNotAllowed, "clients may not produce control batches")
        }
        guard header.recordCount > 0 else {
            throw RecordBatchError(.emptyBatch, "a produced batch must hold at least one record")
        }
        guard Int64(header.lastOffsetDelta) == Int64(header.recordCount) - 1 else {
            throw RecordBatchError(
                .invalidLastOffsetDelta, "lastOffsetDelta \(header.lastOffsetDelta) with \(header.recordCount) records")
        }
        if header.attributes.isTransactional {
            guard header.producerId >= 0 else {
                throw RecordBatchError(.invalidProducerFields, "transactional batch without a producer id")
            }
        }
    }

    /// Producer batches number their records 0, 1, 2, …; any batch's deltas must stay within
    /// `lastOffsetDelta` and increase (compaction may leave holes, never reorder).
    static func checkOffsetDeltas(
        _ records: [Record], header: RecordBatchHeader, producerRules: Bool
    ) throws(RecordBatchError) {
        var previous: Int32 = -1
        for (index, record) in records.enumerated() {
            if producerRules {
                guard Int(record.offsetDelta) == index else {
                    throw RecordBatchError(
                        .invalidOffsetDelta, "record \(index) has offset delta \(record.offsetDelta)")
                }
            }
            guard record.offsetDelta > previous else {
                throw RecordBatchError(
                    .invalidOffsetDelta, "offset delta \(record.offsetDelta) after \(previous) is not increasing")
            }
            guard record.offsetDelta <= header.lastOffsetDelta else {
                throw RecordBatchError(
                    .invalidLastOffsetDelta,
                    "record offset delta \(record.offsetDelta) beyond lastOffsetDelta \(header.lastOffsetDelta)")
            }
            previous = record.offsetDelta
        }
    }
}
