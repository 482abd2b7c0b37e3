import TernCoordination
import TernModel
import TernWire
import Testing

/// LeaveGroup: one member (v0–v2) and batches by member id and/or instance id (v3+), with per-member errors.
@Suite struct GroupLeaveTests {
    @Test("a member leaving a Stable group starts a rebalance that the others complete")
    func singleLeave() {
        var script = GroupScript()
        let (members, generation) = script.formStableGroup(clients: ["a", "b"])
        let result = script.leave([LeavingMember(memberID: members[0], groupInstanceID: nil)])
        #expect(result.error == .noError)
        #expect(result.members == [.noError])
        #expect(script.state() == .preparingRebalance)
        let rejoin = script.join(Request.join(member: members[1], client: "b"))
        #expect(script.joinAnswers[rejoin]?.generation == generation + 1)
        #expect(script.joinAnswers[rejoin]?.leader == members[1], "leadership passes on")
    }

    @Test("a leaving member's parked JoinGroup is answered UNKNOWN_MEMBER_ID; the leave may complete the phase")
    func leaveWhileParked() {
        var script = GroupScript()
        let (members, generation) = script.formStableGroup(clients: ["a", "b"])
        let aRejoin = script.join(Request.join(member: members[0], client: "a"))
        let bRejoin = script.join(Request.join(member: members[1], client: "b", protocols: [
            GroupProtocol(name: "range", metadata: [4]),
        ]))
        #expect(script.joinAnswers[bRejoin]?.generation == generation + 1, "both rejoined")
        let cJoin = script.joinNew(client: "c")
        let result = script.leave([LeavingMember(memberID: cJoin.memberID, groupInstanceID: nil)])
        #expect(result.members == [.noError])
        #expect(script.joinAnswers[cJoin.pending]?.error == .unknownMemberId)
        _ = aRejoin
    }

    @Test("the last member leaving empties the group and stores it")
    func lastLeave() {
        var script = GroupScript()
        let (members, generation) = script.formStableGroup(clients: ["a"])
        let result = script.leave([LeavingMember(memberID: members[0], groupInstanceID: nil)])
        #expect(result.outputs.contains { output in
            if case .persist(let persist) = output { persist.value?.members == [] && persist.token == nil } else { false }
        })
        #expect(script.state() == .empty)
        #expect(script.lastPersist?.value?.generation == generation + 1)
    }

    @Test("a batch: known ids leave, unknown ids and mismatched instance ids are refused, per member, in order")
    func batchLeave() {
        var script = GroupScript()
        let a = script.joinNew(client: "a")
        let b = script.joinNew(client: "b")
        let staticJoin = script.join(Request.join(instance: "inst-1", client: "s"))
        script.passInitialDelay()
        let staticID = script.joinAnswers[staticJoin]?.memberID ?? ""
        #expect(staticID.hasPrefix("inst-1-"))
        let pending = script.join(Request.join(client: "p"))
        let pendingID = script.joinAnswers[pending]?.memberID ?? ""
        let result = script.leave([
            LeavingMember(memberID: a.memberID, groupInstanceID: nil),
            LeavingMember(memberID: "ghost", groupInstanceID: nil),
            LeavingMember(memberID: b.memberID, groupInstanceID: "inst-1"),
            LeavingMember(memberID: "", groupInstanceID: "unknown-instance"),
            LeavingMember(memberID: pendingID, groupInstanceID: nil),
            LeavingMember(memberID: "", groupInstanceID: "inst-1"),
        ])
        #expect(result.error == .noError)
        #expect(result.members == [
            .noError, .unknownMemberId, .fencedInstanceId, .unknownMemberId, .noError, .noError,
        ])
        #expect(script.coordinator.describe("g")?.members.map(\.memberID) == [b.memberID])
    }

    @Test("an unknown group answers UNKNOWN_MEMBER_ID per member; an empty group id INVALID_GROUP_ID")
    func leaveUnknownGroup() {
        var script = GroupScript()
        let unknown = script.leave([LeavingMember(memberID: "x", groupInstanceID: nil),
                                    LeavingMember(memberID: "y", groupInstanceID: nil)], group: "nope")
        #expect(unknown == LeaveGroupResult(error: .noError, members: [.unknownMemberId, .unknownMemberId], outputs: []))
        let invalid = script.leave([LeavingMember(memberID: "x", groupInstanceID: nil)], group: "")
        #expect(invalid.error == .invalidGroupId)
        #expect(invalid.members.isEmpty)
    }
}
