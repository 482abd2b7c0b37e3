// Goal: no byte sequence makes the batch decoder or validator crash, loop or over-allocate.
// Method: bounded, seeded loops over (1) every truncation of a plain and an LZ4 batch, (2) every
// single-bit flip of a small batch, with and without re-sealing the CRC and batchLength so the
// mutation reaches the record and LZ4 parsers instead of stopping at the CRC check, (3) random
// multi-byte mutations of a larger LZ4 batch, re-sealed, and (4) random byte strings behind a
// plausible header. Outcomes may be an error or a decoded batch; a decoded batch must re-encode
// and its record count must match its header (the decoder may not invent records).
import NIOCore
import Testing
import TernModel
@testable import TernWire

@Suite struct RecordBatchFuzzTests {
    static let plain = RecordBatch(baseTimestamp: TimestampMs(1), records: SampleRecords.mixed).encoded()
    static let lz4 = RecordBatch(compression: .lz4, baseTimestamp: TimestampMs(1), records: SampleRecords.mixed)
        .encoded()

    /// Decodes and validates `bytes`; every outcome but a crash is acceptable, and a success
    /// must be self-consistent.
    static func exercise(_ bytes: ByteBuffer) {
        if let batch = try? RecordBatch.decode(bytes, maxDecompressedBytes: 1 << 20) {
            #expect(batch.records.count == Int(batch.header.recordCount))
            #expect(batch.header.totalSize <= bytes.readableBytes)
        }
        _ = try? RecordBatch.validate(bytes, options: .produce)
        _ = try? RecordBatch.validate(bytes, options: .integrity)
        _ = try? RecordBatchHeader(parsing: bytes)
        _ = RecordBatchHeader.computeCRC(of: bytes)
    }

    @Test func everyTruncationIsRefused() {
        for batch in [Self.plain, Self.lz4] {
            for length in 0..<batch.readableBytes {
                let prefix = batch.getSlice(at: 0, length: length)!
                #expect(throws: RecordBatchError.self) { try RecordBatch.decode(prefix) }
                #expect(throws: RecordBatchError.self) { try RecordBatch.validate(prefix) }
                // Re-sealed truncations are well-framed but their records are cut short.
                if length >= RecordBatchHeader.size {
                    let sealed = RecordBatchValidationTests.resealed(prefix)
                    #expect(throws: RecordBatchError.self) { try RecordBatch.validate(sealed) }
                }
            }
        }
    }

    @Test func everyBitFlipIsDetectedOrHarmless() {
        for batch in [Self.plain, Self.lz4] {
            for bit in 0..<(batch.readableBytes * 8) {
                var mutated = batch
                let index = bit / 8
                mutated.setInteger(mutated.getInteger(at: index, as: UInt8.self)! ^ UInt8(1 << (bit % 8)), at: index)
                // Without re-sealing, a flip anywhere the CRC covers must be caught.
                if index >= RecordBatchHeader.crcCoverageStart {
                    #expect(throws: RecordBatchError.self) { try RecordBatch.decode(mutated) }
                }
                Self.exercise(mutated)
                if index >= RecordBatchHeader.size {
                    Self.exercise(RecordBatchValidationTests.resealed(mutated))
                }
            }
        }
    }

    @Test func randomMutationsOfALargeBatch() {
        let batch = RecordBatch(
            compression: .lz4, baseTimestamp: TimestampMs(1), records: SampleRecords.jsonLike(count: 120)
        ).encoded()
        let plainBatch = RecordBatch(
            baseTimestamp: TimestampMs(1), records: SampleRecords.jsonLike(count: 100)
        ).encoded()
        var generator = SplitMix64(seed: 0xF022)
        for round in 0..<600 {
            var mutated = round % 2 == 0 ? batch : plainBatch
            for _ in 0..<Int.random(in: 1...8, using: &generator) {
                let index = Int.random(in: RecordBatchHeader.size..<mutated.readableBytes, using: &generator)
                mutated.setInteger(UInt8.random(in: 0...255, using: &generator), at: index)
            }
            Self.exercise(RecordBatchValidationTests.resealed(mutated))
        }
    }

    @Test func randomBytesBehindAPlausibleHeader() {
        var generator = SplitMix64(seed: 0xBAD)
        let header = Array(Self.plain.readableBytesView.prefix(RecordBatchHeader.size))
        for _ in 0..<3000 {
            let tail = (0..<Int.random(in: 0..<200, using: &generator)).map { _ in
                UInt8.random(in: 0...255, using: &generator)
            }
            var bytes = ByteBuffer(bytes: header + tail)
            let codec = Int16.random(in: 0...7, using: &generator)
            bytes.setInteger(codec, at: 21, endianness: .big)
            bytes.setInteger(Int32.random(in: -2...50, using: &generator), at: 57, endianness: .big)
            Self.exercise(RecordBatchValidationTests.resealed(bytes))
            Self.exercise(ByteBuffer(bytes: tail))
        }
    }
}
