import TernCoordination
import TernModel
import TernWire
import Testing

/// JoinGroup scenarios: the KIP-394 member-id handshake, the initial delay, the join phase with several members,
/// rejoins of a settled group, and the request errors. Each test drives a `GroupScript` (injected time, no
/// sleeps) and checks the answers the shell would send.
@Suite struct GroupJoinTests {
    @Test("a v4+ member without an id gets MEMBER_ID_REQUIRED, rejoins with it and waits out the initial delay")
    func memberIDRequiredThenJoin() {
        var script = GroupScript()
        let first = script.join(Request.join(client: "consumer-1"))
        let required = script.joinAnswers[first]
        #expect(required?.error == .memberIdRequired)
        #expect(required?.generation == -1)
        let memberID = required?.memberID ?? ""
        #expect(memberID.hasPrefix("consumer-1-"))
        #expect(script.state() == .empty, "a pending id does not start a rebalance")

        let second = script.join(Request.join(member: memberID, client: "consumer-1"))
        #expect(!script.isAnswered(second), "parked for the initial delay")
        #expect(script.state() == .preparingRebalance)
        script.advance(by: 2_999)
        #expect(!script.isAnswered(second))
        script.advance(by: 1)
        let answer = script.joinAnswers[second]
        #expect(answer?.error == .noError)
        #expect(answer?.generation == 1)
        #expect(answer?.leader == memberID)
        #expect(answer?.protocolType == "consumer")
        #expect(answer?.protocolName == "range")
        #expect(answer?.members == [JoinedMember(memberID: memberID, groupInstanceID: nil, metadata: [1, 1])])
        #expect(script.state() == .completingRebalance)
    }

    @Test("member ids look like Kafka's: client id, dash, a version-4 UUID")
    func memberIDShape() {
        var script = GroupScript()
        let pending = script.join(Request.join(client: "app"))
        let memberID = script.joinAnswers[pending]?.memberID ?? ""
        let uuid = Array(memberID.dropFirst("app-".count))
        #expect(uuid.count == 36)
        #expect([8, 13, 18, 23].allSatisfy { uuid[$0] == "-" })
        #expect(uuid[14] == "4", "version 4")
        #expect(["8", "9", "a", "b"].contains(uuid[19]), "IETF variant")
        #expect(uuid.allSatisfy { $0 == "-" || $0.isHexDigit && !$0.isUppercase })
    }

    @Test("the same seed and script give the same member ids; another seed others")
    func seededIDs() {
        func firstID(seed: UInt64) -> String {
            var script = GroupScript(seed: seed)
            return script.joinAnswer(Request.join())?.memberID ?? ""
        }
        #expect(firstID(seed: 1) == firstID(seed: 1))
        #expect(firstID(seed: 1) != firstID(seed: 2))
    }

    @Test("a v0–v3 first join gets its new member id with the join answer")
    func oldVersionJoin() {
        var script = GroupScript()
        let pending = script.join(Request.join(client: "old", requireKnown: false))
        #expect(!script.isAnswered(pending))
        script.passInitialDelay()
        let answer = script.joinAnswers[pending]
        #expect(answer?.error == .noError)
        #expect(answer?.memberID.hasPrefix("old-") == true)
        #expect(answer?.leader == answer?.memberID)
    }

    @Test("three members: the first leads and alone gets the member list; all share generation 1")
    func threeMembersJoin() {
        var script = GroupScript()
        let a = script.joinNew(client: "a")
        script.advance(by: 1_000)
        let b = script.joinNew(client: "b", protocols: [GroupProtocol(name: "range", metadata: [2])])
        let c = script.joinNew(client: "c", protocols: [GroupProtocol(name: "range", metadata: [3])])
        script.advance(by: 2_000)
        #expect(!script.isAnswered(a.pending), "a member joined during the delay, so it is extended")
        script.passInitialDelay()
        let answers = [a, b, c].compactMap { script.joinAnswers[$0.pending] }
        #expect(answers.count == 3)
        #expect(answers.allSatisfy { $0.generation == 1 && $0.leader == a.memberID && $0.error == .noError })
        #expect(answers.map(\.memberID) == [a.memberID, b.memberID, c.memberID])
        #expect(answers[0].members.map(\.memberID) == [a.memberID, b.memberID, c.memberID])
        #expect(answers[0].members.map(\.metadata) == [[1, 1], [2], [3]])
        #expect(answers[1].members.isEmpty && answers[2].members.isEmpty, "followers get no list")
    }

    @Test("the initial delay extends for late joiners only while the rebalance timeout lasts")
    func initialDelayBoundedByRebalanceTimeout() {
        var script = GroupScript()
        // Rebalance timeout 4 s, delay 3 s: 1 s is left for one extension.
        let a = script.joinNew(client: "a", rebalance: 4_000)
        script.advance(by: 2_000)
        _ = script.joinNew(client: "b", rebalance: 4_000)
        script.advance(by: 1_000)
        #expect(!script.isAnswered(a.pending))
        script.advance(by: 999)
        #expect(!script.isAnswered(a.pending))
        script.advance(by: 1)
        #expect(script.joinAnswers[a.pending]?.generation == 1)
    }

