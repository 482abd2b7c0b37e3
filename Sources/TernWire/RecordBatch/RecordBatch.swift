public import NIOCore
public import TernModel

/// A decoded Kafka RecordBatch v2: the header and its records (PROTOCOL.md §2).
///
/// The broker mostly handles batches as raw bytes (validate, rewrite offsets, store, send); this
/// value type is for code that must look inside: validation, control batches, the client and
/// tests. `decode` checks the CRC and decompresses LZ4 with a bound; `encode` computes
/// `batchLength`, `recordCount` and the CRC and compresses when the attributes say LZ4.
public struct RecordBatch: Sendable, Equatable {
    /// The header. On encode, `batchLength`, `crc` and `recordCount` are recomputed; every other
    /// field is written as given.
    public var header: RecordBatchHeader
    /// The records, uncompressed.
    public var records: [Record]

    /// Wraps a header and records as they are.
    public init(header: RecordBatchHeader, records: [Record]) {
        self.header = header
        self.records = records
    }

    /// Builds a producer-style batch: offset deltas are taken from the records,
    /// `lastOffsetDelta` is the largest of them and `maxTimestamp` the latest record time.
    ///
    /// - Precondition: `records` is not empty (Kafka has no empty producer batches).
    public init(
        baseOffset: Offset = .zero, partitionLeaderEpoch: Int32 = -1, compression: CompressionCodec = .none,
        baseTimestamp: TimestampMs, producer: ProducerID = .none, epoch: ProducerEpoch = .none,
        baseSequence: Sequence = .none, isTransactional: Bool = false, isControlBatch: Bool = false,
        records: [Record]
    ) {
        precondition(!records.isEmpty, "a batch holds at least one record")
        let attributes = RecordBatchAttributes(
            compression: compression, isTransactional: isTransactional, isControlBatch: isControlBatch)
        self.header = RecordBatchHeader(
            baseOffset: baseOffset.rawValue, partitionLeaderEpoch: partitionLeaderEpoch, attributes: attributes,
            lastOffsetDelta: records.map(\.offsetDelta).max() ?? 0, baseTimestamp: baseTimestamp.rawValue,
            maxTimestamp: baseTimestamp.rawValue + (records.map(\.timestampDelta).max() ?? 0),
            producerId: producer.rawValue, producerEpoch: epoch.rawValue, baseSequence: baseSequence.rawValue,
            recordCount: Int32(records.count))
        self.records = records
    }
}

extension RecordBatch {
    /// Decodes the one batch at `buffer`'s reader index (bytes after it are ignored, so a
    /// caller walking concatenated batches advances by `header.totalSize`).
    ///
    /// Checks magic, length, the CRC, the codec, the record count and that the records fill the
    /// records region exactly. Refuses gzip, snappy and zstd (`.unsupportedCompression`).
    ///
    /// - Parameter maxDecompressedBytes: bound on an LZ4 records region once inflated (clamped
    ///   to `Limits.decompressedBatchBytesMax`).
    public static func decode(
        _ buffer: ByteBuffer, maxDecompressedBytes: Int = Limits.decompressedBatchBytesMax
    ) throws(RecordBatchError) -> RecordBatch {
        let header = try RecordBatchHeader.verifyCRC(of: buffer)
        let region = try recordsRegion(of: buffer, header: header, maxDecompressedBytes: maxDecompressedBytes)
        let records = try decodeRecords(region, count: header.recordCount)
        return RecordBatch(header: header, records: records)
    }

    /// The uncompressed records region of a batch whose header and CRC were checked.
    static func recordsRegion(
        of buffer: ByteBuffer, header: RecordBatchHeader, maxDecompressedBytes: Int
    ) throws(RecordBatchError) -> ByteBuffer {
        let stored = buffer.getSlice(at: buffer.readerIndex + RecordBatchHeader.size, length: header.recordsRegionSize)
        guard let stored else {
            throw RecordBatchError(.truncated, "records region of \(header.recordsRegionSize) bytes missing")
        }
        switch try codec(of: header) {
        case .none:
            return stored
        case .lz4:
            return try LZ4Frame.decompress(stored, maxBytes: maxDecompressedBytes)
        case .gzip, .snappy, .zstd:
            preconditionFailure("codec(of:) refuses unsupported codecs")
        }
    }

