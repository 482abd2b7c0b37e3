public import TernModel
internal import TernWire

/// When appended bytes are made durable (ARCHITECTURE.md decision 7).
public enum FsyncPolicy: Sendable, Equatable {
    /// Every `append` returns only after an fsync covering it (group commit: `append(contentsOf:)`
    /// or `appendUnsynced` + `sync()` share one fsync). The default, and what acks=all needs.
    case always
    /// Relaxed, for those who choose it: appends return after the write; an fsync happens once
    /// `bytes` are unsynced or the oldest unsynced append is `milliseconds` old, measured on the
    /// caller's clock at each `append` or `syncIfDue(now:)`. A crash can lose what was unsynced.
    case interval(milliseconds: Int64, bytes: Int)
}

/// How much of the log `SegmentedLog.open` checks batch by batch.
public enum OpenVerification: Sendable, Equatable {
    /// Each segment from its last valid index point to its end (the torn-tail check, cheap);
    /// the rest is verified by the first read that covers it.
    case segmentTails
    /// Every byte of every segment (startup reads the whole log; a scrub).
    case allSegments
}

/// Settings of one log (a partition's topic config, in Kafka's names where one exists).
public struct LogConfiguration: Sendable, Equatable {
    /// Roll to a new segment before one passes this size (Kafka `segment.bytes`, 1 GiB).
    public var segmentBytes: Int
    /// Roll an active segment whose first append is this old, in ms (Kafka `segment.ms`, 7 days;
    /// nil: never by age).
    public var segmentMs: Int64?
    /// Bytes between sparse index points (Kafka `index.interval.bytes`, 4096).
    public var indexIntervalBytes: Int
    /// When appends are fsynced.
    public var fsyncPolicy: FsyncPolicy
    /// Delete old segments while the log stays at least this large without them (Kafka
    /// `retention.bytes`; nil: no size limit, Kafka's -1).
    public var retentionBytes: Int?
    /// Delete segments whose newest batch is older than this, in ms (Kafka `retention.ms`,
    /// 7 days; nil: keep forever).
    public var retentionMs: Int64?
    /// The offset of the first segment of a brand-new (empty directory) log.
    public var initialOffset: Offset
    /// What `open` checks.
    public var openVerification: OpenVerification

    /// Kafka's defaults, fsync `always`.
    public init(
        segmentBytes: Int = 1024 * 1024 * 1024, segmentMs: Int64? = 7 * 24 * 3_600_000,
        indexIntervalBytes: Int = 4096, fsyncPolicy: FsyncPolicy = .always, retentionBytes: Int? = nil,
        retentionMs: Int64? = 7 * 24 * 3_600_000, initialOffset: Offset = .zero,
        openVerification: OpenVerification = .segmentTails
    ) {
        self.segmentBytes = segmentBytes
        self.segmentMs = segmentMs
        self.indexIntervalBytes = indexIntervalBytes
        self.fsyncPolicy = fsyncPolicy
        self.retentionBytes = retentionBytes
        self.retentionMs = retentionMs
        self.initialOffset = initialOffset
        self.openVerification = openVerification
    }

    /// Refuses settings the log cannot honour (they come from topic configs, i.e. users).
    public func validate() throws(LogError) {
        func refuse(_ detail: String) -> LogError { LogError(.invalidConfiguration, detail) }
        guard segmentBytes >= RecordBatchHeader.size, segmentBytes <= Limits.logSegmentBytesMax else {
            throw refuse("segmentBytes \(segmentBytes) outside \(RecordBatchHeader.size)...\(Limits.logSegmentBytesMax)")
        }
        guard indexIntervalBytes >= 1 else { throw refuse("indexIntervalBytes must be positive") }
        if let segmentMs, segmentMs < 1 { throw refuse("segmentMs must be positive") }
        if let retentionBytes, retentionBytes < 0 { throw refuse("retentionBytes must not be negative") }
        if let retentionMs, retentionMs < 0 { throw refuse("retentionMs must not be negative") }
        guard initialOffset.rawValue >= 0 else { throw refuse("initialOffset must not be negative") }
        if case .interval(let milliseconds, let bytes) = fsyncPolicy {
            guard milliseconds >= 0, bytes >= 0 else { throw refuse("fsync interval must not be negative") }
        }
    }
}
