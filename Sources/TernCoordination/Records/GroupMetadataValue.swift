public import TernModel

/// A consumer group as `__consumer_offsets` stores it (Kafka's `GroupMetadataValue`, written
/// by the coordinator after a SyncGroup settles a generation, when the group empties, and as a
/// tombstone when it is deleted). A new coordinator rebuilds the group from the last one.
public struct GroupMetadataValue: Hashable, Sendable {
    /// The group's protocol type, normally "consumer"; "" for a group that never had members.
    public var protocolType: String
    /// The generation the stored members belong to.
    public var generation: Int32
    /// The chosen assignment strategy (nil while the group is Empty).
    public var protocolName: String?
    /// The member id of the group leader (nil while the group is Empty).
    public var leader: String?
    /// When the group entered its current state (ms since the epoch); offset expiry of an
    /// Empty group counts from here.
    public var currentStateTimestamp: TimestampMs
    /// The members of `generation` with their subscriptions and assignments.
    public var members: [StoredMember]

    public init(
        protocolType: String, generation: Int32, protocolName: String?, leader: String?,
        currentStateTimestamp: TimestampMs, members: [StoredMember]
    ) {
        self.protocolType = protocolType
        self.generation = generation
        self.protocolName = protocolName
        self.leader = leader
        self.currentStateTimestamp = currentStateTimestamp
        self.members = members
    }
}

/// One member of a stored group (Kafka's `MemberMetadata` inside `GroupMetadataValue`).
public struct StoredMember: Hashable, Sendable {
    public var memberID: String
    /// The static member id (KIP-345), or nil.
    public var groupInstanceID: String?
    public var clientID: String
    public var clientHost: String
    public var rebalanceTimeoutMs: Int32
    public var sessionTimeoutMs: Int32
    /// The member's metadata for the chosen protocol (opaque ConsumerProtocol bytes).
    public var subscription: [UInt8]
    /// What the leader assigned this member (opaque ConsumerProtocol bytes).
    public var assignment: [UInt8]

    public init(
        memberID: String, groupInstanceID: String?, clientID: String, clientHost: String,
        rebalanceTimeoutMs: Int32, sessionTimeoutMs: Int32, subscription: [UInt8], assignment: [UInt8]
    ) {
        self.memberID = memberID
        self.groupInstanceID = groupInstanceID
        self.clientID = clientID
        self.clientHost = clientHost
        self.rebalanceTimeoutMs = rebalanceTimeoutMs
        self.sessionTimeoutMs = sessionTimeoutMs
        self.subscription = subscription
        self.assignment = assignment
    }
}
