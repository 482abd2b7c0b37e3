// Test support: after a broker stopped, every partition log of its data directory is opened
// with full verification (CRC-32C and lengths of every batch, offsets continuous, epochs not
// decreasing) and read from start to end, the way TernLog's recovery would judge it.
import Foundation
import NIOCore
import TernLog
import TernModel
import TernWire

/// What a scrub found in one partition directory.
struct ScrubResult: CustomStringConvertible {
    var partition: String
    var batches = 0
    var logStart = Offset.zero
    var logEnd = Offset.zero
    var problem: String?
    var description: String {
        "\(partition): \(batches) batches [\(logStart), \(logEnd))" + (problem.map { " PROBLEM: \($0)" } ?? "")
    }
}

/// Scrubs every partition under `<dataDirectory>/topics` (the broker must be stopped).
func scrubPartitions(dataDirectory: String) throws -> [ScrubResult] {
    let topics = dataDirectory + "/topics"
    let names = try FileManager.default.contentsOfDirectory(atPath: topics).sorted()
    return names.map { name in
        var result = ScrubResult(partition: name)
        do {
            let log = try SegmentedLog.open(
                directory: topics + "/" + name, fileSystem: PosixFileSystem(),
                configuration: LogConfiguration(openVerification: .allSegments), now: TimestampMs(0))
            result.logStart = log.logStartOffset
            result.logEnd = log.logEndOffset
            if let corruption = log.corruption { result.problem = "damage \(corruption)" }
            var next = log.logStartOffset
            // Bounded by the log's end: every read advances by at least one batch.
            while next < log.logEndOffset, result.problem == nil {
                var bytes = try log.readBytes(from: next, maxBytes: 4 * 1024 * 1024)
                guard bytes.readableBytes > 0 else {
                    result.problem = "read at \(next) returned nothing before the end \(log.logEndOffset)"
                    break
                }
                while bytes.readableBytes > 0 {
                    let header = try RecordBatchHeader(parsing: bytes)
                    guard let batch = bytes.readSlice(length: header.totalSize) else {
                        result.problem = "a batch at \(header.baseOffset) is cut"
                        break
                    }
                    _ = try RecordBatch.validate(batch, options: .integrity)
                    result.batches += 1
                    next = header.lastOffsetTyped.next
                }
            }
        } catch {
            result.problem = "\(error)"
        }
        return result
    }
}
