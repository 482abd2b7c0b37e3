// Shared fixtures for the TernLog tests: a builder of valid RecordBatch v2 bytes (61-byte
// header, opaque records region, correct CRC-32C), helpers to open a log on either file system
// and to read a whole log back as batches, and a temporary directory for the POSIX tests.
import Foundation
import NIOCore
import TernModel
import TernWire

@testable import TernLog

/// Builds valid batches. The records region is opaque bytes here: the log never looks inside it,
/// only at the header and the CRC, so any bytes make a valid batch for storage purposes.
struct BatchFactory {
    var epoch: Int32 = 1

    /// A batch at `baseOffset` holding `records` offsets, `payload` bytes of records region,
    /// with max timestamp `timestamp`.
    func batch(baseOffset: Int64, records: Int32 = 1, payload: Int = 40, timestamp: Int64 = 1_000) -> ByteBuffer {
        precondition(records >= 1)
        var header = RecordBatchHeader(
            baseOffset: baseOffset, batchLength: Int32(RecordBatchHeader.size - 12 + payload),
            partitionLeaderEpoch: epoch, lastOffsetDelta: records - 1, baseTimestamp: timestamp,
            maxTimestamp: timestamp, recordCount: records)
        var buffer = ByteBufferAllocator().buffer(capacity: RecordBatchHeader.size + payload)
        header.write(to: &buffer)
        var state = UInt64(bitPattern: baseOffset) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(payload)
        for _ in 0..<payload {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            buffer.writeInteger(UInt8(truncatingIfNeeded: state >> 33))
        }
        header.crc = RecordBatchHeader.computeCRC(of: buffer)
        buffer.setInteger(header.crc, at: 17, endianness: .big)
        return buffer
    }
}

/// A log's contents as (base offset, last offset) pairs, for comparisons.
struct StoredBatch: Equatable, CustomStringConvertible {
    var baseOffset: Int64
    var lastOffset: Int64
    var bytes: [UInt8]
    var description: String { "[\(baseOffset)...\(lastOffset)]" }
}

enum LogFixture {
    static let directory = "/data/topic-0"

    /// Appends `count` batches of `records` offsets each from the log end, returning them.
    @discardableResult
    static func appendBatches(
        _ log: SegmentedLog, count: Int, records: Int32 = 1, payload: Int = 40, timestamp: Int64 = 1_000,
        sync: Bool = true, factory: BatchFactory = BatchFactory()
    ) throws -> [StoredBatch] {
        var appended: [StoredBatch] = []
        for index in 0..<count {
            let base = log.logEndOffset.rawValue
            let batch = factory.batch(
                baseOffset: base, records: records, payload: payload, timestamp: timestamp + Int64(index))
            if sync { try log.append(batch, now: TimestampMs(timestamp)) } else {
                try log.appendUnsynced(batch, now: TimestampMs(timestamp))
            }
            appended.append(StoredBatch(
                baseOffset: base, lastOffset: base + Int64(records) - 1, bytes: Array(batch.readableBytesView)))
        }
        return appended
    }

    /// Splits concatenated batch bytes into batches (the bytes are trusted: they came from a read).
    static func split(_ buffer: ByteBuffer) -> [StoredBatch] {
        var buffer = buffer
        var batches: [StoredBatch] = []
        while buffer.readableBytes >= RecordBatchHeader.size {
            let header = try! RecordBatchHeader(parsing: buffer)
            let bytes = buffer.readBytes(length: header.totalSize)!
            batches.append(StoredBatch(baseOffset: header.baseOffset, lastOffset: header.lastOffset, bytes: bytes))
        }
        precondition(buffer.readableBytes == 0, "reads return whole batches")
        return batches
    }

    /// Reads the whole log from its start in small reads, as a consumer would.
    static func readAll(_ log: SegmentedLog, maxBytes: Int = 1_000) throws -> [StoredBatch] {
        var batches: [StoredBatch] = []
        var next = log.logStartOffset
        // Bounded by the log's size: each read returns at least one batch or stops.
        for _ in 0..<1_000_000 {
            guard next < log.logEndOffset else { break }
            let result = try log.read(from: next, maxBytes: maxBytes)
            if result.isEmpty { break }
            batches += split(try result.readBytes())
            next = result.nextOffset
        }
        return batches
    }
}

/// A fresh directory under the system temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init(_ label: String) {
        path = NSTemporaryDirectory() + "ternlog-\(label)-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
