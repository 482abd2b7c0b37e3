public import NIOCore
public import TernModel

/// The 61-byte header of a Kafka RecordBatch v2 (PROTOCOL.md §2.1), all fields big-endian.
///
/// ```
///  0 baseOffset int64        8 batchLength int32      12 partitionLeaderEpoch int32
/// 16 magic int8             17 crc uint32             21 attributes int16  (CRC from here)
/// 23 lastOffsetDelta int32  27 baseTimestamp int64    35 maxTimestamp int64
/// 43 producerId int64       51 producerEpoch int16    53 baseSequence int32
/// 57 recordsCount int32     61 records …
/// ```
/// The CRC covers bytes 21 to the end, so a broker can overwrite `baseOffset` and
/// `partitionLeaderEpoch` on append (`rewrite(baseOffset:partitionLeaderEpoch:in:)`) without
/// recomputing it (ARCHITECTURE.md decision 1). Fields keep Kafka's names and raw widths because
/// this is the on-disk and on-wire image; typed views (`firstOffset`, `producer`, …) sit beside.
public struct RecordBatchHeader: Sendable, Equatable {
    /// Bytes in the header, i.e. offset of the first record.
    public static let size = 61
    /// First byte covered by the CRC (the `attributes` field).
    public static let crcCoverageStart = 21
    /// Bytes before `batchLength`'s count starts (baseOffset + batchLength itself).
    public static let lengthPrefixSize = 12
    /// The only magic (format version) Tern accepts.
    public static let currentMagic: Int8 = 2

    /// Offset of the first record; the broker overwrites it on append.
    public var baseOffset: Int64
    /// Bytes after this field: the batch's total size minus 12.
    public var batchLength: Int32
    /// The leader epoch (Raft term) of the leader that appended the batch, or -1.
    public var partitionLeaderEpoch: Int32
    /// Format version, always 2.
    public var magic: Int8
    /// CRC-32C of bytes `crcCoverageStart..<totalSize`, as stored.
    public var crc: UInt32
    /// Codec, timestamp type, transactional and control bits.
    public var attributes: RecordBatchAttributes
    /// Offset delta of the last record (`recordCount - 1` for a producer's batch).
    public var lastOffsetDelta: Int32
    /// Timestamp (ms) of the first record; record timestamps are deltas from it.
    public var baseTimestamp: Int64
    /// Largest record timestamp (ms), or the broker's time under LogAppendTime.
    public var maxTimestamp: Int64
    /// Idempotent producer id, -1 if none.
    public var producerId: Int64
    /// Idempotent producer epoch, -1 if none.
    public var producerEpoch: Int16
    /// Sequence number of the first record, -1 if none.
    public var baseSequence: Int32
    /// Number of records (of the uncompressed records region).
    public var recordCount: Int32

    /// The header's bytes plus the records region: what the batch occupies on disk and wire.
    public var totalSize: Int { Self.lengthPrefixSize + Int(batchLength) }
    /// Offset of the last record (`baseOffset + lastOffsetDelta`).
    public var lastOffset: Int64 { baseOffset + Int64(lastOffsetDelta) }
    /// Bytes of the (possibly compressed) records region.
    public var recordsRegionSize: Int { totalSize - Self.size }

    /// A header with every field given; `batchLength` and `crc` are normally filled in by the
    /// encoder (`RecordBatch.encode`), so they default to placeholders.
    public init(
        baseOffset: Int64 = 0, batchLength: Int32 = Int32(RecordBatchHeader.size - 12),
        partitionLeaderEpoch: Int32 = -1, magic: Int8 = RecordBatchHeader.currentMagic, crc: UInt32 = 0,
        attributes: RecordBatchAttributes = RecordBatchAttributes(), lastOffsetDelta: Int32 = 0,
        baseTimestamp: Int64 = -1, maxTimestamp: Int64 = -1, producerId: Int64 = -1,
        producerEpoch: Int16 = -1, baseSequence: Int32 = -1, recordCount: Int32 = 0
    ) {
        self.baseOffset = baseOffset
        self.batchLength = batchLength
        self.partitionLeaderEpoch = partitionLeaderEpoch
        self.magic = magic
        self.crc = crc
        self.attributes = attributes
        self.lastOffsetDelta = lastOffsetDelta
        self.baseTimestamp = baseTimestamp
        self.maxTimestamp = maxTimestamp
        self.producerId = producerId
        self.producerEpoch = producerEpoch
        self.baseSequence = baseSequence
        self.recordCount = recordCount
    }
}

