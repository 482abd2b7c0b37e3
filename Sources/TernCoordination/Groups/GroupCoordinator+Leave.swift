public import TernModel
import TernWire

extension GroupCoordinator {
    /// LeaveGroup, v0–v2 (one member id) and v3+ (a batch, by member id and/or group instance id) (Kafka's
    /// `handleLeaveGroup`). Per member: by instance id alone (an admin removing a static member), by a pending
    /// member id, or by member id, checked like a heartbeat (UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID). A leaving
    /// member's parked JoinGroup is answered UNKNOWN_MEMBER_ID; the group rebalances, or empties.
    public mutating func leave(groupID: String, members leaving: [LeavingMember], now: TimestampMs)
        -> LeaveGroupResult
    {
        precondition(outbox.isEmpty, "an earlier call left outputs behind")
        guard !groupID.isEmpty else { return LeaveGroupResult(error: .invalidGroupId, members: [], outputs: []) }
        guard var group = groups.removeValue(forKey: groupID) else {
            return LeaveGroupResult(error: .noError, members: leaving.map { _ in .unknownMemberId }, outputs: [])
        }
        var errors: [ErrorCode] = []
        errors.reserveCapacity(leaving.count)
        for member in leaving { errors.append(leaveMember(&group, member, now: now)) }
        put(group)
        return LeaveGroupResult(error: .noError, members: errors, outputs: drain())
    }

    private mutating func leaveMember(_ group: inout ConsumerGroup, _ leaving: LeavingMember, now: TimestampMs)
        -> ErrorCode
    {
        if leaving.memberID.isEmpty {
            guard let instanceID = leaving.groupInstanceID, let memberID = group.staticMembers[instanceID] else {
                return .unknownMemberId
            }
            removeMemberAndUpdateGroup(&group, memberID, now: now)
            return .noError
        }
        if group.pendingMembers[leaving.memberID] != nil {
            group.remove(leaving.memberID)
            tryCompleteJoin(&group, now: now)
            return .noError
        }
        if let error = memberError(group, memberID: leaving.memberID, groupInstanceID: leaving.groupInstanceID) {
            return error
        }
        removeMemberAndUpdateGroup(&group, leaving.memberID, now: now)
        return .noError
    }
}
