// Heartbeat (key 12): v0–v4.
//
// Behaviour: the coordinator shard's verdict (REBALANCE_IN_PROGRESS tells the member to rejoin);
// coordinator errors as for JoinGroup, except that a loading coordinator answers NONE (Kafka's
// "respond just blindly"). Heartbeats are leader-local: never written to the log.
import TernCoordination
import TernModel
import TernTransport
import TernWire

extension Broker {
    func heartbeat(_ request: HeartbeatRequest, _ head: KafkaRequestHead) async -> HeartbeatResponse {
        switch await coordinator(for: request.groupId) {
        case .failure(.coordinatorLoadInProgress):
            // As Kafka does: a loading coordinator answers heartbeats blindly. Clients do not all
            // expect the error here (aiokafka's heartbeat task dies of it), and the member's
            // session starts over from the loaded group anyway.
            return HeartbeatResponse(errorCode: ErrorCode.noError.rawValue)
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
