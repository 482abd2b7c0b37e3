// SyncGroup (key 14): v0–v5.
//
// Behaviour:
// - Answered by the group's coordinator shard: followers are parked until the leader's
//   assignment is committed to the group's `__consumer_offsets` partition, then everyone gets
//   their share; coordinator errors as for JoinGroup, except that a loading coordinator answers
//   REBALANCE_IN_PROGRESS (as Kafka does: the member rejoins without looking for the coordinator).
// - v5 protocol type and name are checked against the group's (INCONSISTENT_GROUP_PROTOCOL).
import NIOCore
import TernCoordination
import TernModel
import TernTransport
import TernWire

extension Broker {
    func syncGroup(_ request: SyncGroupRequest, _ head: KafkaRequestHead) async -> SyncGroupResponse {
        let shard: GroupShard
        switch await coordinator(for: request.groupId) {
        case .failure(.coordinatorLoadInProgress):
            // As Kafka does: the rebalance this sync belongs to is lost with the old coordinator,
            // so the member is sent back to JoinGroup; older clients do not expect the load error.
            return SyncGroupResponse(errorCode: ErrorCode.rebalanceInProgress.rawValue, assignment: ByteBuffer())
        case .failure(let error):
            return SyncGroupResponse(errorCode: error.rawValue, assignment: ByteBuffer())
        case .success(let found):
            shard = found
        }
        var assignments: [String: [UInt8]] = [:]
        for assignment in request.assignments {
            guard assignments[assignment.memberId] == nil else {
                // Kafka refuses an assignment that names a member twice.
                return SyncGroupResponse(errorCode: ErrorCode.invalidRequest.rawValue, assignment: ByteBuffer())
            }
            assignments[assignment.memberId] = Array(assignment.assignment.readableBytesView)
        }
        let input = SyncGroupInput(
            groupID: request.groupId, memberID: request.memberId, generation: request.generationId,
            groupInstanceID: request.groupInstanceId, protocolType: request.protocolType,
            protocolName: request.protocolName, assignments: assignments)
        let result = await shard.sync(input, now: clock.now())
        return SyncGroupResponse(
            errorCode: result.error.rawValue, protocolType: result.protocolType, protocolName: result.protocolName,
            assignment: ByteBuffer(bytes: result.assignment))
    }
}
