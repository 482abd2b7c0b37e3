// LeaveGroup (key 13): v0–v5.
//
// Behaviour:
// - v0–v2 name one member id; v3+ a batch of members by member id and/or group instance id,
//   each with its own error (UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID).
// - The group rebalances (or becomes Empty) at once; coordinator errors as for JoinGroup.
import TernCoordination
import TernModel
import TernTransport
import TernWire

extension Broker {
    func leaveGroup(_ request: LeaveGroupRequest, _ head: KafkaRequestHead) async -> LeaveGroupResponse {
        let batched = head.apiVersion >= 3
        let leaving =
            batched
            ? request.members.prefix(Limits.groupParkedCallsMax).map {
                LeavingMember(memberID: $0.memberId, groupInstanceID: $0.groupInstanceId)
            }
            : [LeavingMember(memberID: request.memberId, groupInstanceID: nil)]
        switch await coordinator(for: request.groupId) {
        case .failure(let error):
            return LeaveGroupResponse(errorCode: error.rawValue, members: [])
        case .success(let shard):
            let result = shard.leave(groupID: request.groupId, members: leaving, now: clock.now())
            guard batched else {
                // One member: its error is the request's.
                let error = result.error != .noError ? result.error : (result.members.first ?? ErrorCode.noError)
                return LeaveGroupResponse(errorCode: error.rawValue, members: [])
            }
            return LeaveGroupResponse(
                errorCode: result.error.rawValue,
                members: zip(leaving, result.members).map { member, error in
                    LeaveGroupResponse.MemberResponse(
                        memberId: member.memberID, groupInstanceId: member.groupInstanceID, errorCode: error.rawValue)
                })
        }
    }
}
