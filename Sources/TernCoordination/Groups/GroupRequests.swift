public import TernWire

/// A request the shell parks until the coordinator answers it (a JoinGroup or SyncGroup that
/// waits for the rest of the group). The shell picks the ids; the coordinator hands them back.
public struct PendingID: Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String { String(rawValue) }
}

/// One assignment strategy a joining member supports, with its metadata for it.
public struct GroupProtocol: Hashable, Sendable {
    public var name: String
    public var metadata: [UInt8]
    public init(name: String, metadata: [UInt8]) {
        self.name = name
        self.metadata = metadata
    }
}

/// A JoinGroup, as the coordinator needs it (any version).
public struct JoinGroupInput: Hashable, Sendable {
    public var groupID: String
    /// "" on a member's first join.
    public var memberID: String
    public var groupInstanceID: String?
    public var clientID: String
    public var clientHost: String
    public var sessionTimeoutMs: Int32
    /// v0 has none: the shell passes the session timeout.
    public var rebalanceTimeoutMs: Int32
    public var protocolType: String
    public var protocols: [GroupProtocol]
    /// v4+: a member without an id gets MEMBER_ID_REQUIRED and an id to rejoin with (KIP-394).
    public var requireKnownMemberID: Bool

    public init(
        groupID: String, memberID: String, groupInstanceID: String?, clientID: String, clientHost: String,
        sessionTimeoutMs: Int32, rebalanceTimeoutMs: Int32, protocolType: String, protocols: [GroupProtocol],
        requireKnownMemberID: Bool
    ) {
        self.groupID = groupID
        self.memberID = memberID
        self.groupInstanceID = groupInstanceID
        self.clientID = clientID
        self.clientHost = clientHost
        self.sessionTimeoutMs = sessionTimeoutMs
        self.rebalanceTimeoutMs = rebalanceTimeoutMs
        self.protocolType = protocolType
        self.protocols = protocols
        self.requireKnownMemberID = requireKnownMemberID
    }
}

/// A member as the group leader's JoinGroup answer lists it.
public struct JoinedMember: Hashable, Sendable {
    public var memberID: String
    public var groupInstanceID: String?
    public var metadata: [UInt8]
    public init(memberID: String, groupInstanceID: String?, metadata: [UInt8]) {
        self.memberID = memberID
        self.groupInstanceID = groupInstanceID
        self.metadata = metadata
    }
}

/// The answer to a JoinGroup.
public struct JoinGroupResult: Hashable, Sendable {
    public var error: ErrorCode
    /// -1 on errors.
    public var generation: Int32
    public var protocolType: String?
    public var protocolName: String?
    /// The leader's member id ("" on errors).
    public var leader: String
    /// The member's id: the new one with MEMBER_ID_REQUIRED or a first join, else the request's.
    public var memberID: String
    /// Every member with its metadata for the chosen protocol, for the leader only; empty else.
    public var members: [JoinedMember]

    public init(
        error: ErrorCode, generation: Int32 = -1, protocolType: String? = nil, protocolName: String? = nil,
        leader: String = "", memberID: String = "", members: [JoinedMember] = []
    ) {
        self.error = error
        self.generation = generation
        self.protocolType = protocolType
        self.protocolName = protocolName
        self.leader = leader
        self.memberID = memberID
        self.members = members
    }
}

/// A SyncGroup, as the coordinator needs it.
public struct SyncGroupInput: Hashable, Sendable {
    public var groupID: String
    public var memberID: String
    public var generation: Int32
    public var groupInstanceID: String?
    /// v5+ (nil before): must match the group's when present, else INCONSISTENT_GROUP_PROTOCOL.
    public var protocolType: String?
    public var protocolName: String?
    /// The leader's assignment (member id → bytes); empty from followers.
    public var assignments: [String: [UInt8]]

    public init(
        groupID: String, memberID: String, generation: Int32, groupInstanceID: String?, protocolType: String?,
        protocolName: String?, assignments: [String: [UInt8]]
    ) {
        self.groupID = groupID
        self.memberID = memberID
        self.generation = generation
        self.groupInstanceID = groupInstanceID
        self.protocolType = protocolType
        self.protocolName = protocolName
        self.assignments = assignments
    }
}

