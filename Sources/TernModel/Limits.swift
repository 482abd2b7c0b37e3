/// Every bound in Tern, in one place, each with the reason for its value (STYLE.md habit 5:
/// a limit on every queue, buffer and loop). Relationships between these constants are checked
/// in `LimitsTests`, since Swift has no compile-time assertions.
///
/// Module-specific groups live in `Limits+<Module>.swift` extensions beside this file so each
/// module's owner edits one small file; the rule is the same everywhere: `…Max` names, a comment
/// saying why.
public enum Limits {
    // MARK: Wire

    /// Largest Kafka request or response frame accepted. Kafka's `socket.request.max.bytes`
    /// default is 100 MiB; brokers may configure lower, never higher.
    public static let frameBytesMax = 100 * 1024 * 1024

    /// Longest string field decoded. Kafka strings are int16-length (32,767) in non-flexible
    /// versions; compact strings could claim more, which no Kafka field legitimately needs.
    public static let stringBytesMax = Int(Int16.max)

    /// Largest bytes field (records, assignments, metadata) decoded: one frame can hold no more.
    public static let bytesFieldBytesMax = frameBytesMax

    /// Most elements in any decoded array. A 100 MiB frame of 4-byte elements is ~26 M, but no
    /// real request carries more than a few hundred thousand partitions; a claim above this is
    /// hostile and is refused before anything is allocated.
    public static let arrayElementsMax = 1_000_000

    /// Most tagged fields in one tagged-field block (tags are small numbers assigned by KIPs).
    public static let taggedFieldsMax = 1_024

    /// Deepest nesting of structures a decoder follows (Kafka schemas nest at most ~5 deep).
    public static let structDepthMax = 16

    // MARK: RecordBatch

    /// Largest batch accepted (Kafka `message.max.bytes` default is ~1 MiB; topics may raise
    /// `max.message.bytes`, and we cap the configurable value here).
    public static let batchBytesMax = 64 * 1024 * 1024

    /// Largest decompressed records region we will inflate. A hostile LZ4 frame can claim a huge
    /// content size; decompression stops and fails past this bound instead of exhausting memory.
    public static let decompressedBatchBytesMax = 256 * 1024 * 1024

    /// Most records in one batch (record count is an int32; this bounds per-record allocations).
    public static let recordsPerBatchMax = 10_000_000

    /// Most headers on one record.
    public static let headersPerRecordMax = 100_000
}
