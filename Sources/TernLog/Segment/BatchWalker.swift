internal import NIOCore
internal import TernModel
internal import TernWire

/// Walks the batches of a segment file from a known batch boundary, checking each one, and
/// stops at the end, at the first defect, or where the visitor says.
enum BatchWalker {
    /// What the visitor wants done with a valid batch.
    enum Decision {
        case include
        case stopBefore
    }

    /// Why a walk ended, and where.
    enum Stop: Equatable {
        /// Every byte up to `end` was valid batches.
        case end
        /// The visitor stopped before the batch at `position`.
        case visitorStopped
        /// The bytes at `position` are not a valid next batch.
        case defect(BatchDefect)
    }

    /// Read-ahead when checksums are verified (whole batches are read).
    static let verifyingChunkSize = 1024 * 1024
    /// Read-ahead when only headers are read.
    static let headerChunkSize = 16 * 1024

    /// Walks `file` from `start` to `end`. With `verify`, each batch is read whole and its CRC
    /// checked; otherwise only headers are read, and `limit` (the segment's end offset) guards
    /// against acting on an unchecked, damaged last offset. Returns how the walk ended, the position it
    /// ended at (the start of the offending batch for a defect), and the offset expected there.
    static func walk(
        file: any LogFile, from start: Int, to end: Int, expected: Offset?, limit: Offset? = nil,
        previousEpoch: Int32?, verify: Bool, visit: (BatchSummary) -> Decision
    ) throws(LogFileError) -> (stop: Stop, position: Int, expected: Offset?) {
        var window = FileWindow(file: file, end: end, chunkSize: verify ? verifyingChunkSize : headerChunkSize)
        var position = start
        var expected = expected
        var epoch = previousEpoch
        // Bounded: every pass advances by a whole batch (at least 61 bytes) or returns.
        while position < end {
            let prefix = try window.bytes(at: position, count: RecordBatchHeader.size)
            let total: Int
            switch BatchInspector.totalSize(prefix: prefix, available: end - position) {
            case .failure(let defect): return (.defect(defect), position, expected)
            case .success(let size): total = size
            }
            let bytes = verify ? try window.bytes(at: position, count: total) : prefix
            let header: RecordBatchHeader
            switch BatchInspector.header(bytes) {
            case .failure(let defect): return (.defect(defect), position, expected)
            case .success(let parsed): header = parsed
            }
            if verify, let defect = BatchInspector.checksum(bytes, header: header) {
                return (.defect(defect), position, expected)
            }
            if let defect = BatchInspector.placement(
                header, expected: expected, limit: limit, previousEpoch: epoch) {
                return (.defect(defect), position, expected)
            }
            if visit(BatchInspector.summary(header, position: position)) == .stopBefore {
                return (.visitorStopped, position, expected)
            }
            expected = Offset(header.lastOffset + 1)
            epoch = header.partitionLeaderEpoch
            position += total
        }
        return (.end, position, expected)
    }

    /// What a search for valid batches after a defect found.
    enum ResyncResult: Equatable {
        /// A valid batch (checksum and all) starts here: the defect is damage, not a torn tail.
        case found(position: Int)
        /// No valid batch after the defect: it is a torn or garbage tail.
        case none
        /// The search budget ran out before an answer.
        case undetermined
    }

    /// Looks for any valid batch starting after `position` (a CRC-valid batch with magic 2 and
    /// an offset of at least `minimumOffset`), byte by byte, within `Limits.logRecoveryResyncBytesMax`
    /// of work. A valid batch after a bad one proves the bad one is damage in the middle of
    /// the log, which must not be truncated away.
    static func resync(
        file: any LogFile, after position: Int, end: Int, minimumOffset: Offset
    ) throws(LogFileError) -> ResyncResult {
        var window = FileWindow(file: file, end: end, chunkSize: verifyingChunkSize)
        var budget = Limits.logRecoveryResyncBytesMax
        var candidate = position + 1
        // Bounded by the file size and by the budget.
        while candidate + RecordBatchHeader.size <= end {
            budget -= 1
            guard budget > 0 else { return .undetermined }
            defer { candidate += 1 }
            let prefix = try window.bytes(at: candidate, count: RecordBatchHeader.size)
            guard prefix.getInteger(at: prefix.readerIndex + 16, as: Int8.self) == RecordBatchHeader.currentMagic else {
                continue
            }
            guard case .success(let total) = BatchInspector.totalSize(prefix: prefix, available: end - candidate),
                case .success(let header) = BatchInspector.header(prefix),
                header.baseOffset >= minimumOffset.rawValue
            else { continue }
            budget -= total
            guard budget > 0 else { return .undetermined }
            let bytes = try window.bytes(at: candidate, count: total)
            if BatchInspector.checksum(bytes, header: header) == nil { return .found(position: candidate) }
        }
        return .none
    }
}
