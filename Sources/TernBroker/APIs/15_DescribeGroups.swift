// DescribeGroups (key 15): v0–v5.
//
// Behaviour:
// - Per group, from its coordinator (NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS otherwise):
//   state, protocol type, chosen protocol, members with client id, host, metadata, assignment.
// - A group known only by its committed offsets (simple consumers, or every member gone) is
//   Empty; an unknown group is Dead with no error (Kafka's answer before v6).
// - v3+ `AuthorizedOperations`: without ACLs every client may do everything Kafka allows on a
//   group (READ, DELETE, DESCRIBE), sent when asked; Kafka's "not requested" value otherwise.
import NIOCore
import Synchronization
import TernController
import TernCoordination
import TernModel
import TernTransport
import TernWire

extension Broker {
    func describeGroups(_ request: DescribeGroupsRequest, _ head: KafkaRequestHead) async -> DescribeGroupsResponse {
        var described: [DescribeGroupsResponse.DescribedGroup] = []
        for group in request.groups.prefix(Limits.listedGroupsMax) {
            var answer = await describeGroup(group)
            if request.includeAuthorizedOperations { answer.authorizedOperations = Self.groupOperations }
            described.append(answer)
        }
        return DescribeGroupsResponse(groups: described)
    }

    /// Kafka's AclOperation bits READ (3), DELETE (6), DESCRIBE (8): what a group allows.
    static let groupOperations: Int32 = (1 << 3) | (1 << 6) | (1 << 8)

    private func describeGroup(_ group: String) async -> DescribeGroupsResponse.DescribedGroup {
        let notRequested = Int32.min
        switch await coordinator(for: group) {
        case .failure(let error):
            return .init(
                errorCode: error.rawValue, groupId: group, groupState: "", protocolType: "", protocolData: "",
                members: [], authorizedOperations: notRequested)
        case .success(let shard):
            if let description = shard.describe(group) {
                return .init(
                    errorCode: 0, groupId: group, groupState: description.state.rawValue,
                    protocolType: description.protocolType, protocolData: description.protocolName,
                    members: description.members.map {
                        DescribeGroupsResponse.DescribedGroupMember(
                            memberId: $0.memberID, groupInstanceId: $0.groupInstanceID, clientId: $0.clientID,
                            clientHost: $0.clientHost, memberMetadata: ByteBuffer(bytes: $0.metadata),
                            memberAssignment: ByteBuffer(bytes: $0.assignment))
                    }, authorizedOperations: notRequested)
            }
            let (known, protocolType) = shard.offsets.read { ($0.knows(group), $0.groups[group]?.protocolType) }
            return DescribeGroupsResponse.DescribedGroup(
                errorCode: 0, groupId: group, groupState: (known ? GroupState.empty : GroupState.dead).rawValue,
                protocolType: protocolType ?? "", protocolData: "", members: [],
                authorizedOperations: notRequested)
        }
    }
}
