/// How a `KafkaConsumer` joins its group and fetches: the Java client's and librdkafka's
/// defaults where they agree.
public struct ConsumerConfiguration: Sendable {
    public enum Assignor: String, Sendable, CaseIterable {
        case range
        case roundRobin = "roundrobin"
    }

    public enum OffsetReset: Sendable, Equatable {
        case earliest
        case latest
        /// No committed offset is an error (`auto.offset.reset=none`).
        case none
    }

    public var client: ClientConfiguration
    /// The group (`group.id`); nil: no group, partitions only by `assign`, no commits.
    public var groupID: String?
    /// Assignors offered when joining, in preference order.
    public var assignors: [Assignor] = [.range, .roundRobin]
    public var sessionTimeout: Duration = .seconds(45)
    /// How long the group waits for members to rejoin (`max.poll.interval.ms`).
    public var rebalanceTimeout: Duration = .seconds(300)
    public var heartbeatInterval: Duration = .seconds(3)
    public var autoCommit = true
    public var autoCommitInterval: Duration = .seconds(5)
    /// Where a partition without a committed offset starts (`auto.offset.reset`, Kafka's
    /// default latest).
    public var offsetReset: OffsetReset = .latest
    /// How long a fetch waits for data (`fetch.max.wait.ms`).
    public var fetchMaxWait: Duration = .milliseconds(500)
    public var fetchMaxBytes: Int32 = 50 * 1024 * 1024
    public var partitionFetchMaxBytes: Int32 = 1024 * 1024
    /// Most records one `poll` returns (`max.poll.records`); also bounds what is buffered.
    public var maxPollRecords = 500

    public init(client: ClientConfiguration, groupID: String?) {
        self.client = client
        self.groupID = groupID
    }
}
