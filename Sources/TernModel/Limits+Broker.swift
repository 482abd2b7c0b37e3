/// Bounds of the broker's configuration (TernBroker). Each keeps a mistyped setting from
/// turning into an unbounded amount of per-partition state or an unreadable segment layout.
extension Limits {
    /// Most partitions a topic may be created with by default (`num.partitions`). Every partition
    /// is a Raft group with its own files, timers and memory, so a typo such as 100000 must be
    /// refused at startup rather than discovered when the first auto-created topic exhausts the
    /// machine; 10,000 is well above any sane default.
    public static let brokerDefaultPartitionsMax = 10_000

    /// Smallest `log.segment.bytes` the broker accepts (1 MiB, Kafka 4.0's floor). Tiny segments
    /// mean one file pair per few batches: directory listings, open files and recovery time blow
    /// up long before any benefit, so values below this are refused as configuration mistakes.
    public static let brokerSegmentBytesMin = 1024 * 1024

    /// Smallest `socket.request.max.bytes` accepted: below 1 KiB not even a Metadata request
    /// with a few topic names fits, so a smaller value can only be a mistake.
    public static let brokerRequestBytesMin = 1024
}
