internal import NIOCore
public import TernModel

/// A partition's log: RecordBatches in segment files named by base offset, with sparse offset
/// and time indexes, recovery on open, truncation, retention and an fsync policy.
///
/// Offsets are Kafka offsets and Raft indexes at once (ARCHITECTURE.md decision 2): a batch
/// spans `[baseOffset, lastOffset]`, appended with its offsets already assigned; the log checks
/// they continue from `logEndOffset`. Batches are stored byte for byte as given (Kafka's
/// on-disk format), so a fetch can send file regions without re-encoding.
///
/// One owner: a `SegmentedLog` is touched only by its partition's serial executor and is not
/// `Sendable`. Its calls block on the disk (fsync, reads), so that executor must not be an
/// event loop (decision 6). Time is never read here: callers pass `now` from their clock.
///
/// Durability: bytes below `durableEndOffset` were fsynced. Damage before the tail is never
/// served nor truncated: see `LogCorruption`.
public final class SegmentedLog {
    /// The directory holding the segment files.
    public let directory: String
    /// The settings this log runs with.
    public private(set) var configuration: LogConfiguration
    /// What `open` found and did.
    public internal(set) var recoveryReport: RecoveryReport

    let fileSystem: any LogFileSystem
    let allocator = ByteBufferAllocator()
    /// Ascending by base offset, never empty; the last one is the active segment.
    var segments: [Segment]
    /// Set when an fsync or a rollback failed: the log refuses everything after.
    var failure: LogError?
    /// The lowest damage found (at open or by a read), if any.
    public internal(set) var corruption: LogCorruption?
    /// Everything below this offset was fsynced.
    public internal(set) var durableEndOffset: Offset
    /// Bytes written since the last fsync.
    var unsyncedBytes = 0
    /// When the oldest unsynced append happened (for the interval policy).
    var firstUnsyncedAppend: TimestampMs?

    init(
        directory: String, configuration: LogConfiguration, fileSystem: any LogFileSystem, segments: [Segment],
        report: RecoveryReport
    ) {
        precondition(!segments.isEmpty, "a log has an active segment")
        self.directory = directory
        self.configuration = configuration
        self.fileSystem = fileSystem
        self.segments = segments
        self.recoveryReport = report
        self.corruption = report.corruption
        self.durableEndOffset = segments[segments.count - 1].nextOffset
    }

    /// The first offset still in the log (retention moves it forward).
    public var logStartOffset: Offset { segments[0].baseOffset }
    /// The offset the next appended batch must start at (one past the last record).
    public var logEndOffset: Offset { segments[segments.count - 1].nextOffset }
    /// Bytes of batches in all segments.
    public var sizeInBytes: Int { segments.reduce(0) { $0 + $1.size } }
    /// Base offsets of the segments, oldest first (the last is the active segment).
    public var segmentBaseOffsets: [Offset] { segments.map(\.baseOffset) }
    /// True when every appended byte has been fsynced.
    public var isFullySynced: Bool { durableEndOffset == logEndOffset && unsyncedBytes == 0 }

    var activeSegment: Segment { segments[segments.count - 1] }

    /// Throws if the log is in the failed state.
    func checkUsable() throws(LogError) {
        if let failure { throw LogError(.failed, "log failed earlier: \(failure.detail)", fileError: failure.fileError) }
    }

    /// Enters the failed state after an error that leaves the files in an unknown state.
    func fail(_ error: LogFileError) -> LogError {
        let logError = LogError(.failed, error.description, fileError: error)
        failure = logError
        return logError
    }

    /// Records damage, keeping the lowest offset.
    func record(_ found: LogCorruption) {
        if let existing = corruption, existing.offset <= found.offset { return }
        corruption = found
    }

    /// Index of the segment holding `offset` (the last with base <= offset), nil if before all.
    func segmentIndex(containing offset: Offset) -> Int? {
        var low = 0
        var high = segments.count
        while low < high {
            let middle = (low + high) / 2
            if segments[middle].baseOffset <= offset { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? nil : low - 1
    }
}

@available(*, unavailable)
extension SegmentedLog: Sendable {}

extension SegmentedLog {
    /// Replaces the settings of an open log (a topic config changed). Sizes and ages apply from
    /// the next append and retention pass; the fsync policy and the initial offset stay, since
    /// durability is a broker-wide choice and the offset only matters for a new log.
    public func reconfigure(_ newConfiguration: LogConfiguration) throws(LogError) {
        var updated = newConfiguration
        updated.fsyncPolicy = configuration.fsyncPolicy
        updated.initialOffset = configuration.initialOffset
        try updated.validate()
        configuration = updated
    }
}
