import TernCoordination
import TernModel
import TernWire
import Testing

/// DescribeGroups, ListGroups, DeleteGroups, `hasMembers` and `abandonAll` (losing the offsets partition).
@Suite struct GroupAdminTests {
    @Test("describe shows the protocol and metadata once a generation is chosen, assignments once Stable")
    func describeByState() {
        var script = GroupScript()
        #expect(script.coordinator.describe("g") == nil)
        let a = script.joinNew(client: "a")
        let preparing = script.coordinator.describe("g")
        #expect(preparing?.state == .preparingRebalance)
        #expect(preparing?.protocolType == "consumer")
        #expect(preparing?.protocolName == "")
        #expect(preparing?.members == [MemberDescription(
            memberID: a.memberID, groupInstanceID: nil, clientID: "a", clientHost: "/10.0.0.1", metadata: [],
            assignment: [])])
        script.passInitialDelay()
        let completing = script.coordinator.describe("g")
        #expect(completing?.protocolName == "range")
        #expect(completing?.members.first?.metadata == [1, 1])
        #expect(completing?.members.first?.assignment == [])
        _ = script.sync(Request.sync(member: a.memberID, generation: 1, assignments: [a.memberID: [5]]))
        script.persisted(script.lastPersist?.token)
        #expect(script.coordinator.describe("g")?.members.first?.assignment == [5])
    }

    @Test("listGroups is sorted by group id with each group's type and state")
    func listGroups() {
        var script = GroupScript()
        _ = script.joinNew(client: "a", group: "zeta")
        #expect(script.commit("", generation: -1, group: "alpha") == .noError)
        #expect(script.coordinator.listGroups() == [
            GroupListing(groupID: "alpha", protocolType: "", state: .empty),
            GroupListing(groupID: "zeta", protocolType: "consumer", state: .preparingRebalance),
        ])
        #expect(script.coordinator.hasMembers("zeta"))
        #expect(!script.coordinator.hasMembers("alpha"))
        #expect(!script.coordinator.hasMembers("nothing"))
    }

    @Test("delete: NON_EMPTY_GROUP with members, GROUP_ID_NOT_FOUND if unknown, else a tombstone")
    func delete() {
        var script = GroupScript()
        #expect(script.delete("nope") == .groupIdNotFound)
        let (members, _) = script.formStableGroup(clients: ["a"])
        #expect(script.delete() == .nonEmptyGroup)
        #expect(script.state() == .stable)
        _ = script.leave([LeavingMember(memberID: members[0], groupInstanceID: nil)])
        #expect(script.delete() == .noError)
        #expect(script.lastPersist == GroupPersist(groupID: "g", value: nil, token: nil))
        #expect(script.coordinator.describe("g") == nil)
        #expect(script.delete() == .groupIdNotFound)
        let fresh = script.joinNew(client: "b")
        script.passInitialDelay()
        #expect(script.joinAnswers[fresh.pending]?.generation == 1, "a group made again starts over")
    }

    @Test("abandonAll answers every parked join and sync NOT_COORDINATOR and forgets every group")
    func abandonAll() {
        var script = GroupScript()
        let a = script.joinNew(client: "a", group: "joining")
        let b = script.joinNew(client: "b", group: "syncing")
        let c = script.joinNew(client: "c", group: "syncing")
        script.passInitialDelay("syncing")
        let syncB = script.sync(Request.sync(group: "syncing", member: b.memberID, generation: 1))
        let syncC = script.sync(Request.sync(group: "syncing", member: c.memberID, generation: 1))
        let token = script.lastPersist?.token
        let joinD = script.joinNew(client: "d", group: "joining").pending
        script.abandonAll()
        // "joining" was already answered at the delay's end; d's join is new.
        #expect(script.joinAnswers[a.pending]?.error == .noError)
        #expect(script.joinAnswers[joinD]?.error == .notCoordinator)
        #expect(script.syncAnswers[syncB]?.error == .notCoordinator)
        #expect(script.syncAnswers[syncC]?.error == .notCoordinator)
        #expect(script.coordinator.listGroups().isEmpty)
        let before = script.persists.count
        script.persisted(token)
        #expect(script.persists.count == before, "a late outcome changes nothing")
        #expect(script.coordinator.listGroups().isEmpty)
    }
}
