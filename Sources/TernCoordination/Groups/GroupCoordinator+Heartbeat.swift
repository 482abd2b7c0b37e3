public import TernModel
public import TernWire

extension GroupCoordinator {
    /// Heartbeat (Kafka's `handleHeartbeat`): UNKNOWN_MEMBER_ID for an unknown group or member, FENCED_INSTANCE_ID
    /// for an instance id owned by another member id, ILLEGAL_GENERATION for another generation. A valid member's
    /// session restarts; PreparingRebalance answers REBALANCE_IN_PROGRESS (rejoin), CompletingRebalance and Stable
    /// NONE (Kafka lets members heartbeat between their JoinGroup and SyncGroup).
    public mutating func heartbeat(_ member: GroupMemberRef, now: TimestampMs) -> ErrorCode {
        precondition(outbox.isEmpty, "an earlier call left outputs behind")
        guard !member.groupID.isEmpty else { return .invalidGroupId }
        guard var group = groups.removeValue(forKey: member.groupID) else { return .unknownMemberId }
        let error = heartbeat(&group, member, now: now)
        put(group)
        precondition(outbox.isEmpty, "a heartbeat answers nobody else")
        return error
    }

    private mutating func heartbeat(_ group: inout ConsumerGroup, _ member: GroupMemberRef, now: TimestampMs)
        -> ErrorCode
    {
        if let error = memberError(group, memberID: member.memberID, groupInstanceID: member.groupInstanceID) {
            return error
        }
        guard member.generation == group.generation else { return .illegalGeneration }
        switch group.state {
        case .empty, .dead:
            return .unknownMemberId
        case .preparingRebalance:
            group.updateMember(member.memberID) { $0.refreshSession(now: now) }
            return .rebalanceInProgress
        case .completingRebalance, .stable:
            group.updateMember(member.memberID) { $0.refreshSession(now: now) }
            return .noError
        }
    }

    /// Whether an OffsetCommit from this member may be written (noError) or its error (Kafka's
    /// `validateOffsetCommit`). Generation < 0 is a commit from outside group management: allowed while the
    /// group is Empty, and an unknown group is made for it (Empty, protocol type ""), as Kafka makes one, so
    /// ListGroups, DescribeGroups and DeleteGroups see it; a group with members takes commits only from them.
    /// An unknown group with generation ≥ 0 is a stale member: ILLEGAL_GENERATION. A member's commit is checked
    /// like a heartbeat and counts as one; CompletingRebalance answers REBALANCE_IN_PROGRESS (the member has its
    /// generation but no assignment yet), PreparingRebalance takes commits from the generation still current.
    public mutating func validateCommit(_ member: GroupMemberRef, now: TimestampMs) -> ErrorCode {
        precondition(outbox.isEmpty, "an earlier call left outputs behind")
        var group: ConsumerGroup
        if let existing = groups.removeValue(forKey: member.groupID) {
            group = existing
        } else if member.generation >= 0 {
            return .illegalGeneration
        } else if groups.count >= configuration.maxGroups {
            return .coordinatorNotAvailable
        } else {
            group = ConsumerGroup(groupID: member.groupID, incarnation: takeIncarnation(), now: now)
        }
        let error = validateCommit(&group, member, now: now)
        put(group)
        precondition(outbox.isEmpty, "a commit answers nobody else")
        return error
    }

    private mutating func validateCommit(_ group: inout ConsumerGroup, _ member: GroupMemberRef, now: TimestampMs)
        -> ErrorCode
    {
        if member.generation < 0 && group.state == .empty { return .noError }
        guard member.generation >= 0 || !member.memberID.isEmpty || member.groupInstanceID != nil else {
            // A commit from outside the group while the group has members.
            return .unknownMemberId
        }
        if let error = memberError(group, memberID: member.memberID, groupInstanceID: member.groupInstanceID) {
            return error
        }
        guard member.generation == group.generation else { return .illegalGeneration }
        switch group.state {
        case .empty, .dead:
            return .unknownMemberId
        case .completingRebalance:
            return .rebalanceInProgress
        case .preparingRebalance, .stable:
            group.updateMember(member.memberID) { $0.refreshSession(now: now) }
            return .noError
        }
    }

    /// Whether `memberID` is a member of `group`, and, with an instance id, the one that owns it (Kafka's
    /// `validateCurrentMember`): FENCED_INSTANCE_ID when the instance belongs to another member id (an older
    /// process of a replaced static member), UNKNOWN_MEMBER_ID when the instance or the member is unknown.
    func memberError(_ group: ConsumerGroup, memberID: String, groupInstanceID: String?) -> ErrorCode? {
        if let groupInstanceID {
            guard let owner = group.staticMembers[groupInstanceID] else { return .unknownMemberId }
            if owner != memberID { return .fencedInstanceId }
        }
        return group.members[memberID] == nil ? .unknownMemberId : nil
    }
}
