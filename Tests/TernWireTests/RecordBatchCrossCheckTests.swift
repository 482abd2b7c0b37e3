// Goal: Tern's batches agree with an independent implementation, kafka-python's record code.
// Method: Fixtures/kafka_crosscheck.py (a) decodes batches Tern encoded (with and without LZ4,
// idempotent and transactional, headers, null keys and values) with kafka-python's
// DefaultRecordBatch and prints every field as JSON, which we compare with what we encoded;
// (b) builds batches with kafka-python's DefaultRecordBatchBuilder, printing the bytes and the
// builder's inputs, which Tern must decode to exactly those inputs (and, when uncompressed,
// re-encode to the same bytes). The suite is skipped, with a message saying so, only when
// python3 cannot import kafka-python and its LZ4 codec (`pip install kafka-python lz4`).
import Foundation
import NIOCore
import Testing
import TernModel
@testable import TernWire

enum KafkaPython {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/kafka_crosscheck.py")

    /// Whether `python3` can import kafka-python and lz4 (kafka-python's LZ4 codec needs it).
    static let available: Bool = {
        (try? run(["-c", "import kafka, lz4"], input: Data())) != nil
    }()

    /// Runs python3 with `arguments`, feeding `input`; returns stdout, throws on failure.
    static func run(_ arguments: [String], input: Data) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CrossCheckFailure(message: String(decoding: errors, as: UTF8.self))
        }
        return output
    }

    struct CrossCheckFailure: Error { let message: String }
}

@Suite(.enabled(if: KafkaPython.available, "python3 cannot import kafka-python and lz4: cross-check skipped"))
struct RecordBatchCrossCheckTests {
    /// Batches Tern encodes for kafka-python to read.
    static let ternBatches: [RecordBatch] = [
        RecordBatch(baseOffset: Offset(0), baseTimestamp: TimestampMs(1_700_000_000_000), records: SampleRecords.mixed),
        RecordBatch(
            baseOffset: Offset(500), partitionLeaderEpoch: 9, compression: .lz4,
            baseTimestamp: TimestampMs(1_700_000_000_000), records: SampleRecords.mixed),
        RecordBatch(
            compression: .lz4, baseTimestamp: TimestampMs(42), producer: ProducerID(31), epoch: ProducerEpoch(4),
            baseSequence: Sequence(1000), records: SampleRecords.jsonLike(count: 150)),
        RecordBatch(
            baseTimestamp: TimestampMs(7), producer: ProducerID(8), epoch: ProducerEpoch(0),
            baseSequence: Sequence(0), isTransactional: true, records: SampleRecords.jsonLike(count: 3)),
    ]

    static func hex(_ buffer: ByteBuffer?) -> Any {
        guard let buffer else { return NSNull() }
        return buffer.readableBytesView.map { String(format: "%02x", $0) }.joined()
    }

    static func buffer(hex value: Any?) -> ByteBuffer? {
        guard let text = value as? String else { return nil }
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return ByteBuffer(bytes: bytes)
    }