/// The answer to a SyncGroup.
public struct SyncGroupResult: Hashable, Sendable {
    public var error: ErrorCode
    public var protocolType: String?
    public var protocolName: String?
    public var assignment: [UInt8]
    public init(error: ErrorCode, protocolType: String? = nil, protocolName: String? = nil, assignment: [UInt8] = []) {
        self.error = error
        self.protocolType = protocolType
        self.protocolName = protocolName
        self.assignment = assignment
    }
}

/// A Heartbeat (also what an OffsetCommit from a member is checked against).
public struct GroupMemberRef: Hashable, Sendable {
    public var groupID: String
    public var memberID: String
    public var generation: Int32
    public var groupInstanceID: String?
    public init(groupID: String, memberID: String, generation: Int32, groupInstanceID: String?) {
        self.groupID = groupID
        self.memberID = memberID
        self.generation = generation
        self.groupInstanceID = groupInstanceID
    }
}

/// One member a LeaveGroup names (v0–v2 name one member id; v3+ a batch, possibly by instance id).
public struct LeavingMember: Hashable, Sendable {
    public var memberID: String
    public var groupInstanceID: String?
    public init(memberID: String, groupInstanceID: String?) {
        self.memberID = memberID
        self.groupInstanceID = groupInstanceID
    }
}

/// A group metadata record the shell must append to the group's `__consumer_offsets` partition
/// (nil value: a tombstone). With a token the coordinator waits for the outcome: the shell
/// calls `GroupCoordinator.persisted(_:error:now:)` once the record committed or failed.
public struct GroupPersist: Hashable, Sendable {
    public var groupID: String
    public var value: GroupMetadataValue?
    public var token: UInt64?
    public init(groupID: String, value: GroupMetadataValue?, token: UInt64?) {
        self.groupID = groupID
        self.value = value
        self.token = token
    }
}

/// What the coordinator asks the shell to do besides answering the call at hand.
public enum GroupOutput: Hashable, Sendable {
    /// Answer the parked JoinGroup `PendingID`.
    case join(PendingID, JoinGroupResult)
    /// Answer the parked SyncGroup `PendingID`.
    case sync(PendingID, SyncGroupResult)
    /// Append a group metadata record.
    case persist(GroupPersist)
}

/// The classic group states (Kafka's `ClassicGroupState`), named as DescribeGroups and
/// ListGroups spell them.
public enum GroupState: String, Hashable, Sendable, CaseIterable {
    case empty = "Empty"
    case preparingRebalance = "PreparingRebalance"
    case completingRebalance = "CompletingRebalance"
    case stable = "Stable"
    case dead = "Dead"
}

/// One member as DescribeGroups shows it.
public struct MemberDescription: Hashable, Sendable {
    public var memberID: String
    public var groupInstanceID: String?
    public var clientID: String
    public var clientHost: String
    /// Metadata for the chosen protocol (empty unless Stable/CompletingRebalance).
    public var metadata: [UInt8]
    /// The assignment (empty unless Stable).
    public var assignment: [UInt8]
    public init(
        memberID: String, groupInstanceID: String?, clientID: String, clientHost: String, metadata: [UInt8],
        assignment: [UInt8]
    ) {
        self.memberID = memberID
        self.groupInstanceID = groupInstanceID
        self.clientID = clientID
        self.clientHost = clientHost
        self.metadata = metadata
        self.assignment = assignment
    }
}

/// A group as DescribeGroups shows it.
public struct GroupDescription: Hashable, Sendable {
    public var groupID: String
    public var state: GroupState
    public var protocolType: String
    /// The chosen protocol ("" unless Stable/CompletingRebalance).
    public var protocolName: String
    public var members: [MemberDescription]
    public init(groupID: String, state: GroupState, protocolType: String, protocolName: String, members: [MemberDescription]) {
        self.groupID = groupID
        self.state = state
        self.protocolType = protocolType
        self.protocolName = protocolName
        self.members = members
    }
}
