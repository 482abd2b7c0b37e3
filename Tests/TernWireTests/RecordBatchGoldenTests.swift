// Goal: Tern reads and writes the two public RecordBatch v2 reference vectors exactly.
// Method: the vectors of PROTOCOL.md §2.4 (from IBM/sarama `record_test.go`, cases "uncompressed
// record" and "lz4 compressed record"; CRCs recomputed and the LZ4 frame checked with the
// reference lz4 library when the protocol notes were written) are byte literals below. Each is
// decoded, every header and record field compared with the values the notes annotate, then
// re-encoded from the decoded value and compared byte for byte with the vector.
import NIOCore
import Testing
import TernModel
@testable import TernWire

enum GoldenBatches {
    /// The 21 record bytes both vectors share: key 01 02 03 04, value 05 06 07, one header
    /// (key 08 09 0a, value 0b 0c), timestampDelta 5, offsetDelta 0.
    static let recordBytes: [UInt8] = [
        0x28, 0x00, 0x0a, 0x00, 0x08, 0x01, 0x02, 0x03, 0x04, 0x06, 0x05, 0x06, 0x07, 0x02,
        0x06, 0x08, 0x09, 0x0a, 0x04, 0x0b, 0x0c,
    ]

    /// Header fields shared by both vectors, from baseOffset to recordsCount, with the
    /// batchLength, CRC and attributes spliced in.
    static func header(batchLength: UInt8, crc: [UInt8], codec: UInt8) -> [UInt8] {
        [0, 0, 0, 0, 0, 0, 0, 0]  // baseOffset 0
            + [0, 0, 0, batchLength]  // batchLength
            + [0, 0, 0, 0]  // partitionLeaderEpoch 0
            + [2]  // magic
            + crc  // CRC-32C over [21, end)
            + [0, codec]  // attributes
            + [0, 0, 0, 0]  // lastOffsetDelta 0
            + [0x00, 0x00, 0x01, 0x58, 0x8d, 0xcd, 0x59, 0x38]  // baseTimestamp 1479847795000
            + [0, 0, 0, 0, 0, 0, 0, 0]  // maxTimestamp 0
            + [0, 0, 0, 0, 0, 0, 0, 0]  // producerId 0
            + [0, 0]  // producerEpoch 0
            + [0, 0, 0, 0]  // baseSequence 0
            + [0, 0, 0, 1]  // recordsCount 1
    }

    /// "uncompressed record": 82 bytes, batchLength 70, CRC 0x547961fd.
    static let uncompressed: [UInt8] =
        header(batchLength: 0x46, crc: [0x54, 0x79, 0x61, 0xfd], codec: 0) + recordBytes

    /// The LZ4 frame of the records region: magic, FLG 0x64, BD 0x70, header checksum 0xb9,
    /// one stored (uncompressed) block of 21 bytes, EndMark, xxhash32 content checksum.
    static let lz4Frame: [UInt8] =
        [0x04, 0x22, 0x4d, 0x18, 0x64, 0x70, 0xb9, 0x15, 0x00, 0x00, 0x80] + recordBytes
        + [0x00, 0x00, 0x00, 0x00, 0x0c, 0x3b, 0xef, 0x92]

    /// "lz4 compressed record": batchLength 89, CRC 0xa94a77c5, attributes 3.
    static let lz4: [UInt8] = header(batchLength: 89, crc: [0xa9, 0x4a, 0x77, 0xc5], codec: 3) + lz4Frame

    /// The record both vectors hold.
    static let record = Record(
        timestampDelta: 5, offsetDelta: 0, key: ByteBuffer(bytes: [1, 2, 3, 4]), value: ByteBuffer(bytes: [5, 6, 7]),
        headers: [RecordHeader(key: "\u{08}\u{09}\u{0a}", value: ByteBuffer(bytes: [0x0b, 0x0c]))])
}

@Suite struct RecordBatchGoldenTests {
    func expectReferenceFields(_ batch: RecordBatch, batchLength: Int32, crc: UInt32, codec: CompressionCodec) {
        let header = batch.header
        #expect(header.baseOffset == 0)
        #expect(header.batchLength == batchLength)
        #expect(header.partitionLeaderEpoch == 0)
        #expect(header.magic == 2)
        #expect(header.crc == crc)
        #expect(header.attributes.compression == codec)
        #expect(header.attributes.timestampType == .createTime)
        #expect(!header.attributes.isTransactional)
        #expect(!header.attributes.isControlBatch)
        #expect(header.lastOffsetDelta == 0)
        #expect(header.baseTimestamp == 1_479_847_795_000)
        #expect(header.maxTimestamp == 0)
        #expect(header.producerId == 0)
        #expect(header.producerEpoch == 0)
        #expect(header.baseSequence == 0)
        #expect(header.recordCount == 1)
        #expect(batch.records == [GoldenBatches.record])
        #expect(batch.timestamp(of: batch.records[0]) == TimestampMs(1_479_847_795_005))
        #expect(batch.offset(of: batch.records[0]) == Offset(0))
    }

    @Test func uncompressedVectorDecodesAndReencodesExactly() throws {
        let bytes = ByteBuffer(bytes: GoldenBatches.uncompressed)
        #expect(bytes.readableBytes == 82)
        let batch = try RecordBatch.decode(bytes)
        expectReferenceFields(batch, batchLength: 70, crc: 0x5479_61fd, codec: .none)
        #expect(Array(batch.encoded().readableBytesView) == GoldenBatches.uncompressed)
    }

    @Test func lz4VectorDecodesAndReencodesExactly() throws {
        let bytes = ByteBuffer(bytes: GoldenBatches.lz4)
        #expect(bytes.readableBytes == 101)
        let batch = try RecordBatch.decode(bytes)
        expectReferenceFields(batch, batchLength: 89, crc: 0xa94a_77c5, codec: .lz4)
        #expect(Array(batch.encoded().readableBytesView) == GoldenBatches.lz4)
    }

    @Test func vectorCRCsRecomputeToTheStoredValues() throws {
        #expect(RecordBatchHeader.computeCRC(of: ByteBuffer(bytes: GoldenBatches.uncompressed)) == 0x5479_61fd)
        #expect(RecordBatchHeader.computeCRC(of: ByteBuffer(bytes: GoldenBatches.lz4)) == 0xa94a_77c5)
        // The LZ4 frame alone decompresses to the shared record bytes, and compresses back to it.
        let inflated = try LZ4Frame.decompress(ByteBuffer(bytes: GoldenBatches.lz4Frame))
        #expect(Array(inflated.readableBytesView) == GoldenBatches.recordBytes)
        let deflated = LZ4Frame.compress(ByteBuffer(bytes: GoldenBatches.recordBytes))
        #expect(Array(deflated.readableBytesView) == GoldenBatches.lz4Frame)
    }

    @Test func vectorsPassProducerValidation() throws {
        let plain = try RecordBatch.validate(ByteBuffer(bytes: GoldenBatches.uncompressed))
        #expect(plain.recordCount == 1)
        let lz4 = try RecordBatch.validate(ByteBuffer(bytes: GoldenBatches.lz4))
        #expect(lz4.totalSize == 101)
    }
}
