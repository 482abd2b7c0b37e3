// Goal: offsets records survive the trip through a RecordBatch v2 with their order and
// offsets, whatever the Raft leader stamps and however the batch is compressed, and records
// Tern does not store are skipped while a keyless record is refused. Method: build batches with
// `OffsetsBatch.batch` (or by hand with TernWire's `RecordBatch` for foreign content), rewrite
// the base offset as the leader would, and read them back with `OffsetsBatch.records`.
import NIOCore
import TernCoordination
import TernModel
import TernWire
import Testing

@Suite struct OffsetsBatchTests {
    static let records: [OffsetsRecord] = [
        .groupMetadata(group: "g1", OffsetsFixtures.group),
        .offsetCommit(OffsetsFixtures.key, OffsetsFixtures.value),
        .offsetCommit(OffsetsFixtures.commit("g1", "t", 4), nil),
        .groupMetadata(group: "old", nil),
    ]

    @Test("records keep their order and get consecutive offsets from the stamped base")
    func roundTrip() throws {
        var batch = OffsetsBatch.batch(Self.records, timestamp: TimestampMs(1_234))
        RecordBatchHeader.rewrite(baseOffset: Offset(100), partitionLeaderEpoch: 2, in: &batch)
        let decoded = try OffsetsBatch.records(in: batch.bytes)
        #expect(decoded.map(\.0) == [Offset(100), Offset(101), Offset(102), Offset(103)])
        #expect(decoded.map(\.1) == Self.records)
    }

    @Test("the batch is one uncompressed RecordBatch v2 of Kafka-format records, tombstones with null values")
    func batchShape() throws {
        let batch = try RecordBatch.decode(OffsetsBatch.batch(Self.records, timestamp: TimestampMs(1_234)))
        #expect(batch.header.attributes.compression == CompressionCodec.none)
        #expect(batch.header.baseTimestamp == 1_234)
        #expect(batch.records.map(\.offsetDelta) == [0, 1, 2, 3])
        #expect(batch.records[1].key?.bytes == OffsetsRecordGoldenTests.commitKey)
        #expect(batch.records[1].value?.bytes == OffsetsRecordGoldenTests.commitValueV3)
        #expect(batch.records[2].value == nil)
        #expect(batch.records[3].value == nil)
    }

    @Test("an LZ4-compressed batch (as a Kafka broker may write) decodes too")
    func compressed() throws {
        let plain = try RecordBatch.decode(OffsetsBatch.batch(Self.records, timestamp: TimestampMs(7)))
        let lz4 = RecordBatch(
            baseOffset: Offset(50), compression: .lz4, baseTimestamp: TimestampMs(7), records: plain.records
        ).encoded()
        #expect(try RecordBatch.decode(lz4).header.attributes.compression == .lz4)
        let decoded = try OffsetsBatch.records(in: lz4.bytes)
        #expect(decoded.map(\.0) == (50...53).map { Offset($0) })
        #expect(decoded.map(\.1) == Self.records)
    }

    @Test("records of other key versions are skipped, keeping the others' offsets")
    func unknownSkipped() throws {
        let (key, value) = OffsetsRecordCodec.encode(.offsetCommit(OffsetsFixtures.key, OffsetsFixtures.value))
        let records = [
            // Key version 3: a KIP-848 consumer group record.
            Record(offsetDelta: 0, key: ByteBuffer(bytes: [0, 3, 0, 1, 0x67]), value: ByteBuffer(bytes: [0, 0])),
            Record(offsetDelta: 1, key: key, value: value),
            Record(offsetDelta: 2, key: ByteBuffer(bytes: [0x00, 0x0A, 0x00, 0x00]), value: nil),
        ]
        let batch = RecordBatch(baseOffset: Offset(10), baseTimestamp: TimestampMs(0), records: records).encoded()
        let decoded = try OffsetsBatch.records(in: batch.bytes)
        #expect(decoded.count == 1)
        #expect(decoded.first?.0 == Offset(11))
        #expect(decoded.first?.1 == .offsetCommit(OffsetsFixtures.key, OffsetsFixtures.value))
    }

    @Test("a control batch (transaction markers) holds no offsets records")
    func controlBatchSkipped() throws {
        // A COMMIT marker: key version 0, type 1; value version 0, coordinator epoch 0.
        let marker = Record(
            offsetDelta: 0, key: ByteBuffer(bytes: [0, 0, 0, 1]), value: ByteBuffer(bytes: [0, 0, 0, 0, 0, 0]))
        let batch = RecordBatch(
            baseTimestamp: TimestampMs(0), producer: ProducerID(1), epoch: ProducerEpoch(0), isTransactional: true,
            isControlBatch: true, records: [marker]
        ).encoded()
        #expect(try OffsetsBatch.records(in: batch.bytes).isEmpty)
    }

    @Test("a record without a key, or with a key or value that does not decode, is an error")
    func badRecords() {
        let keyless = RecordBatch(
            baseTimestamp: TimestampMs(0), records: [Record(offsetDelta: 0, key: nil, value: ByteBuffer(bytes: [0]))]
        ).encoded()
        #expect(throws: OffsetsRecordError.self) { try OffsetsBatch.records(in: keyless.bytes) }
        let garbage = RecordBatch(
            baseTimestamp: TimestampMs(0),
            records: [Record(offsetDelta: 0, key: ByteBuffer(bytes: [0, 1, 0x7F]), value: nil)]
        ).encoded()
        #expect(throws: OffsetsRecordError.self) { try OffsetsBatch.records(in: garbage.bytes) }
    }

    @Test("a batch of the most records allowed encodes and decodes")
    func fullBatch() throws {
        let records = (0..<Limits.offsetsRecordsPerBatchMax).map { index in
            OffsetsRecord.offsetCommit(
                OffsetsFixtures.commit("group", "topic-\(index % 100)", Int32(index)),
                OffsetsFixtures.offset(Int64(index), at: 1))
        }
        let batch = OffsetsBatch.batch(records, timestamp: TimestampMs(1))
        #expect(batch.readableBytes <= Limits.batchBytesMax)
        let decoded = try OffsetsBatch.records(in: batch.bytes)
        #expect(decoded.map(\.1) == records)
        #expect(decoded.last?.0 == Offset(Int64(Limits.offsetsRecordsPerBatchMax - 1)))
    }

    @Test("bytes that are not a batch throw, truncated or damaged")
    func notABatch() {
        let batch = OffsetsBatch.batch(Self.records, timestamp: TimestampMs(1)).bytes
        #expect(throws: (any Error).self) { try OffsetsBatch.records(in: []) }
        for length in stride(from: 0, to: batch.count, by: 7) {
            #expect(throws: (any Error).self) { try OffsetsBatch.records(in: Array(batch.prefix(length))) }
        }
        var damaged = batch
        damaged[damaged.count - 1] ^= 0x01
        #expect(throws: RecordBatchError.self) { try OffsetsBatch.records(in: damaged) }
    }
}
