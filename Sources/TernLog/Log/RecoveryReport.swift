public import TernModel

/// What `SegmentedLog.open` found and did, for the operator's log and for tests.
public struct RecoveryReport: Sendable, Equatable {
    /// Segments found in the directory.
    public var segmentsOpened = 0
    /// Bytes checked batch by batch (CRC, length, offsets).
    public var bytesScanned = 0
    /// Bytes cut from the tail (a torn or corrupt last write).
    public var truncatedBytes = 0
    /// Why the tail was cut, when it was.
    public var tailDefect: BatchDefect?
    /// Base offsets of segments whose indexes were missing or damaged and rebuilt from the log.
    public var indexesRebuilt: [Offset] = []
    /// Base offsets of segments whose index files had a stale or cut tail, trimmed.
    public var indexesTrimmed: [Offset] = []
    /// Index files without a log file, removed.
    public var orphanFilesRemoved: [String] = []
    /// Damage found before the tail (never truncated; see `LogCorruption`).
    public var corruption: LogCorruption?
    /// True when the directory held no segment and an empty log was created.
    public var createdEmptyLog = false

    /// Creates an empty report.
    public init() {}

    /// True when nothing was wrong.
    public var isClean: Bool {
        truncatedBytes == 0 && indexesRebuilt.isEmpty && indexesTrimmed.isEmpty && orphanFilesRemoved.isEmpty
            && corruption == nil
    }
}