    @Test("with no initial delay a lone member's join phase completes at once")
    func zeroInitialDelay() {
        var script = GroupScript(configuration: GroupConfiguration(initialRebalanceDelayMs: 0))
        let a = script.joinNew(client: "a")
        #expect(script.joinAnswers[a.pending]?.generation == 1)
    }

    @Test("request errors: INVALID_GROUP_ID, INVALID_SESSION_TIMEOUT, UNKNOWN_MEMBER_ID")
    func requestErrors() {
        var script = GroupScript()
        func error(_ input: JoinGroupInput) -> ErrorCode? { script.joinAnswer(input)?.error }
        #expect(error(Request.join(group: "")) == .invalidGroupId)
        #expect(error(Request.join(session: 5_999)) == .invalidSessionTimeout)
        #expect(error(Request.join(session: 1_800_001)) == .invalidSessionTimeout)
        #expect(error(Request.join(member: "ghost")) == .unknownMemberId, "an unknown group with a member id")
        #expect(script.coordinator.listGroups().isEmpty, "failed joins leave no group behind")
        _ = script.joinNew(client: "a")
        #expect(error(Request.join(member: "ghost")) == .unknownMemberId, "a member the group does not know")
    }

    @Test("INCONSISTENT_GROUP_PROTOCOL: no protocols, no type, another type, nothing in common")
    func inconsistentProtocols() {
        var script = GroupScript()
        func error(_ input: JoinGroupInput) -> ErrorCode? { script.joinAnswer(input)?.error }
        #expect(error(Request.join(protocols: [])) == .inconsistentGroupProtocol)
        #expect(error(Request.join(type: "")) == .inconsistentGroupProtocol)
        #expect(script.coordinator.listGroups().isEmpty)
        _ = script.joinNew(client: "a")
        #expect(error(Request.join(type: "connect")) == .inconsistentGroupProtocol)
        #expect(error(Request.join(protocols: [GroupProtocol(name: "sticky", metadata: [])])) == .inconsistentGroupProtocol)
        #expect(error(Request.join(requireKnown: false)) == nil, "a compatible member still joins (parked)")
    }

    @Test("a follower rejoining a Stable group unchanged gets the current generation without a rebalance")
    func followerRejoinStable() {
        var script = GroupScript()
        let (members, generation) = script.formStableGroup(clients: ["a", "b"])
        let rejoin = script.join(Request.join(member: members[1], client: "b"))
        let answer = script.joinAnswers[rejoin]
        #expect(answer?.error == .noError)
        #expect(answer?.generation == generation)
        #expect(answer?.leader == members[0])
        #expect(answer?.members.isEmpty == true)
        #expect(script.state() == .stable)
    }

    @Test("the leader rejoining, or a follower with new metadata, starts a rebalance")
    func rejoinTriggersRebalance() {
        var script = GroupScript()
        let (members, generation) = script.formStableGroup(clients: ["a", "b"])
        let leader = script.join(Request.join(member: members[0], client: "a"))
        #expect(!script.isAnswered(leader))
        #expect(script.state() == .preparingRebalance)
        let follower = script.join(Request.join(member: members[1], client: "b"))
        #expect(script.joinAnswers[follower]?.generation == generation + 1, "everyone rejoined: complete at once")
        #expect(script.joinAnswers[leader]?.members.count == 2)

        var other = GroupScript()
        let (otherMembers, _) = other.formStableGroup(clients: ["a", "b"])
        let changed = other.join(Request.join(
            member: otherMembers[1], client: "b", protocols: [GroupProtocol(name: "range", metadata: [9])]))
        #expect(!other.isAnswered(changed))
        #expect(other.state() == .preparingRebalance)
    }

    @Test("rejoining unchanged while CompletingRebalance returns the generation again, with the list for the leader")
    func rejoinWhileCompleting() {
        var script = GroupScript()
        let a = script.joinNew(client: "a")
        let b = script.joinNew(client: "b")
        script.passInitialDelay()
        #expect(script.state() == .completingRebalance)
        let again = script.join(Request.join(member: a.memberID, client: "a"))
        #expect(script.joinAnswers[again]?.generation == 1)
        #expect(script.joinAnswers[again]?.members.map(\.memberID) == [a.memberID, b.memberID])
        #expect(script.state() == .completingRebalance)
    }

    @Test("a repeated JoinGroup replaces the parked one, which is answered REBALANCE_IN_PROGRESS")
    func supersededJoin() {
        var script = GroupScript()
        let a = script.joinNew(client: "a")
        let repeated = script.join(Request.join(member: a.memberID, client: "a"))
        #expect(script.joinAnswers[a.pending]?.error == .rebalanceInProgress)
        #expect(!script.isAnswered(repeated))
        script.passInitialDelay()
        #expect(script.joinAnswers[repeated]?.generation == 1)
    }
}
