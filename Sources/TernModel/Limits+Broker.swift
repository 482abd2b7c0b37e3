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

    /// Produce requests one partition holds while they wait for their acknowledgement. Each
    /// holds its batch in the Raft log's memory until committed; past this the partition answers
    /// REQUEST_TIMED_OUT at once instead of growing without bound (librdkafka's default of
    /// 1,000,000 in-flight requests per connection would otherwise be the only limit).
    public static let partitionProduceWaitersMax = 20_000

    /// Batches handed to one partition and not yet proposed (they wait for the partition's next
    /// drain, normally one fsync). Past this the partition answers REQUEST_TIMED_OUT at once.
    public static let partitionInboxSubmissionsMax = 20_000

    /// Long-polling fetches one partition holds until its high watermark moves. Past this a new
    /// fetch is answered at once (empty), which only costs the client a round trip.
    public static let partitionFetchWakeupsMax = 10_000

    /// Partitions on one broker (all topics, including internal ones). Each is a Raft group
    /// with open files and a timer; the bound keeps CreateTopics / CreatePartitions from
    /// exhausting file descriptors.
    public static let brokerPartitionsMax = 20_000

    /// Topics in the cluster metadata (the metadata state file must stay small: its payload
    /// is bounded by `durableStatePayloadBytesMax`).
    public static let brokerTopicsMax = 2_000

    /// Times a Fetch re-reads its partitions while long-polling. Each wake comes from a moved
    /// high watermark; the bound ends the request early rather than looping on a busy partition
    /// whose new data never reaches MinBytes for this fetch.
    public static let fetchLongPollRoundsMax = 1_000
}
