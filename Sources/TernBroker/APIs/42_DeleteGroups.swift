// DeleteGroups (key 42): v0–v2.
//
// Behaviour:
// - Per group, on its coordinator: NON_EMPTY_GROUP while it has members, GROUP_ID_NOT_FOUND if
//   neither the coordinator nor the committed offsets know it; otherwise tombstones for its
//   metadata and every committed offset are appended as one batch and the answer waits for
//   the Raft commit.
import Synchronization
import TernController
import TernCoordination
import TernModel
import TernTransport
import TernWire

extension Broker {
    func deleteGroups(_ request: DeleteGroupsRequest, _ head: KafkaRequestHead) async -> DeleteGroupsResponse {
        var results: [DeleteGroupsResponse.DeletableGroupResult] = []
        for group in request.groupsNames.prefix(Limits.listedGroupsMax) {
            results.append(.init(groupId: group, errorCode: await deleteGroup(group).rawValue))
        }
        return DeleteGroupsResponse(results: results)
    }

    private func deleteGroup(_ group: String) async -> ErrorCode {
        let shard: GroupShard
        switch await coordinator(for: group) {
        case .failure(let error): return error
        case .success(let found): shard = found
        }
        let (offsets, known) = shard.offsets.read { ($0.offsets(of: group).keys.sorted(), $0.knows(group)) }
        let verdict = shard.delete(group, now: clock.now())
        switch verdict {
        case .noError: break
        case .groupIdNotFound where known: break
        default: return verdict
        }
        var records = offsets.map { OffsetsRecord.offsetCommit($0, nil) }
        records.append(.groupMetadata(group: group, nil))
        return await shard.appendAll(records)
    }
}