    /// The batch's codec if Tern implements it; otherwise the typed refusal.
    static func codec(of header: RecordBatchHeader) throws(RecordBatchError) -> CompressionCodec {
        guard let codec = header.attributes.compression else {
            throw RecordBatchError(.unknownCompression, "compression codec \(header.attributes.codecNumber)")
        }
        guard codec.isSupported else {
            throw RecordBatchError(.unsupportedCompression, "compression codec \(codec) is not supported")
        }
        return codec
    }

    /// Decodes exactly `count` records that must fill `region`.
    static func decodeRecords(_ region: ByteBuffer, count: Int32) throws(RecordBatchError) -> [Record] {
        guard count >= 0 else {
            throw RecordBatchError(.recordCountMismatch, "negative record count \(count)")
        }
        guard count <= Limits.recordsPerBatchMax else {
            throw RecordBatchError(.tooManyRecords, "\(count) records, limit \(Limits.recordsPerBatchMax)")
        }
        guard Int(count) * Record.encodedSizeMin <= region.readableBytes else {
            throw RecordBatchError(
                .recordCountMismatch, "\(count) records cannot fit in \(region.readableBytes) bytes")
        }
        var reader = WireReader(buffer: region)
        var records: [Record] = []
        records.reserveCapacity(Int(count))
        for index in 0..<count {
            guard reader.remaining > 0 else {
                throw RecordBatchError(.recordCountMismatch, "recordsCount \(count), found \(index) records")
            }
            records.append(try Record.read(from: &reader))
        }
        guard reader.remaining == 0 else {
            throw RecordBatchError(.trailingBytes, "\(reader.remaining) bytes after \(count) records")
        }
        return records
    }
}

extension RecordBatch {
    /// Appends the encoded batch to `buffer`: header with computed `batchLength`,
    /// `recordCount` and CRC, then the records (LZ4-compressed when the attributes say so).
    ///
    /// - Precondition: the codec is none or LZ4, and the batch fits `Limits.batchBytesMax`
    ///   (we encode only batches we built; refusing them is the decoder's job).
    public func encode(into buffer: inout ByteBuffer, lz4Options: LZ4Frame.Options = .default) {
        precondition(records.count <= Limits.recordsPerBatchMax, "too many records to encode")
        let codec = header.attributes.compression
        precondition(codec == CompressionCodec.none || codec == .lz4, "Tern encodes only none and LZ4")
        var writer = WireWriter(buffer: ByteBuffer())
        writer.buffer.reserveCapacity(records.reduce(0) { $0 + $1.encodedSize })
        for record in records {
            record.write(to: &writer)
        }
        let region = codec == .lz4 ? LZ4Frame.compress(writer.buffer, options: lz4Options) : writer.buffer
        var written = header
        written.recordCount = Int32(records.count)
        written.batchLength = Int32(RecordBatchHeader.size - RecordBatchHeader.lengthPrefixSize + region.readableBytes)
        precondition(written.totalSize <= Limits.batchBytesMax, "encoded batch exceeds Limits.batchBytesMax")
        let start = buffer.writerIndex
        buffer.reserveCapacity(minimumWritableBytes: written.totalSize)
        written.write(to: &buffer)
        var regionCopy = region
        buffer.writeBuffer(&regionCopy)
        let batch = buffer.getSlice(at: start, length: written.totalSize)!
        buffer.setInteger(RecordBatchHeader.computeCRC(of: batch), at: start + 17, endianness: .big)
    }

    /// The encoded batch in a new buffer.
    public func encoded(lz4Options: LZ4Frame.Options = .default) -> ByteBuffer {
        var buffer = ByteBuffer()
        encode(into: &buffer, lz4Options: lz4Options)
        return buffer
    }

    /// Absolute offset of `record` in this batch.
    public func offset(of record: Record) -> Offset {
        Offset(header.baseOffset + Int64(record.offsetDelta))
    }

    /// Absolute timestamp of `record` (CreateTime; under LogAppendTime every record takes the
    /// batch's `maxTimestamp`, as Kafka consumers do).
    public func timestamp(of record: Record) -> TimestampMs {
        if header.attributes.timestampType == .logAppendTime { return TimestampMs(header.maxTimestamp) }
        return TimestampMs(header.baseTimestamp + record.timestampDelta)
    }
}
