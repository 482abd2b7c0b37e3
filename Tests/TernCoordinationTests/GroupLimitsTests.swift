import TernCoordination
import TernModel
import TernWire
import Testing

/// Every map of the coordinator is bounded: members per group, pending member ids per group, groups.
@Suite struct GroupLimitsTests {
    @Test("a Stable group at its size limit refuses a new member with GROUP_MAX_SIZE_REACHED")
    func maxGroupSizeStable() {
        var script = GroupScript(configuration: GroupConfiguration(maxGroupSize: 2))
        let (members, generation) = script.formStableGroup(clients: ["a", "b"])
        let third = script.join(Request.join(client: "c", requireKnown: false))
        #expect(script.joinAnswers[third] == JoinGroupResult(error: .groupMaxSizeReached))
        #expect(script.state() == .stable)
        let known = script.join(Request.join(member: members[1], client: "b"))
        #expect(script.joinAnswers[known]?.generation == generation, "members still rejoin")
    }

    @Test("while preparing, members beyond the limit that have not rejoined are shed")
    func maxGroupSizePreparing() {
        var script = GroupScript(configuration: GroupConfiguration(maxGroupSize: 2))
        let a = script.joinNew(client: "a")
        _ = script.joinNew(client: "b")
        let c = script.join(Request.join(client: "c", requireKnown: false))
        #expect(script.joinAnswers[c]?.error == .groupMaxSizeReached)
        script.passInitialDelay()
        #expect(script.joinAnswers[a.pending]?.members.count == 2)
    }

    @Test("pending member ids per group are bounded by the group size limit")
    func pendingMembersBounded() {
        var script = GroupScript(configuration: GroupConfiguration(maxGroupSize: 3))
        let errors = (0..<4).map { index in script.joinAnswer(Request.join(client: "c\(index)"))?.error }
        #expect(errors == [.memberIdRequired, .memberIdRequired, .memberIdRequired, .groupMaxSizeReached])
    }

    @Test("beyond maxGroups new groups get COORDINATOR_NOT_AVAILABLE; existing groups carry on")
    func maxGroups() {
        var script = GroupScript(configuration: GroupConfiguration(maxGroups: 2))
        _ = script.joinNew(client: "a", group: "one")
        #expect(script.commit("", generation: -1, group: "two") == .noError)
        let refused = script.join(Request.join(group: "three"))
        #expect(script.joinAnswers[refused]?.error == .coordinatorNotAvailable)
        #expect(script.commit("", generation: -1, group: "four") == .coordinatorNotAvailable)
        #expect(script.coordinator.listGroups().map(\.groupID) == ["one", "two"])
        let b = script.joinNew(client: "b", group: "one")
        script.passInitialDelay("one")
        #expect(script.joinAnswers[b.pending]?.generation == 1)
    }
}
