import TernCoordination
import TernModel
import TernWire
import Testing

/// KIP-345 static membership: a known group.instance.id joining with no member id replaces the old member,
/// the old process is fenced, a Stable group does not rebalance, and requests naming an instance id with the
/// wrong member id are fenced.
@Suite struct StaticMembershipTests {
    /// A Stable group of a static member (instance "s", the leader) and a dynamic one.
    static func stableGroup() -> (GroupScript, staticID: String, dynamicID: String, generation: Int32) {
        var script = GroupScript()
        let staticJoin = script.join(Request.join(instance: "s", client: "static"))
        let dynamic = script.joinNew(client: "dynamic")
        script.passInitialDelay()
        let staticID = script.joinAnswers[staticJoin]?.memberID ?? ""
        let generation = script.joinAnswers[staticJoin]?.generation ?? -1
        _ = script.sync(Request.sync(member: staticID, generation: generation, instance: "s",
                                     assignments: [staticID: [1], dynamic.memberID: [2]]))
        _ = script.sync(Request.sync(member: dynamic.memberID, generation: generation))
        script.persisted(script.lastPersist?.token)
        #expect(script.state() == .stable)
        return (script, staticID, dynamic.memberID, generation)
    }

    @Test("a static member's first join needs no MEMBER_ID_REQUIRED; its id starts with the instance id")
    func staticFirstJoin() {
        var script = GroupScript()
        let pending = script.join(Request.join(instance: "host-7", client: "app"))
        #expect(!script.isAnswered(pending))
        script.passInitialDelay()
        #expect(script.joinAnswers[pending]?.memberID.hasPrefix("host-7-") == true)
        #expect(script.joinAnswers[pending]?.members.first?.groupInstanceID == "host-7")
    }

    @Test("a new process replaces the static member without a rebalance, once the new id is stored")
    func replacementWithoutRebalance() {
        var (script, oldID, dynamicID, generation) = Self.stableGroup()
        let rejoin = script.join(Request.join(instance: "s", client: "static"))
        #expect(!script.isAnswered(rejoin), "waits for the record")
        let persist = script.lastPersist
        #expect(persist?.token != nil)
        let newID = persist?.value?.members.first?.memberID ?? ""
        #expect(newID != oldID && newID.hasPrefix("s-"))
        #expect(persist?.value?.members.map(\.assignment) == [[1], [2]], "assignments are kept")
        #expect(persist?.value?.leader == newID)
        script.persisted(persist?.token)
        let answer = script.joinAnswers[rejoin]
        #expect(answer?.error == .noError)
        #expect(answer?.memberID == newID)
        #expect(answer?.generation == generation, "no new generation")
        #expect(answer?.leader == oldID, "the old leader id, so the new process does not assign (pre-v9)")
        #expect(answer?.members.isEmpty == true)
        #expect(script.state() == .stable)
        #expect(script.heartbeat(oldID, generation: generation, instance: "s") == .fencedInstanceId)
        #expect(script.heartbeat(newID, generation: generation, instance: "s") == .noError)
        #expect(script.heartbeat(dynamicID, generation: generation) == .noError)
        let sync = script.sync(Request.sync(member: newID, generation: generation, instance: "s"))
        #expect(script.syncAnswers[sync]?.assignment == [1])
        let fencedSync = script.sync(Request.sync(member: oldID, generation: generation, instance: "s"))
        #expect(script.syncAnswers[fencedSync]?.error == .fencedInstanceId)
        #expect(script.commit(oldID, generation: generation, instance: "s") == .fencedInstanceId)
    }

    @Test("the old process's parked JoinGroup is fenced when a new process takes the instance id")
    func oldParkedJoinFenced() {
        var (script, oldID, dynamicID, generation) = Self.stableGroup()
        let oldRejoin = script.join(Request.join(member: oldID, instance: "s", client: "static"))
        #expect(script.state() == .preparingRebalance, "the leader rejoined")
        let newProcess = script.join(Request.join(instance: "s", client: "static"))
        #expect(script.joinAnswers[oldRejoin]?.error == .fencedInstanceId)
        #expect(script.joinAnswers[oldRejoin]?.memberID == oldID)
        let dynamicRejoin = script.join(Request.join(member: dynamicID, client: "dynamic"))
        let answer = script.joinAnswers[newProcess]
        #expect(answer?.generation == generation + 1)
        #expect(answer?.memberID.hasPrefix("s-") == true && answer?.memberID != oldID)
        #expect(answer?.leader == answer?.memberID, "the replaced leader's place goes to the new id")
        #expect(script.joinAnswers[dynamicRejoin]?.generation == generation + 1)
    }

    @Test("a replacement with changed metadata rebalances")
    func replacementWithChangedMetadata() {
        var (script, _, _, _) = Self.stableGroup()
        let rejoin = script.join(Request.join(instance: "s", client: "static", protocols: [
            GroupProtocol(name: "range", metadata: [8, 8]),
        ]))
        #expect(!script.isAnswered(rejoin))
        #expect(script.state() == .preparingRebalance)
        #expect(script.persists.count == 1, "no record for the replacement: the rebalance will store the group")
    }

    @Test("a failed replacement record puts the old member back and answers the new process with the error")
    func replacementPersistFailure() {
        var (script, oldID, _, generation) = Self.stableGroup()
        let rejoin = script.join(Request.join(instance: "s", client: "static"))
        script.persisted(script.lastPersist?.token, error: .notEnoughReplicas)
        let answer = script.joinAnswers[rejoin]
        #expect(answer?.error == .coordinatorNotAvailable)
        #expect(answer?.memberID == "")
        #expect(script.heartbeat(oldID, generation: generation, instance: "s") == .noError)
        #expect(script.state() == .stable)
    }

    @Test("FENCED_INSTANCE_ID: a join naming the instance with another member id")
    func fencedJoin() {
        var (script, _, dynamicID, _) = Self.stableGroup()
        let wrong = script.join(Request.join(member: dynamicID, instance: "s", client: "dynamic"))
        #expect(script.joinAnswers[wrong]?.error == .fencedInstanceId)
        let unknownInstance = script.join(Request.join(member: dynamicID, instance: "other", client: "dynamic"))
        #expect(script.joinAnswers[unknownInstance]?.error == .unknownMemberId)
    }

    @Test("a static member that does not rejoin stays through the join phase, then its session ends it")
    func staticMemberNotDroppedByRebalanceTimeout() {
        var (script, staticID, dynamicID, generation) = Self.stableGroup()
        let dynamicRejoin = script.join(Request.join(
            member: dynamicID, client: "dynamic", protocols: [GroupProtocol(name: "range", metadata: [6])]))
        for _ in 0..<5 {
            script.advance(by: 5_000)
            #expect(script.heartbeat(staticID, generation: generation, instance: "s") == .rebalanceInProgress)
        }
        script.advance(by: 5_000)
        let answer = script.joinAnswers[dynamicRejoin]
        #expect(answer?.generation == generation + 1)
        #expect(answer?.leader == dynamicID, "leadership moves to a member that rejoined")
        #expect(answer?.members.map(\.memberID) == [staticID, dynamicID], "the static member is still listed")
        script.advance(by: 5_000)
        #expect(script.heartbeat(dynamicID, generation: generation + 1) == .noError)
        script.advance(by: 5_000)
        #expect(script.coordinator.describe("g")?.members.map(\.memberID) == [dynamicID])
    }
}
