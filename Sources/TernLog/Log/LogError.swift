public import TernModel

/// Where the log found bytes it cannot trust, below its tail: the first offset not served.
///
/// Recovery truncates a torn tail silently (reporting it); damage anywhere else is never
/// truncated away, because those batches may be committed and held nowhere else on this node.
/// The log instead refuses reads at or after `offset` and refuses appends, until the owner
/// truncates below it (`truncate(after:)`) and refills from a peer (ARCHITECTURE.md decision 7:
/// such a replica does not vote or lead until repaired).
public struct LogCorruption: Sendable, Equatable, CustomStringConvertible {
    /// The first offset whose batch failed a check (reads at or after it are refused).
    public var offset: Offset
    /// The segment holding the damage.
    public var segmentBaseOffset: Offset
    /// Byte position of the damaged batch in that segment.
    public var position: Int
    /// What was wrong.
    public var defect: BatchDefect

    /// Creates a corruption record.
    public init(offset: Offset, segmentBaseOffset: Offset, position: Int, defect: BatchDefect) {
        self.offset = offset
        self.segmentBaseOffset = segmentBaseOffset
        self.position = position
        self.defect = defect
    }

    /// One line for logs.
    public var description: String {
        "\(defect) at offset \(offset) (segment \(segmentBaseOffset), byte \(position))"
    }
}

/// Why a log operation failed. A struct wrapping a kind (STYLE.md "Errors"), with the file
/// error or corruption behind it when there is one.
public struct LogError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The class of failure; compare against the static members.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case io, invalidBatch, batchTooLarge, offsetOutOfRange, corrupted, failed, notBatchBoundary
            case truncationBelowLogStart, invalidConfiguration, tooManySegments
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A file operation failed (`fileError` says which). Writes were rolled back if possible.
        public static let io = Kind(.io)
        /// An appended batch is malformed, fails its CRC, or does not continue the log
        /// (`defect` says how); nothing was written.
        public static let invalidBatch = Kind(.invalidBatch)
        /// An appended batch is larger than a segment may be.
        public static let batchTooLarge = Kind(.batchTooLarge)
        /// A read asked for an offset before the log start or after the log end.
        public static let offsetOutOfRange = Kind(.offsetOutOfRange)
        /// The bytes at the asked offset failed a check (`corruption` says where); see `LogCorruption`.
        public static let corrupted = Kind(.corrupted)
        /// An earlier fsync or rollback failed, so the file state is unknown: the log refuses
        /// everything until it is closed and opened again (which recovers from the disk).
        public static let failed = Kind(.failed)
        /// Truncation must cut between batches; the offset is inside one.
        public static let notBatchBoundary = Kind(.notBatchBoundary)
        /// Truncation below the log start (use `reset(startingAt:)`).
        public static let truncationBelowLogStart = Kind(.truncationBelowLogStart)
        /// A configuration value is out of range.
        public static let invalidConfiguration = Kind(.invalidConfiguration)
        /// The directory holds more segments than `Limits.logSegmentsMax`.
        public static let tooManySegments = Kind(.tooManySegments)

        /// The kind's name, for logs.
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var kind: Kind
    /// Specifics for an operator.
    public var detail: String
    /// The file-system error behind an `io` or `failed` error.
    public var fileError: LogFileError?
    /// The damage behind a `corrupted` error.
    public var corruption: LogCorruption?
    /// The batch defect behind an `invalidBatch` error.
    public var defect: BatchDefect?

    /// Creates an error.
    public init(
        _ kind: Kind, _ detail: String, fileError: LogFileError? = nil, corruption: LogCorruption? = nil,
        defect: BatchDefect? = nil
    ) {
        self.kind = kind
        self.detail = detail
        self.fileError = fileError
        self.corruption = corruption
        self.defect = defect
    }

    static func io(_ error: LogFileError) -> LogError { LogError(.io, error.description, fileError: error) }

    static func corrupted(_ corruption: LogCorruption) -> LogError {
        LogError(.corrupted, corruption.description, corruption: corruption)
    }

    /// One line for logs.
    public var description: String { "log \(kind): \(detail)" }
}