extension RecordBatchHeader {
    /// Reads a header at `buffer`'s reader index without consuming anything.
    ///
    /// Needs only the 61 header bytes, not the whole batch (so a log can read headers alone);
    /// use `RecordBatch.validate` or `verifyCRC(of:)` to check the rest. Refuses a magic other
    /// than 2, a `batchLength` shorter than the header, and a batch over `Limits.batchBytesMax`.
    public init(parsing buffer: ByteBuffer) throws(RecordBatchError) {
        guard buffer.readableBytes >= Self.size else {
            throw RecordBatchError(.truncated, "header needs \(Self.size) bytes, have \(buffer.readableBytes)")
        }
        let start = buffer.readerIndex
        func int<T: FixedWidthInteger>(_ at: Int, _: T.Type) -> T {
            // In bounds: 61 readable bytes were checked above.
            buffer.getInteger(at: start + at, endianness: .big, as: T.self)!
        }
        let magic = int(16, Int8.self)
        guard magic == Self.currentMagic else {
            throw RecordBatchError(.badMagic, "magic \(magic), expected 2")
        }
        let batchLength = int(8, Int32.self)
        guard batchLength >= Int32(Self.size - Self.lengthPrefixSize) else {
            throw RecordBatchError(.badBatchLength, "batchLength \(batchLength) is shorter than the header")
        }
        guard Int(batchLength) + Self.lengthPrefixSize <= Limits.batchBytesMax else {
            throw RecordBatchError(
                .batchTooLarge, "batch of \(Int(batchLength) + 12) bytes exceeds \(Limits.batchBytesMax)")
        }
        self.init(
            baseOffset: int(0, Int64.self), batchLength: batchLength, partitionLeaderEpoch: int(12, Int32.self),
            magic: magic, crc: int(17, UInt32.self),
            attributes: RecordBatchAttributes(rawValue: int(21, Int16.self)),
            lastOffsetDelta: int(23, Int32.self), baseTimestamp: int(27, Int64.self),
            maxTimestamp: int(35, Int64.self), producerId: int(43, Int64.self),
            producerEpoch: int(51, Int16.self), baseSequence: int(53, Int32.self),
            recordCount: int(57, Int32.self))
    }

    /// Appends the 61 header bytes exactly as the fields say (no CRC or length computed here).
    public func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(baseOffset, endianness: .big)
        buffer.writeInteger(batchLength, endianness: .big)
        buffer.writeInteger(partitionLeaderEpoch, endianness: .big)
        buffer.writeInteger(magic, endianness: .big)
        buffer.writeInteger(crc, endianness: .big)
        buffer.writeInteger(attributes.rawValue, endianness: .big)
        buffer.writeInteger(lastOffsetDelta, endianness: .big)
        buffer.writeInteger(baseTimestamp, endianness: .big)
        buffer.writeInteger(maxTimestamp, endianness: .big)
        buffer.writeInteger(producerId, endianness: .big)
        buffer.writeInteger(producerEpoch, endianness: .big)
        buffer.writeInteger(baseSequence, endianness: .big)
        buffer.writeInteger(recordCount, endianness: .big)
    }
}

