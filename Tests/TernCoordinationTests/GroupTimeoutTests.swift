import TernCoordination
import TernModel
import TernWire
import Testing

/// The timers `tick` fires: sessions, the rebalance timeout, pending member ids, new members that never get
/// through a join phase, and members that join but never sync.
@Suite struct GroupTimeoutTests {
    @Test("a member whose session lapses is removed and the group rebalances without it")
    func sessionExpiryRebalances() {
        var script = GroupScript()
        let (members, generation) = script.formStableGroup(clients: ["a", "b"])
        script.advance(by: 6_000)
        #expect(script.heartbeat(members[0], generation: generation) == .noError)
        script.advance(by: 4_000)
        #expect(script.state() == .preparingRebalance, "b's session ran out")
        #expect(script.coordinator.describe("g")?.members.map(\.memberID) == [members[0]])
        #expect(script.heartbeat(members[0], generation: generation) == .rebalanceInProgress)
        #expect(script.heartbeat(members[1], generation: generation) == .unknownMemberId)
        let rejoin = script.join(Request.join(member: members[0], client: "a"))
        let answer = script.joinAnswers[rejoin]
        #expect(answer?.generation == generation + 1)
        #expect(answer?.members.map(\.memberID) == [members[0]])
    }

    @Test("the last member expiring empties the group and stores it empty with the next generation")
    func lastMemberExpiry() {
        var script = GroupScript()
        let (_, generation) = script.formStableGroup(clients: ["a"])
        script.advance(by: 10_000)
        #expect(script.state() == .empty)
        let persist = script.lastPersist
        #expect(persist?.token == nil, "not waited on")
        #expect(persist?.value?.members == [])
        #expect(persist?.value?.generation == generation + 1)
        #expect(persist?.value?.protocolName == nil)
        #expect(persist?.value?.leader == nil)
        #expect(persist?.value?.protocolType == "consumer")
        #expect(!script.coordinator.hasMembers("g"))
    }

    @Test("the rebalance timeout drops a member that did not rejoin and completes with those who did")
    func rebalanceTimeoutDropsMember() {
        var script = GroupScript()
        let (members, generation) = script.formStableGroup(clients: ["a", "b"], rebalance: 20_000)
        let rejoin = script.join(Request.join(member: members[0], client: "a", rebalance: 20_000))
        for _ in 0..<4 {
            script.advance(by: 4_900)
            #expect(script.heartbeat(members[1], generation: generation) == .rebalanceInProgress)
        }
        #expect(!script.isAnswered(rejoin))
        script.advance(by: 400)
        let answer = script.joinAnswers[rejoin]
        #expect(answer?.generation == generation + 1)
        #expect(answer?.members.map(\.memberID) == [members[0]])
        #expect(script.heartbeat(members[1], generation: generation) == .unknownMemberId)
    }

    @Test("a leader that does not rejoin is succeeded by the earliest member that did")
    func leaderReelection() {
        var script = GroupScript()
        let (members, _) = script.formStableGroup(clients: ["a", "b", "c"], rebalance: 20_000)
        // Changed metadata: a follower rejoining unchanged would be answered at once without a rebalance.
        let b = script.join(Request.join(
            member: members[1], client: "b", rebalance: 20_000, protocols: [GroupProtocol(name: "range", metadata: [2])]))
        let c = script.join(Request.join(member: members[2], client: "c", rebalance: 20_000))
        for _ in 0..<4 {
            script.advance(by: 4_000)
            #expect(script.heartbeat(members[0], generation: 1) == .rebalanceInProgress, "a is alive")
        }
        script.advance(by: 4_000)
        #expect(script.joinAnswers[b]?.leader == members[1])
        #expect(script.joinAnswers[b]?.members.count == 2)
        #expect(script.joinAnswers[c]?.members.isEmpty == true)
    }

    @Test("a pending member id holds the join phase until it is used or lapses with the session timeout")
    func pendingMemberLapses() {
        var script = GroupScript()
        let (members, generation) = script.formStableGroup(clients: ["a"])
        let first = script.join(Request.join(client: "late", session: 8_000))
        let pendingID = script.joinAnswers[first]?.memberID ?? ""
        #expect(script.state() == .stable, "a pending id alone starts no rebalance")
        let leaderRejoin = script.join(Request.join(member: members[0], client: "a"))
        #expect(!script.isAnswered(leaderRejoin), "waits for the pending member")
        script.advance(by: 7_999)
        #expect(!script.isAnswered(leaderRejoin))
        script.advance(by: 1)
        #expect(script.joinAnswers[leaderRejoin]?.generation == generation + 1)
        let tooLate = script.join(Request.join(member: pendingID, client: "late"))
        #expect(script.joinAnswers[tooLate]?.error == .unknownMemberId)
    }

    @Test("a new member whose join phase outlasts five minutes is dropped with UNKNOWN_MEMBER_ID")
    func newMemberJoinTimeout() {
        var script = GroupScript()
        let (members, generation) = script.formStableGroup(clients: ["a"], rebalance: 600_000)
        let newcomer = script.joinNew(client: "b", rebalance: 600_000)
        #expect(script.state() == .preparingRebalance)
        // a keeps heartbeating but never rejoins, so the phase runs to its 10-minute timeout.
        for _ in 0..<60 {
            script.advance(by: 5_000)
            #expect(script.heartbeat(members[0], generation: generation) == .rebalanceInProgress)
        }
        #expect(script.joinAnswers[newcomer.pending]?.error == .unknownMemberId)
        #expect(script.coordinator.describe("g")?.members.map(\.memberID) == [members[0]])
    }

    @Test("a member that joined but never syncs is removed after the rebalance timeout")
    func pendingSyncExpiry() {
        var script = GroupScript()
        let a = script.joinNew(client: "a", rebalance: 15_000)
        let b = script.joinNew(client: "b", rebalance: 15_000)
        script.passInitialDelay()
        let generation = script.joinAnswers[a.pending]?.generation ?? -1
        _ = script.sync(Request.sync(member: a.memberID, generation: generation))
        script.persisted(script.lastPersist?.token)
        #expect(script.state() == .stable)
        for _ in 0..<2 {
            script.advance(by: 5_000)
            #expect(script.heartbeat(a.memberID, generation: generation) == .noError)
            #expect(script.heartbeat(b.memberID, generation: generation) == .noError)
        }
        #expect(script.state() == .stable)
        script.advance(by: 5_000)
        #expect(script.state() == .preparingRebalance, "b never sent its SyncGroup")
        #expect(script.coordinator.describe("g")?.members.map(\.memberID) == [a.memberID])
    }
}
