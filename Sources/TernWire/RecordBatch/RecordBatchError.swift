/// Why a RecordBatch (or its LZ4 records region) was refused.
///
/// A struct wrapping a kind (STYLE.md "Errors"), so kinds can be added without breaking callers
/// that only log the error or map it to a Kafka error code. Every path that reads batch bytes
/// from outside throws this instead of trapping: the bytes may be truncated, corrupt or hostile.
public struct RecordBatchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure; compare with `==` against the static members (`.crcMismatch`, …).
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case truncated, badMagic, badBatchLength, batchTooLarge, crcMismatch
            case unsupportedCompression, unknownCompression, decompressionFailed, decompressedTooLarge
            case malformedRecord, recordCountMismatch, tooManyRecords, tooManyHeaders
            case invalidHeaderKey, trailingBytes, invalidOffsetDelta, invalidLastOffsetDelta
            case emptyBatch, controlBatchNotAllowed, malformedControlRecord, invalidProducerFields
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Fewer bytes than the header or `batchLength` promises.
        public static let truncated = Kind(.truncated)
        /// `magic` is not 2 (Tern only speaks RecordBatch v2).
        public static let badMagic = Kind(.badMagic)
        /// `batchLength` is below the header's own size or disagrees with the bytes given.
        public static let badBatchLength = Kind(.badBatchLength)
        /// The batch is larger than `Limits.batchBytesMax` (or the caller's maximum).
        public static let batchTooLarge = Kind(.batchTooLarge)
        /// The stored CRC-32C does not match the bytes from `attributes` to the end.
        public static let crcMismatch = Kind(.crcMismatch)
        /// gzip, snappy or zstd: recognised, but not implemented yet.
        public static let unsupportedCompression = Kind(.unsupportedCompression)
        /// Compression codec 5, 6 or 7: not a codec Kafka defines.
        public static let unknownCompression = Kind(.unknownCompression)
        /// The LZ4 frame is truncated, corrupt, or fails its checksums.
        public static let decompressionFailed = Kind(.decompressionFailed)
        /// The records region inflates past the decompression bound.
        public static let decompressedTooLarge = Kind(.decompressedTooLarge)
        /// A record's varints, lengths or fields are inconsistent.
        public static let malformedRecord = Kind(.malformedRecord)
        /// `recordsCount` disagrees with the records actually present.
        public static let recordCountMismatch = Kind(.recordCountMismatch)
        /// `recordsCount` exceeds `Limits.recordsPerBatchMax`.
        public static let tooManyRecords = Kind(.tooManyRecords)
        /// A record has more headers than `Limits.headersPerRecordMax`.
        public static let tooManyHeaders = Kind(.tooManyHeaders)
        /// A record header key is not valid UTF-8.
        public static let invalidHeaderKey = Kind(.invalidHeaderKey)
        /// Bytes remain in the records region after the last record.
        public static let trailingBytes = Kind(.trailingBytes)
        /// A produced record's offset delta is not its index in the batch.
        public static let invalidOffsetDelta = Kind(.invalidOffsetDelta)
        /// `lastOffsetDelta` is not `recordsCount - 1` (produce) or below a record's delta.
        public static let invalidLastOffsetDelta = Kind(.invalidLastOffsetDelta)
        /// A produced batch holds no records.
        public static let emptyBatch = Kind(.emptyBatch)
        /// A client tried to produce a control batch.
        public static let controlBatchNotAllowed = Kind(.controlBatchNotAllowed)
        /// A control record's key or value does not follow its schema.
        public static let malformedControlRecord = Kind(.malformedControlRecord)
        /// Idempotence fields are inconsistent (a transactional batch without a producer id).
        public static let invalidProducerFields = Kind(.invalidProducerFields)

        /// The kind's name, for logs.
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var kind: Kind
    /// Specifics for an operator (lengths, expected and actual values).
    public var detail: String

    /// Creates an error of `kind` with a human-readable `detail`.
    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    /// A one-line explanation for logs.
    public var description: String { "record batch \(kind): \(detail)" }

    /// The Kafka error code a broker returns for a produce refused with this error: 76
    /// UNSUPPORTED_COMPRESSION_TYPE for a known but unimplemented codec, 10 MESSAGE_TOO_LARGE for
    /// an oversized batch, 2 CORRUPT_MESSAGE for bytes that fail the CRC or cannot be parsed, and
    /// 87 INVALID_RECORD for well-formed bytes that break a produce rule.
    public var kafkaErrorCode: Int16 {
        switch kind {
        case .unsupportedCompression: return 76
        case .batchTooLarge, .decompressedTooLarge: return 10
        case .invalidOffsetDelta, .invalidLastOffsetDelta, .emptyBatch, .controlBatchNotAllowed,
            .invalidProducerFields, .invalidHeaderKey, .tooManyHeaders, .tooManyRecords:
            return 87
        default: return 2
        }
    }
}