extension RecordBatchHeader {
    /// CRC-32C of the batch at `batch`'s reader index over `[21, totalSize)`, with `totalSize`
    /// taken from the `batchLength` in the bytes.
    ///
    /// Never traps: if fewer bytes are readable than `batchLength` claims, only the readable
    /// ones are covered (and the result will not match the stored CRC; callers check the length
    /// first, as `verifyCRC(of:)` does).
    public static func computeCRC(of batch: ByteBuffer) -> UInt32 {
        let start = batch.readerIndex
        guard let length = batch.getInteger(at: start + 8, endianness: .big, as: Int32.self) else { return 0 }
        let end = min(lengthPrefixSize + Int(max(length, 0)), batch.readableBytes)
        guard end > crcCoverageStart else { return 0 }
        return batch.withUnsafeReadableBytes { bytes in
            CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[crcCoverageStart..<end]))
        }
    }

    /// Parses the header at `batch`'s reader index, checks that the whole batch is readable and
    /// that its CRC matches, and returns the header. Does not consume.
    @discardableResult
    public static func verifyCRC(of batch: ByteBuffer) throws(RecordBatchError) -> RecordBatchHeader {
        let header = try RecordBatchHeader(parsing: batch)
        guard batch.readableBytes >= header.totalSize else {
            throw RecordBatchError(.truncated, "batch needs \(header.totalSize) bytes, have \(batch.readableBytes)")
        }
        let computed = computeCRC(of: batch)
        guard computed == header.crc else {
            throw RecordBatchError(.crcMismatch, "stored crc \(hex(header.crc)), computed \(hex(computed))")
        }
        return header
    }

    /// Overwrites `baseOffset` and `partitionLeaderEpoch` of the batch at `buffer`'s reader index
    /// in place. The CRC does not cover these fields, so it stays valid (ARCHITECTURE.md
    /// decision 1); this is what the broker does on append.
    ///
    /// - Precondition: the buffer holds at least the first 16 bytes of a batch (callers have
    ///   parsed or validated it first).
    public static func rewrite(baseOffset: Offset, partitionLeaderEpoch: Int32, in buffer: inout ByteBuffer) {
        precondition(buffer.readableBytes >= 16, "no batch header to rewrite")
        buffer.setInteger(baseOffset.rawValue, at: buffer.readerIndex, endianness: .big)
        buffer.setInteger(partitionLeaderEpoch, at: buffer.readerIndex + 12, endianness: .big)
    }

    /// Sets the LogAppendTime bit and `maxTimestamp` of the batch at `buffer`'s reader index and
    /// recomputes its CRC in place (these fields are CRC-covered; Kafka does the same).
    ///
    /// - Precondition: the buffer holds the whole batch (validated first).
    public static func stampLogAppendTime(_ time: TimestampMs, in buffer: inout ByteBuffer) {
        let start = buffer.readerIndex
        let length = buffer.getInteger(at: start + 8, endianness: .big, as: Int32.self) ?? 0
        precondition(length >= Int32(size - lengthPrefixSize), "no batch to stamp")
        precondition(buffer.readableBytes >= lengthPrefixSize + Int(length), "batch not fully readable")
        var attributes = RecordBatchAttributes(
            rawValue: buffer.getInteger(at: start + 21, endianness: .big, as: Int16.self) ?? 0)
        attributes.timestampType = .logAppendTime
        buffer.setInteger(attributes.rawValue, at: start + 21, endianness: .big)
        buffer.setInteger(time.rawValue, at: start + 35, endianness: .big)
        buffer.setInteger(computeCRC(of: buffer), at: start + 17, endianness: .big)
    }

    /// The first record's offset as a typed `Offset`.
    public var firstOffset: Offset { Offset(baseOffset) }
    /// The last record's offset as a typed `Offset`.
    public var lastOffsetTyped: Offset { Offset(lastOffset) }
    /// The offset after this batch: where the next batch starts.
    public var nextOffset: Offset { Offset(lastOffset + 1) }
    /// The producer id as a typed value (`.none` when not idempotent).
    public var producer: ProducerID { ProducerID(producerId) }
    /// The producer epoch as a typed value.
    public var epoch: ProducerEpoch { ProducerEpoch(producerEpoch) }
    /// The first record's sequence as a typed value.
    public var firstSequence: Sequence { Sequence(baseSequence) }
}

/// `0x` and eight hex digits, for CRC values in error texts.
func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}
