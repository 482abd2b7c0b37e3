public import TernLog
import TernModel

/// The topic configs Tern honours, with Kafka's names, defaults and validation, so that
/// AdminClients, kafka-ui and `kafka-configs` read and write them unchanged.
///
/// A topic stores only its overrides; `effective(_:broker:)` fills in the broker defaults.
public enum TopicConfig {
    /// One supported config: its Kafka name, how to check a value, and its default.
    public struct Entry: Sendable {
        /// Kafka's name.
        public var name: String
        /// Kafka's config type for DescribeConfigs v3+ (1 boolean, 2 string, 3 int, 5 long, 7 list).
        public var configType: Int8
        /// Why a value is refused, or nil if it is valid.
        var problem: @Sendable (String) -> String?
        /// The default given the broker's settings.
        var defaultValue: @Sendable (BrokerConfiguration) -> String
        /// Kafka's documentation line, returned by DescribeConfigs v3+.
        public var documentation: String
    }

    /// Every supported topic config, sorted by name.
    public static let entries: [Entry] = [
        Entry(
            name: "cleanup.policy", configType: 7,
            problem: { $0 == "delete" ? nil : "only \"delete\" is supported (no compaction yet)" },
            defaultValue: { _ in "delete" },
            documentation: "The retention policy of old log segments; Tern supports delete only."),
        Entry(
            name: "compression.type", configType: 2,
            problem: { $0 == "producer" ? nil : "only \"producer\" is supported (batches are stored as received)" },
            defaultValue: { _ in "producer" },
            documentation: "Batches are stored with the producer's compression codec."),
        Entry(
            name: "max.message.bytes", configType: 3, problem: { integer($0, in: 0...Int64(Limits.batchBytesMax)) },
            defaultValue: { _ in String(defaultMaxMessageBytes) },
            documentation: "The largest record batch size allowed, in bytes."),
        Entry(
            name: "message.timestamp.type", configType: 2,
            problem: { ["CreateTime", "LogAppendTime"].contains($0) ? nil : "must be CreateTime or LogAppendTime" },
            defaultValue: { _ in "CreateTime" },
            documentation: "Whether a record's timestamp is the producer's (CreateTime) or the broker's append time."),
        Entry(
            name: "min.insync.replicas", configType: 3, problem: { integer($0, in: 1...16) },
            defaultValue: { _ in "1" },
            documentation: "Replicas that must acknowledge an acks=all write; Raft already requires a majority."),
        Entry(
            name: "retention.bytes", configType: 5, problem: { integer($0, in: -1...Int64.max) },
            defaultValue: { String($0.retentionBytes) },
            documentation: "Delete old segments while a partition stays at least this large without them; -1: no limit."),
        Entry(
            name: "retention.ms", configType: 5, problem: { integer($0, in: -1...Int64.max) },
            defaultValue: { String($0.retentionMs) },
            documentation: "Delete segments whose newest record is older than this; -1: keep forever."),
        Entry(
            name: "segment.bytes", configType: 3,
            problem: { integer($0, in: Int64(Limits.brokerSegmentBytesMin)...Int64(Limits.logSegmentBytesMax)) },
            defaultValue: { String($0.segmentBytes) },
            documentation: "The segment file size of the log."),
        Entry(
            name: "segment.ms", configType: 5, problem: { integer($0, in: 1...Int64.max) },
            defaultValue: { String($0.segmentMs) },
            documentation: "Roll a new segment after this long even if the active one is not full."),
    ]

    /// Kafka's default `max.message.bytes` (1 MiB + the batch overhead Kafka adds).
    public static let defaultMaxMessageBytes = 1_048_588

    /// The entry named `name`, if Tern supports it.
    public static func entry(named name: String) -> Entry? {
        entries.first { $0.name == name }
    }

    /// Why `value` is not acceptable for `name` (unknown name, or invalid value), or nil.
    public static func problem(name: String, value: String?) -> String? {
        guard let entry = entry(named: name) else { return "unknown topic config \(name)" }
        guard let value else { return nil }
        return entry.problem(value).map { "invalid value \(value) for \(name): \($0)" }
    }

    /// Every supported config's value for a topic with `overrides`.
    public static func effective(_ overrides: [String: String], broker: BrokerConfiguration) -> [(
        entry: Entry, value: String, isDefault: Bool
    )] {
        entries.map { entry in
            if let value = overrides[entry.name] { return (entry, value, false) }
            return (entry, entry.defaultValue(broker), true)
        }
    }

    /// The partition log settings of a topic: broker defaults with the topic's overrides.
    public static func logConfiguration(_ overrides: [String: String], broker: BrokerConfiguration) -> LogConfiguration {
        var configuration = broker.logConfiguration()
        if let bytes = overrides["segment.bytes"].flatMap(Int.init) { configuration.segmentBytes = bytes }
        if let age = overrides["segment.ms"].flatMap(Int64.init) { configuration.segmentMs = age }
        if let bytes = overrides["retention.bytes"].flatMap(Int.init) {
            configuration.retentionBytes = bytes < 0 ? nil : bytes
        }
        if let age = overrides["retention.ms"].flatMap(Int64.init) { configuration.retentionMs = age < 0 ? nil : age }
        return configuration
    }

    /// The largest batch a topic accepts.
    public static func maxMessageBytes(_ overrides: [String: String]) -> Int {
        overrides["max.message.bytes"].flatMap(Int.init) ?? defaultMaxMessageBytes
    }

    /// Whether the topic stamps the broker's time on batches.
    public static func usesLogAppendTime(_ overrides: [String: String]) -> Bool {
        overrides["message.timestamp.type"] == "LogAppendTime"
    }

    private static func integer(_ text: String, in range: ClosedRange<Int64>) -> String? {
        guard let value = Int64(text) else { return "not an integer" }
        return range.contains(value) ? nil : "outside \(range.lowerBound)...\(range.upperBound)"
    }
}
