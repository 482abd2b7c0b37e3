// JoinGroup (key 11): v0–v9.
//
// Behaviour:
// - Answered by the group's coordinator shard (`GroupShard`), which may park the call until the
//   rebalance completes; NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS / COORDINATOR_NOT_AVAILABLE
//   from `coordinator(for:)` otherwise.
// - v0 has no rebalance timeout: the session timeout stands in, as in Kafka.
// - v4+ members without an id get MEMBER_ID_REQUIRED with one (KIP-394); v5+ static members.
// - The client host is the connection's remote address in Kafka's `/address` form.
// - v9 `SkipAssignment` is always false (no KIP-814 server-side assignors).
import NIOCore
import TernCoordination
import TernModel
import TernTransport
import TernWire

extension Broker {
    func joinGroup(
        _ request: JoinGroupRequest, _ head: KafkaRequestHead, connection: KafkaConnectionInfo
    ) async -> JoinGroupResponse {
        let shard: GroupShard
        switch await coordinator(for: request.groupId) {
        case .failure(let error):
            return JoinGroupResponse(
                errorCode: error.rawValue, generationId: -1, protocolName: head.apiVersion >= 7 ? nil : "", leader: "",
                memberId: request.memberId)
        case .success(let found):
            shard = found
        }
        let input = JoinGroupInput(
            groupID: request.groupId, memberID: request.memberId, groupInstanceID: request.groupInstanceId,
            clientID: head.clientID ?? "", clientHost: Self.clientHost(connection),
            sessionTimeoutMs: request.sessionTimeoutMs,
            rebalanceTimeoutMs: head.apiVersion >= 1 ? request.rebalanceTimeoutMs : request.sessionTimeoutMs,
            protocolType: request.protocolType,
            protocols: request.protocols.map { GroupProtocol(name: $0.name, metadata: Array($0.metadata.readableBytesView)) },
            requireKnownMemberID: head.apiVersion >= 4)
        let result = await shard.join(input, now: clock.now())
        return JoinGroupResponse(
            errorCode: result.error.rawValue, generationId: result.generation, protocolType: result.protocolType,
            // Before v7 the protocol name is not nullable: "" stands for none.
            protocolName: head.apiVersion >= 7 ? result.protocolName : (result.protocolName ?? ""), leader: result.leader, skipAssignment: false, memberId: result.memberID,
            members: result.members.map {
                JoinGroupResponse.JoinGroupResponseMember(
                    memberId: $0.memberID, groupInstanceId: $0.groupInstanceID, metadata: ByteBuffer(bytes: $0.metadata))
            })
    }

    /// Kafka's `clientHost`: the remote address with a leading slash (`/127.0.0.1`).
    static func clientHost(_ connection: KafkaConnectionInfo) -> String {
        guard let remote = connection.remoteAddress, let ip = remote.ipAddress else { return "" }
        return "/" + ip
    }
}
