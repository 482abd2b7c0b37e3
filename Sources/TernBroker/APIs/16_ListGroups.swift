// ListGroups (key 16): v0–v5.
//
// Behaviour:
// - The groups this broker coordinates (Kafka's AdminClient asks every broker and merges):
//   the coordinators' groups, plus groups known only by committed offsets (Empty, protocol
//   type "").
// - COORDINATOR_LOAD_IN_PROGRESS while a partition this broker leads is still loading, with
//   the groups of the others.
// - v4 `StatesFilter` (case-insensitive, as Kafka), v5 `TypesFilter` ("classic": every Tern
//   group is a classic group; other types match nothing). v5 `GroupType` is "classic".
import Synchronization
import TernController
import TernCoordination
import TernModel
import TernTransport
import TernWire

extension Broker {
    func listGroups(_ request: ListGroupsRequest, _ head: KafkaRequestHead) async -> ListGroupsResponse {
        var error = ErrorCode.noError
        var listed: [String: ListGroupsResponse.ListedGroup] = [:]
        let partitions = groups.withLock { Array($0.partitions.keys) }.sorted()
        for index in partitions {
            let partition = TopicPartition(topic: Self.offsetsTopic, partition: index)
            guard leadership.leadership(of: partition)?.leader == nodeID else { continue }
            switch await coordinator(of: partition) {
            case .failure(let failure):
                if failure == .coordinatorLoadInProgress { error = failure }
            case .success(let shard):
                for group in shard.listGroups() {
                    listed[group.groupID] = .init(
                        groupId: group.groupID, protocolType: group.protocolType, groupState: group.state.rawValue,
                        groupType: "classic")
                }
                shard.offsets.read { state in
                    for group in state.groupIDs where listed[group] == nil {
                        listed[group] = .init(
                            groupId: group, protocolType: state.groups[group]?.protocolType ?? "",
                            groupState: GroupState.empty.rawValue, groupType: "classic")
                    }
                }
            }
        }
        let states = Set(request.statesFilter.map { $0.lowercased() })
        let types = Set(request.typesFilter.map { $0.lowercased() })
        let groups = listed.values
            .filter { states.isEmpty || states.contains($0.groupState.lowercased()) }
            .filter { _ in types.isEmpty || types.contains("classic") }
            .sorted { $0.groupId < $1.groupId }
            .prefix(Limits.listedGroupsMax)
        return ListGroupsResponse(errorCode: error.rawValue, groups: Array(groups))
    }
}
