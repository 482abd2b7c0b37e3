// Goal: RecordBatch v2 encode/decode, produce validation, in-place offset rewriting and control
// batches behave as PROTOCOL.md §2 and the broker need them to.
// Method: hand-built batches (headers, null and empty keys and values, LZ4 and none) round-trip
// through bytes; each validation rule is broken once on purpose and must give its own error
// kind and Kafka code; the broker's append rewrite is applied and the CRC must still verify;
// a LEADER_CHANGE batch is built, its bytes checked against Kafka's schema by hand, and read
// back. Shared test helpers (seeded PRNG, sample records, temporary directory) are at the end.
import Foundation
import NIOCore
import Testing
import TernModel
@testable import TernWire

@Suite struct RecordBatchTests {
    @Test(arguments: [CompressionCodec.none, .lz4])
    func roundTripsRecordsWithHeadersAndNulls(codec: CompressionCodec) throws {
        let batch = RecordBatch(
            baseOffset: Offset(1000), partitionLeaderEpoch: 7, compression: codec,
            baseTimestamp: TimestampMs(1_700_000_000_000), producer: ProducerID(55), epoch: ProducerEpoch(2),
            baseSequence: Sequence(10), records: SampleRecords.mixed)
        let bytes = batch.encoded()
        #expect(bytes.readableBytes == batch.encoded().readableBytes)
        let decoded = try RecordBatch.decode(bytes)
        #expect(decoded.records == SampleRecords.mixed)
        #expect(decoded.header.baseOffset == 1000)
        #expect(decoded.header.partitionLeaderEpoch == 7)
        #expect(decoded.header.attributes.compression == codec)
        #expect(decoded.header.lastOffsetDelta == Int32(SampleRecords.mixed.count - 1))
        #expect(decoded.header.recordCount == Int32(SampleRecords.mixed.count))
        #expect(decoded.header.maxTimestamp == 1_700_000_000_000 + 40)
        #expect(decoded.header.producerId == 55)
        #expect(decoded.header.totalSize == bytes.readableBytes)
        #expect(decoded.records[1].key == nil)
        #expect(decoded.records[2].value == nil)
        #expect(decoded.records[3].key == ByteBuffer())
        #expect(Array(decoded.encoded().readableBytesView) == Array(bytes.readableBytesView))
        try RecordBatch.validate(bytes)
    }

    @Test func lz4BatchesAreSmallerForRepetitiveRecords() throws {
        let records = SampleRecords.jsonLike(count: 200)
        let plain = RecordBatch(baseTimestamp: TimestampMs(1), records: records).encoded()
        let lz4 = RecordBatch(compression: .lz4, baseTimestamp: TimestampMs(1), records: records).encoded()
        #expect(lz4.readableBytes < plain.readableBytes / 2)
        #expect(try RecordBatch.decode(lz4).records == records)
    }

    @Test func rewritingOffsetAndEpochKeepsTheCRCValid() throws {
        var bytes = RecordBatch(compression: .lz4, baseTimestamp: TimestampMs(5), records: SampleRecords.mixed)
            .encoded()
        let crcBefore = try RecordBatchHeader(parsing: bytes).crc
        RecordBatchHeader.rewrite(baseOffset: Offset(123_456_789), partitionLeaderEpoch: 42, in: &bytes)
        let header = try RecordBatchHeader.verifyCRC(of: bytes)
        #expect(header.baseOffset == 123_456_789)
        #expect(header.partitionLeaderEpoch == 42)
        #expect(header.crc == crcBefore)
        #expect(header.lastOffset == 123_456_789 + Int64(SampleRecords.mixed.count - 1))
        #expect(header.nextOffset == Offset(123_456_789 + Int64(SampleRecords.mixed.count)))
        let decoded = try RecordBatch.decode(bytes)
        #expect(decoded.offset(of: decoded.records[2]) == Offset(123_456_791))
        try RecordBatch.validate(bytes)
    }

    @Test func rewriteWorksAtANonZeroReaderIndex() throws {
        var buffer = ByteBuffer(bytes: [9, 9, 9])
        RecordBatch(baseTimestamp: TimestampMs(5), records: SampleRecords.mixed).encode(into: &buffer)
        buffer.moveReaderIndex(forwardBy: 3)
        RecordBatchHeader.rewrite(baseOffset: Offset(77), partitionLeaderEpoch: 3, in: &buffer)
        #expect(try RecordBatchHeader.verifyCRC(of: buffer).baseOffset == 77)
    }

    @Test func logAppendTimeStampRecomputesTheCRC() throws {
        var bytes = RecordBatch(baseTimestamp: TimestampMs(5), records: SampleRecords.mixed).encoded()
        RecordBatchHeader.stampLogAppendTime(TimestampMs(9_999), in: &bytes)
        let decoded = try RecordBatch.decode(bytes)
        #expect(decoded.header.attributes.timestampType == .logAppendTime)
        #expect(decoded.header.maxTimestamp == 9_999)
        #expect(decoded.timestamp(of: decoded.records[0]) == TimestampMs(9_999))
    }

