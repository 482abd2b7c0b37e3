/// The broker settings the group coordinator obeys (Kafka's `group.*` configs), with Kafka's defaults.
public struct GroupConfiguration: Hashable, Sendable {
    /// `group.min.session.timeout.ms`: a JoinGroup asking for less gets INVALID_SESSION_TIMEOUT, so a client cannot
    /// make the coordinator expire members faster than heartbeats can arrive.
    public var minSessionTimeoutMs: Int32
    /// `group.max.session.timeout.ms`: a JoinGroup asking for more gets INVALID_SESSION_TIMEOUT, so a dead member
    /// cannot hold its partitions for longer than this.
    public var maxSessionTimeoutMs: Int32
    /// `group.initial.rebalance.delay.ms`: how long a group leaving Empty waits for more members before its first
    /// generation, so a fleet of consumers starting together gets one rebalance instead of one per consumer.
    /// 0 completes the first join phase as soon as everyone known has joined.
    public var initialRebalanceDelayMs: Int64
    /// `group.max.size`: most members of one group (joins beyond it get GROUP_MAX_SIZE_REACHED). Also bounds the
    /// member ids one group may have handed out with MEMBER_ID_REQUIRED and not seen used yet.
    public var maxGroupSize: Int
    /// Most groups this coordinator holds (Kafka has no such limit; every map here is bounded). A JoinGroup or
    /// simple OffsetCommit that would create a group beyond it gets COORDINATOR_NOT_AVAILABLE, which clients retry.
    public var maxGroups: Int

    public init(
        minSessionTimeoutMs: Int32 = 6_000, maxSessionTimeoutMs: Int32 = 1_800_000,
        initialRebalanceDelayMs: Int64 = 3_000, maxGroupSize: Int = 1_000, maxGroups: Int = 100_000
    ) {
        self.minSessionTimeoutMs = minSessionTimeoutMs
        self.maxSessionTimeoutMs = maxSessionTimeoutMs
        self.initialRebalanceDelayMs = initialRebalanceDelayMs
        self.maxGroupSize = maxGroupSize
        self.maxGroups = maxGroups
    }

    /// Whether the settings make sense together (the coordinator refuses to start with others).
    var isValid: Bool {
        minSessionTimeoutMs > 0 && minSessionTimeoutMs <= maxSessionTimeoutMs && initialRebalanceDelayMs >= 0
            && maxGroupSize > 0 && maxGroups > 0
    }
}