    @Test func kafkaPythonReadsTernBatches() throws {
        let lines = Self.ternBatches.map { Self.hex($0.encoded()) as! String }.joined(separator: "\n")
        let output = try KafkaPython.run([KafkaPython.script.path, "decode"], input: Data(lines.utf8))
        let decoded = try #require(try JSONSerialization.jsonObject(with: output) as? [[String: Any]])
        try #require(decoded.count == Self.ternBatches.count)
        for (batch, fields) in zip(Self.ternBatches, decoded) {
            let header = try RecordBatch.decode(batch.encoded()).header
            #expect(fields["crc_valid"] as? Bool == true)
            #expect(fields["crc"] as? Int == Int(header.crc))
            #expect(fields["base_offset"] as? Int == Int(header.baseOffset))
            #expect(fields["partition_leader_epoch"] as? Int == Int(header.partitionLeaderEpoch))
            #expect(fields["compression_type"] as? Int == Int(header.attributes.codecNumber))
            #expect(fields["is_transactional"] as? Bool == header.attributes.isTransactional)
            #expect(fields["last_offset_delta"] as? Int == Int(header.lastOffsetDelta))
            #expect(fields["first_timestamp"] as? Int == Int(header.baseTimestamp))
            #expect(fields["max_timestamp"] as? Int == Int(header.maxTimestamp))
            #expect(fields["producer_id"] as? Int == Int(header.producerId))
            #expect(fields["producer_epoch"] as? Int == Int(header.producerEpoch))
            #expect(fields["base_sequence"] as? Int == Int(header.baseSequence))
            #expect(fields["records_count"] as? Int == batch.records.count)
            let records = try #require(fields["records"] as? [[String: Any]])
            try #require(records.count == batch.records.count)
            for (record, seen) in zip(batch.records, records) {
                #expect(seen["offset"] as? Int == Int(batch.offset(of: record).rawValue))
                #expect(seen["timestamp"] as? Int == Int(batch.timestamp(of: record).rawValue))
                #expect(Self.buffer(hex: seen["key"]) == record.key)
                #expect(Self.buffer(hex: seen["value"]) == record.value)
                let headers = try #require(seen["headers"] as? [[Any]])
                #expect(headers.map { $0[0] as? String } == record.headers.map(\.key))
                #expect(headers.map { Self.buffer(hex: $0[1]) } == record.headers.map(\.value))
            }
        }
    }

    @Test func ternReadsKafkaPythonBatches() throws {
        let output = try KafkaPython.run([KafkaPython.script.path, "build"], input: Data())
        let cases = try #require(try JSONSerialization.jsonObject(with: output) as? [[String: Any]])
        try #require(cases.count >= 6)
        for testCase in cases {
            let name = testCase["name"] as? String ?? "?"
            let bytes = try #require(Self.buffer(hex: testCase["hex"]))
            let expected = try #require(testCase["expected"] as? [String: Any])
            let batch = try RecordBatch.decode(bytes)
            try RecordBatch.validate(bytes)
            let header = batch.header
            #expect(Int(header.attributes.codecNumber) == expected["compression_type"] as? Int, "\(name)")
            #expect(header.attributes.isTransactional == expected["is_transactional"] as? Bool, "\(name)")
            #expect(Int(header.producerId) == expected["producer_id"] as? Int, "\(name)")
            #expect(Int(header.producerEpoch) == expected["producer_epoch"] as? Int, "\(name)")
            #expect(Int(header.baseSequence) == expected["base_sequence"] as? Int, "\(name)")
            #expect(Int(header.baseTimestamp) == expected["first_timestamp"] as? Int, "\(name)")
            #expect(Int(header.maxTimestamp) == expected["max_timestamp"] as? Int, "\(name)")
            #expect(Int(header.lastOffsetDelta) == expected["last_offset_delta"] as? Int, "\(name)")
            let records = try #require(expected["records"] as? [[String: Any]])
            try #require(records.count == batch.records.count, "\(name)")
            for (record, want) in zip(batch.records, records) {
                #expect(Int(batch.offset(of: record).rawValue) == want["offset"] as? Int, "\(name)")
                #expect(Int(batch.timestamp(of: record).rawValue) == want["timestamp"] as? Int, "\(name)")
                #expect(record.key == Self.buffer(hex: want["key"]), "\(name)")
                #expect(record.value == Self.buffer(hex: want["value"]), "\(name)")
                let headers = try #require(want["headers"] as? [[Any]])
                #expect(record.headers.map(\.key) == headers.map { $0[0] as? String }, "\(name)")
                #expect(record.headers.map(\.value) == headers.map { Self.buffer(hex: $0[1]) }, "\(name)")
            }
            if header.attributes.compression == CompressionCodec.none {
                #expect(batch.encoded() == bytes, "\(name): re-encoding changed the bytes")
            } else {
                // Our LZ4 frame differs from python-lz4's, so only the length and CRC may change.
                let again = try RecordBatch.decode(batch.encoded())
                #expect(again.records == batch.records, "\(name)")
                var sameHeader = again.header
                sameHeader.batchLength = header.batchLength
                sameHeader.crc = header.crc
                #expect(sameHeader == header, "\(name)")
            }
        }
    }
}
