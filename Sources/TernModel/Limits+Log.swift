/// Bounds of the segmented log (TernLog). Each has a reason; relationships are checked in
/// `LimitsTests`/`TernLogTests`.
extension Limits {
    /// Largest segment file. Index entries store a segment-relative position in 32 bits, as Kafka's
    /// do, and Kafka's `segment.bytes` is an int32; a segment may therefore never pass 2 GiB - 1.
    public static let logSegmentBytesMax = Int(Int32.max)

    /// Most segments one log directory may hold. Opening lists and parses every name, so a
    /// directory stuffed with millions of files is refused rather than walked for minutes (at
    /// the 1 GiB default that is a petabyte of log).
    public static let logSegmentsMax = 1_000_000

    /// Most directory entries read while listing a log directory (segments times three files,
    /// plus state files and leftovers).
    public static let logDirectoryEntriesMax = 4 * logSegmentsMax

    /// Most bytes one read (fetch) of the log may cover. Kafka's `fetch.max.bytes` default is
    /// 50 MiB; a larger request is served up to this bound (and always at least one batch).
    public static let logReadBytesMax = 128 * 1024 * 1024

    /// Most bytes re-checksummed while searching for a valid batch after a bad one during
    /// recovery (to tell a torn tail from damage in the middle). A hostile file could make the
    /// search quadratic; past this bound the search stops and the damage is reported as
    /// corruption rather than truncated, the safe side.
    public static let logRecoveryResyncBytesMax = 256 * 1024 * 1024

    /// Largest payload of a durable state file (Raft term and vote need a few bytes; snapshot
    /// metadata a few KiB). Reading refuses anything larger before allocating.
    public static let durableStatePayloadBytesMax = 1024 * 1024

    /// Most verified byte ranges remembered per segment (reads far apart in one segment). Past
    /// it, new ranges are not remembered and are simply verified again on their next read.
    public static let logVerifiedRangesMax = 1_024
}
