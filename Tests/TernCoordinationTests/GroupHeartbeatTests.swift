import TernCoordination
import TernModel
import TernWire
import Testing

/// Heartbeat and OffsetCommit validation (Kafka's `handleHeartbeat` and `validateOffsetCommit`), state by state.
@Suite struct GroupHeartbeatTests {
    @Test("Stable: NONE; a stale generation ILLEGAL_GENERATION; unknown member or group UNKNOWN_MEMBER_ID")
    func heartbeatErrors() {
        var script = GroupScript()
        let (members, generation) = script.formStableGroup(clients: ["a", "b"])
        #expect(script.heartbeat(members[0], generation: generation) == .noError)
        #expect(script.heartbeat(members[0], generation: generation - 1) == .illegalGeneration)
        #expect(script.heartbeat("ghost", generation: generation) == .unknownMemberId)
        #expect(script.heartbeat(members[0], generation: generation, group: "other") == .unknownMemberId)
        #expect(script.heartbeat(members[0], generation: generation, group: "") == .invalidGroupId)
        #expect(script.heartbeat(members[0], generation: generation, instance: "nobody") == .unknownMemberId)
    }

    @Test("PreparingRebalance: REBALANCE_IN_PROGRESS; CompletingRebalance: NONE, as Kafka answers")
    func heartbeatDuringRebalance() {
        var script = GroupScript()
        let (members, generation) = script.formStableGroup(clients: ["a", "b"])
        _ = script.join(Request.join(member: members[0], client: "a"))
        #expect(script.heartbeat(members[1], generation: generation) == .rebalanceInProgress)
        _ = script.join(Request.join(member: members[1], client: "b"))
        #expect(script.state() == .completingRebalance)
        #expect(script.heartbeat(members[1], generation: generation + 1) == .noError)
        #expect(script.heartbeat(members[1], generation: generation) == .illegalGeneration)
    }

    @Test("heartbeats keep a member past its session timeout; silence drops it")
    func heartbeatsKeepSession() {
        var script = GroupScript()
        let (members, generation) = script.formStableGroup(clients: ["a", "b"])
        for _ in 0..<10 {
            script.advance(by: 4_000)
            #expect(script.heartbeat(members[0], generation: generation) == .noError)
            #expect(script.heartbeat(members[1], generation: generation) == .noError)
        }
        #expect(script.state() == .stable)
        script.advance(by: 10_000)
        #expect(script.state() == .empty, "both sessions lapsed")
    }

    @Test("commits: an unknown group takes simple commits (and is made, Empty) but not member commits")
    func commitUnknownGroup() {
        var script = GroupScript()
        #expect(script.commit("member", generation: 3, group: "fresh") == .illegalGeneration)
        #expect(script.coordinator.describe("fresh") == nil)
        #expect(script.commit("", generation: -1, group: "simple") == .noError)
        #expect(script.coordinator.listGroups() == [GroupListing(groupID: "simple", protocolType: "", state: .empty)])
        #expect(script.commit("", generation: -1, group: "simple") == .noError, "an Empty group takes them")
        #expect(!script.coordinator.hasMembers("simple"))
    }

    @Test("commits to a group with members: members of the generation only")
    func commitStable() {
        var script = GroupScript()
        let (members, generation) = script.formStableGroup(clients: ["a", "b"])
        #expect(script.commit(members[0], generation: generation) == .noError)
        #expect(script.commit("", generation: -1) == .unknownMemberId, "no simple commits while members own it")
        #expect(script.commit("ghost", generation: generation) == .unknownMemberId)
        #expect(script.commit(members[0], generation: generation - 1) == .illegalGeneration)
    }

    @Test("commits while rebalancing: Preparing takes the current generation, Completing says REBALANCE_IN_PROGRESS")
    func commitDuringRebalance() {
        var script = GroupScript()
        let (members, generation) = script.formStableGroup(clients: ["a", "b"])
        _ = script.join(Request.join(member: members[0], client: "a"))
        #expect(script.commit(members[1], generation: generation) == .noError)
        _ = script.join(Request.join(member: members[1], client: "b"))
        #expect(script.commit(members[1], generation: generation + 1) == .rebalanceInProgress)
        #expect(script.commit(members[1], generation: generation) == .illegalGeneration)
    }

    @Test("a commit counts as a heartbeat")
    func commitKeepsSession() {
        var script = GroupScript()
        let (members, generation) = script.formStableGroup(clients: ["a"])
        for _ in 0..<5 {
            script.advance(by: 8_000)
            #expect(script.commit(members[0], generation: generation) == .noError)
        }
        #expect(script.state() == .stable)
    }
}
