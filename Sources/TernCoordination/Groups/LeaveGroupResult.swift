public import TernWire

/// The answer to a LeaveGroup.
///
/// As Kafka answers: a request-level `error` (INVALID_GROUP_ID) comes with no member errors; otherwise `error` is
/// NONE and `members` holds one code per `LeavingMember`, in request order (an unknown group gives
/// UNKNOWN_MEMBER_ID for each). LeaveGroup v0–v2 has a single error field: send `error` if it is not NONE, else
/// the first member's code (Kafka's `LeaveGroupResponse` does the same).
public struct LeaveGroupResult: Hashable, Sendable {
    public var error: ErrorCode
    public var members: [ErrorCode]
    /// Answers to parked calls the leave settled (the leaving members' own parked JoinGroups get
    /// UNKNOWN_MEMBER_ID, a rebalance the leave completed answers the rest) and records to append.
    public var outputs: [GroupOutput]

    public init(error: ErrorCode, members: [ErrorCode], outputs: [GroupOutput]) {
        self.error = error
        self.members = members
        self.outputs = outputs
    }
}
