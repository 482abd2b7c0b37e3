// Heartbeat (key 12): v0–v4.
//
// Behaviour: the coordinator shard's verdict (REBALANCE_IN_PROGRESS tells the member to rejoin);
// coordinator errors as for JoinGroup. Heartbeats are leader-local: never written to the log.
import TernCoordination
import TernModel
import TernTransport
import TernWire

extension Broker {
    func heartbeat(_ request: HeartbeatRequest, _ head: KafkaRequestHead) async -> HeartbeatResponse {
        switch await coordinator(for: request.groupId) {
        case .failure(let error):
            return HeartbeatResponse(errorCode: error.rawValue)
        case .success(let shard):
            let member = GroupMemberRef(
                groupID: request.groupId, memberID: request.memberId, generation: request.generationId,
                groupInstanceID: request.groupInstanceId)
            return HeartbeatResponse(errorCode: shard.heartbeat(member, now: clock.now()).rawValue)
        }
    }
}