    @Test(arguments: [CompressionCodec.gzip, .snappy, .zstd])
    func unsupportedCodecsAreRefusedWithKafkaCode76(codec: CompressionCodec) throws {
        let raw: Int16 = codec == .gzip ? 1 : codec == .snappy ? 2 : 4
        #expect(codec.rawValue == raw)
        #expect(!codec.isSupported)
        var bytes = RecordBatch(baseTimestamp: TimestampMs(5), records: SampleRecords.mixed).encoded()
        bytes.setInteger(raw, at: 21, endianness: .big)
        bytes.setInteger(RecordBatchHeader.computeCRC(of: bytes), at: 17, endianness: .big)
        let error = try #require(throws: RecordBatchError.self) { try RecordBatch.validate(bytes) }
        #expect(error.kind == .unsupportedCompression)
        #expect(error.kafkaErrorCode == 76)
        #expect(throws: RecordBatchError.self) { try RecordBatch.decode(bytes) }
        // Codecs 5–7 are not Kafka codecs at all.
        bytes.setInteger(Int16(6), at: 21, endianness: .big)
        bytes.setInteger(RecordBatchHeader.computeCRC(of: bytes), at: 17, endianness: .big)
        let unknown = try #require(throws: RecordBatchError.self) { try RecordBatch.decode(bytes) }
        #expect(unknown.kind == .unknownCompression)
    }

    @Test func leaderChangeControlBatchFollowsKafkasSchema() throws {
        let message = LeaderChangeMessage(
            leaderId: NodeID(2), voters: [NodeID(1), NodeID(2), NodeID(3)], grantingVoters: [NodeID(2), NodeID(3)])
        // Version 0 | LeaderId 2 | compact array of 3 {VoterId, no tags} | of 2 | no tags.
        let expectedValue: [UInt8] =
            [0, 0, 0, 0, 0, 2, 4, 0, 0, 0, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 3, 0]
            + [3, 0, 0, 0, 2, 0, 0, 0, 0, 3, 0, 0]
        #expect(Array(message.encoded.readableBytesView) == expectedValue)
        let batch = RecordBatch.leaderChange(
            baseOffset: Offset(41), term: Term(6), timestamp: TimestampMs(1_000), message: message)
        let bytes = batch.encoded()
        let decoded = try RecordBatch.decode(bytes)
        #expect(decoded.header.attributes.isControlBatch)
        #expect(!decoded.header.attributes.isTransactional)
        #expect(decoded.header.partitionLeaderEpoch == 6)
        #expect(decoded.header.producerId == -1)
        #expect(decoded.header.baseOffset == 41)
        #expect(Array(decoded.records[0].key!.readableBytesView) == [0, 0, 0, 2])
        #expect(try decoded.controlRecordTypes() == [.leaderChange])
        #expect(try decoded.leaderChangeMessage() == message)
        // A stored control batch passes integrity validation; a client may not produce one.
        try RecordBatch.validate(bytes, options: .integrity)
        let error = try #require(throws: RecordBatchError.self) { try RecordBatch.validate(bytes) }
        #expect(error.kind == .controlBatchNotAllowed)
        // Data batches have no control records and no leader change.
        let data = try RecordBatch.decode(
            RecordBatch(baseTimestamp: TimestampMs(1), records: SampleRecords.mixed).encoded())
        #expect(try data.leaderChangeMessage() == nil)
        #expect(try data.controlRecordTypes().isEmpty)
    }

    @Test func leaderChangeValueRefusesMalformedBytes() throws {
        let good = Array(LeaderChangeMessage(leaderId: NodeID(1), voters: [NodeID(1)], grantingVoters: []).encoded
            .readableBytesView)
        for length in 0..<good.count {
            #expect(throws: RecordBatchError.self) {
                try LeaderChangeMessage(decoding: ByteBuffer(bytes: good[..<length]))
            }
        }
        #expect(throws: RecordBatchError.self) { try LeaderChangeMessage(decoding: ByteBuffer(bytes: good + [0])) }
        // A voter count of 2^28 in a few bytes is refused before allocating.
        let hostile: [UInt8] = [0, 0, 0, 0, 0, 1, 0x80, 0x80, 0x80, 0x80, 0x01]
        #expect(throws: RecordBatchError.self) { try LeaderChangeMessage(decoding: ByteBuffer(bytes: hostile)) }
    }
}

// MARK: - Shared test helpers (used by the other RecordBatch, CRC32C and LZ4 suites)

/// Records covering the interesting encodings.
enum SampleRecords {
    static func bytes(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    /// Keys and values present, null, and empty; headers with null, empty and non-ASCII parts.
    static let mixed: [Record] = [
        Record(timestampDelta: 0, offsetDelta: 0, key: bytes("k0"), value: bytes("v0"),
               headers: [RecordHeader(key: "h", value: bytes("x")), RecordHeader(key: "nil", value: nil)]),
        Record(timestampDelta: 40, offsetDelta: 1, key: nil, value: bytes("no key")),
        Record(timestampDelta: 3, offsetDelta: 2, key: bytes("tombstone"), value: nil),
        Record(timestampDelta: -2, offsetDelta: 3, key: ByteBuffer(), value: ByteBuffer(),
               headers: [RecordHeader(key: "café", value: ByteBuffer()), RecordHeader(key: "", value: bytes("e"))]),
        Record(timestampDelta: 7, offsetDelta: 4, key: nil, value: nil),
    ]

    /// `count` records of about 100 bytes of JSON-like text.
    static func jsonLike(count: Int) -> [Record] {
        (0..<count).map { index in
            Record(
                timestampDelta: Int64(index), offsetDelta: Int32(index), key: bytes("user-\(index % 13)"),
                value: bytes("{\"id\":\(index),\"event\":\"click\",\"page\":\"/products/\(index % 17)\",\"ok\":true}"))
        }
    }
}

/// A temporary directory removed when the value is deinitialised.
final class TemporaryDirectory {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("tern-wire-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
}
