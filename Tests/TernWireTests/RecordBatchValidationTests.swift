// Goal: every produce-time check of `RecordBatch.validate` fires on the fault it guards against,
// with its own error kind and the Kafka error code a broker would return.
// Method: start from a valid encoded batch, break exactly one property in its bytes, re-seal
// batchLength and CRC where the fault is not about them (so the intended check is reached
// rather than the CRC check), and expect the specific `RecordBatchError.Kind`.
import NIOCore
import Testing
import TernModel
@testable import TernWire

@Suite struct RecordBatchValidationTests {
    static func valid(_ codec: CompressionCodec = .none, records: [Record] = SampleRecords.mixed) -> ByteBuffer {
        RecordBatch(baseTimestamp: TimestampMs(1_000), records: records).with(codec: codec).encoded()
    }

    /// Recomputes batchLength from the buffer's size and then the CRC.
    static func resealed(_ bytes: ByteBuffer) -> ByteBuffer {
        var copy = bytes
        copy.setInteger(Int32(copy.readableBytes - 12), at: copy.readerIndex + 8, endianness: .big)
        copy.setInteger(RecordBatchHeader.computeCRC(of: copy), at: copy.readerIndex + 17, endianness: .big)
        return copy
    }

    func expectKind(
        _ kind: RecordBatchError.Kind, code: Int16, _ bytes: ByteBuffer,
        options: RecordBatchValidationOptions = .produce, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            try RecordBatch.validate(bytes, options: options)
            Issue.record("expected \(kind), batch was accepted", sourceLocation: sourceLocation)
        } catch {
            #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
            #expect(error.kafkaErrorCode == code, sourceLocation: sourceLocation)
        }
    }

    @Test func headerFaults() {
        var bytes = Self.valid()
        bytes.setInteger(Int8(1), at: 16)
        expectKind(.badMagic, code: 2, bytes)
        var short = Self.valid()
        short.setInteger(Int32(48), at: 8, endianness: .big)
        expectKind(.badBatchLength, code: 2, short)
        var longer = Self.valid()
        longer.writeInteger(UInt8(0))
        expectKind(.badBatchLength, code: 2, longer)
        expectKind(.truncated, code: 2, Self.valid().getSlice(at: 0, length: 60)!)
    }

    @Test func sizeLimits() {
        let bytes = Self.valid()
        let tight = RecordBatchValidationOptions(batchBytesMax: bytes.readableBytes - 1, producerRules: true)
        expectKind(.batchTooLarge, code: 10, bytes, options: tight)
        let lz4 = Self.valid(.lz4, records: SampleRecords.jsonLike(count: 100))
        let inflateBound = RecordBatchValidationOptions(decompressedBytesMax: 1_000, producerRules: true)
        expectKind(.decompressedTooLarge, code: 10, lz4, options: inflateBound)
    }

    @Test func crcFault() {
        var bytes = Self.valid()
        bytes.setInteger(bytes.getInteger(at: 70, as: UInt8.self)! ^ 0x10, at: 70)
        expectKind(.crcMismatch, code: 2, bytes)
    }

    @Test func producerRules() throws {
        // Record count in the header larger than the records present.
        var count = Self.valid()
        count.setInteger(Int32(SampleRecords.mixed.count + 1), at: 57, endianness: .big)
        count.setInteger(Int32(SampleRecords.mixed.count), at: 23, endianness: .big)
        expectKind(.recordCountMismatch, code: 2, Self.resealed(count))
        // lastOffsetDelta disagrees with the count.
        var last = Self.valid()
        last.setInteger(Int32(SampleRecords.mixed.count), at: 23, endianness: .big)
        expectKind(.invalidLastOffsetDelta, code: 87, Self.resealed(last))
        // Offset deltas 0, 1, 3, … (a hole is fine after compaction, not from a producer).
        var holes = SampleRecords.mixed
        holes[2].offsetDelta = 3
        holes[3].offsetDelta = 4
        holes[4].offsetDelta = 5
        var header = RecordBatch(baseTimestamp: TimestampMs(1), records: holes).header
        header.lastOffsetDelta = 4
        let holey = RecordBatch(header: header, records: holes).encoded()
        expectKind(.invalidOffsetDelta, code: 87, holey)
        // Transactional without a producer id.
        var txn = RecordBatch(baseTimestamp: TimestampMs(1), records: SampleRecords.mixed)
        txn.header.attributes.isTransactional = true
        expectKind(.invalidProducerFields, code: 87, txn.encoded())
        // Empty batch.
        let empty = RecordBatch(header: RecordBatchHeader(lastOffsetDelta: -1), records: []).encoded()
        expectKind(.emptyBatch, code: 87, empty)
        try RecordBatch.validate(empty, options: .integrity)
    }

    @Test func recordRegionFaults() {
        // A byte after the last record.
        var trailing = Self.valid()
        trailing.writeInteger(UInt8(0))
        expectKind(.trailingBytes, code: 2, Self.resealed(trailing))
        // First record's length varint claims more than the region holds.
        var length = Self.valid()
        length.setInteger(UInt8(0x7e), at: 61)
        expectKind(.malformedRecord, code: 2, Self.resealed(length))
        // A record count the region cannot hold is refused before allocating for it.
        var huge = Self.valid()
        huge.setInteger(Int32(5_000_000), at: 57, endianness: .big)
        huge.setInteger(Int32(4_999_999), at: 23, endianness: .big)
        expectKind(.recordCountMismatch, code: 2, Self.resealed(huge))
        var tooMany = Self.valid()
        tooMany.setInteger(Int32.max, at: 57, endianness: .big)
        tooMany.setInteger(Int32.max - 1, at: 23, endianness: .big)
        expectKind(.tooManyRecords, code: 87, Self.resealed(tooMany))
    }

    @Test func invalidUTF8HeaderKeyIsRefused() {
        var record = SampleRecords.mixed[0]
        record.headers = [RecordHeader(key: "ab", value: nil)]
        var bytes = RecordBatch(baseTimestamp: TimestampMs(1), records: [record]).encoded()
        let view = Array(bytes.readableBytesView)
        let keyAt = view.indices.first { view[$0] == UInt8(ascii: "a") && view[$0 + 1] == UInt8(ascii: "b") }!
        bytes.setInteger(UInt8(0xC3), at: keyAt + 1)  // a lead byte with no continuation
        expectKind(.invalidHeaderKey, code: 87, Self.resealed(bytes))
    }
}

extension RecordBatch {
    /// The same batch with another codec.
    func with(codec: CompressionCodec) -> RecordBatch {
        var copy = self
        copy.header.attributes.compression = codec
        return copy
    }
}
