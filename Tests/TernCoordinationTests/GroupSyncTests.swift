import TernCoordination
import TernModel
import TernWire
import Testing

/// SyncGroup scenarios: followers wait for the leader, the leader's assignment is stored before anyone gets it,
/// a failed or stale store, and the errors. Method: scripted calls with injected time; the record's token is
/// reported back with `persisted` as the shell would once the append commits.
@Suite struct GroupSyncTests {
    /// Two members through their join phase: (script, leader, follower, generation).
    static func completing() -> (GroupScript, String, String, Int32) {
        var script = GroupScript()
        let a = script.joinNew(client: "a")
        let b = script.joinNew(client: "b")
        script.passInitialDelay()
        return (script, a.memberID, b.memberID, script.joinAnswers[a.pending]?.generation ?? -1)
    }

    @Test("followers are parked until the leader syncs and its record commits; then Stable, each gets its share")
    func leaderSyncStoresThenAnswers() {
        var (script, leader, follower, generation) = Self.completing()
        let followerSync = script.sync(Request.sync(member: follower, generation: generation))
        #expect(!script.isAnswered(followerSync))
        let assignments = [leader: [UInt8]([1]), follower: [2]]
        let leaderSync = script.sync(Request.sync(member: leader, generation: generation, assignments: assignments))
        #expect(!script.isAnswered(leaderSync) && !script.isAnswered(followerSync), "nothing before the commit")
        #expect(script.state() == .completingRebalance)

        let persist = script.lastPersist
        #expect(persist?.groupID == "g")
        #expect(persist?.token != nil)
        let value = persist?.value
        #expect(value?.generation == generation)
        #expect(value?.protocolType == "consumer")
        #expect(value?.protocolName == "range")
        #expect(value?.leader == leader)
        #expect(value?.currentStateTimestamp == script.now)
        #expect(value?.members.map(\.memberID) == [leader, follower])
        #expect(value?.members.map(\.assignment) == [[1], [2]])
        #expect(value?.members.map(\.subscription) == [[1, 1], [1, 1]])
        #expect(value?.members.first?.sessionTimeoutMs == 10_000)
        #expect(value?.members.first?.rebalanceTimeoutMs == 30_000)
        #expect(value?.members.first?.clientID == "a")

        script.persisted(persist?.token)
        #expect(script.syncAnswers[leaderSync] == SyncGroupResult(
            error: .noError, protocolType: "consumer", protocolName: "range", assignment: [1]))
        #expect(script.syncAnswers[followerSync]?.assignment == [2])
        #expect(script.state() == .stable)
        #expect(script.coordinator.describe("g")?.members.map(\.assignment) == [[1], [2]])
    }

    @Test("members the leader leaves out get an empty assignment; entries for strangers are ignored")
    func missingAndStrayAssignments() {
        var (script, leader, follower, generation) = Self.completing()
        _ = script.sync(Request.sync(member: leader, generation: generation,
                                     assignments: [leader: [7], "stranger": [9]]))
        #expect(script.lastPersist?.value?.members.map(\.assignment) == [[7], []])
        script.persisted(script.lastPersist?.token)
        let late = script.sync(Request.sync(member: follower, generation: generation))
        #expect(script.syncAnswers[late] == SyncGroupResult(
            error: .noError, protocolType: "consumer", protocolName: "range", assignment: []))
    }

    @Test("a SyncGroup to a Stable group is answered at once with the member's assignment")
    func stableSync() {
        var script = GroupScript()
        let (members, generation) = script.formStableGroup(clients: ["a", "b"])
        let again = script.sync(Request.sync(member: members[1], generation: generation, type: "consumer",
                                             name: "range"))
        #expect(script.syncAnswers[again]?.assignment == Request.assignment(members[1]))
    }

    @Test("errors: UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, INCONSISTENT_GROUP_PROTOCOL, INVALID_GROUP_ID")
    func syncErrors() {
        var (script, leader, _, generation) = Self.completing()
        func error(_ input: SyncGroupInput) -> ErrorCode? { script.syncAnswer(input)?.error }
        #expect(error(Request.sync(group: "", member: leader, generation: generation)) == .invalidGroupId)
        #expect(error(Request.sync(group: "other", member: leader, generation: generation)) == .unknownMemberId)
        #expect(error(Request.sync(member: "ghost", generation: generation)) == .unknownMemberId)
        #expect(error(Request.sync(member: leader, generation: generation - 1)) == .illegalGeneration)
        #expect(error(Request.sync(member: leader, generation: generation, type: "connect")) == .inconsistentGroupProtocol)
        #expect(error(Request.sync(member: leader, generation: generation, name: "sticky")) == .inconsistentGroupProtocol)
        #expect(script.state() == .completingRebalance, "refused syncs change nothing")
    }

    @Test("a SyncGroup while PreparingRebalance gets REBALANCE_IN_PROGRESS")
    func syncWhilePreparing() {
        var script = GroupScript()
        let (members, generation) = script.formStableGroup(clients: ["a", "b"])
        _ = script.join(Request.join(member: members[0], client: "a"))
        let sync = script.sync(Request.sync(member: members[1], generation: generation))
        #expect(script.syncAnswers[sync]?.error == .rebalanceInProgress)
    }

    @Test("a failed store answers the parked syncs with the mapped error and rebalances")
    func persistFailure() {
        var (script, leader, follower, generation) = Self.completing()
        let followerSync = script.sync(Request.sync(member: follower, generation: generation))
        let leaderSync = script.sync(Request.sync(member: leader, generation: generation, assignments: [leader: [1]]))
        script.persisted(script.lastPersist?.token, error: .notLeaderOrFollower)
        #expect(script.syncAnswers[leaderSync]?.error == .notCoordinator)
        #expect(script.syncAnswers[followerSync]?.error == .notCoordinator)
        #expect(script.state() == .preparingRebalance)
        #expect(script.coordinator.describe("g")?.members.allSatisfy { $0.assignment.isEmpty } == true)
        let rejoinA = script.join(Request.join(member: leader, client: "a"))
        let rejoinB = script.join(Request.join(member: follower, client: "b"))
        #expect(script.joinAnswers[rejoinA]?.generation == generation + 1)
        #expect(script.joinAnswers[rejoinB]?.generation == generation + 1)
    }

    @Test("store errors map as Kafka maps them")
    func persistErrorMapping() {
        let cases: [(ErrorCode, ErrorCode)] = [
            (.notEnoughReplicas, .coordinatorNotAvailable), (.unknownTopicOrPartition, .coordinatorNotAvailable),
            (.kafkaStorageError, .notCoordinator), (.requestTimedOut, .rebalanceInProgress),
            (.messageTooLarge, .unknownServerError), (.coordinatorNotAvailable, .coordinatorNotAvailable),
        ]
        for (appendError, expected) in cases {
            var (script, leader, _, generation) = Self.completing()
            let sync = script.sync(Request.sync(member: leader, generation: generation))
            script.persisted(script.lastPersist?.token, error: appendError)
            #expect(script.syncAnswers[sync]?.error == expected, "\(appendError)")
        }
    }

    @Test("a store that commits after the group moved on is ignored")
    func stalePersist() {
        var (script, leader, follower, generation) = Self.completing()
        let leaderSync = script.sync(Request.sync(member: leader, generation: generation))
        let token = script.lastPersist?.token
        // Meanwhile the follower rejoins with new metadata: everyone is sent back to join.
        let rejoin = script.join(Request.join(member: follower, client: "b",
                                              protocols: [GroupProtocol(name: "range", metadata: [5])]))
        #expect(script.syncAnswers[leaderSync]?.error == .rebalanceInProgress)
        script.persisted(token)
        #expect(script.state() == .preparingRebalance)
        #expect(!script.isAnswered(rejoin))
    }

    @Test("a repeated SyncGroup replaces the parked one, which is answered REBALANCE_IN_PROGRESS")
    func supersededSync() {
        var (script, leader, follower, generation) = Self.completing()
        let first = script.sync(Request.sync(member: follower, generation: generation))
        let second = script.sync(Request.sync(member: follower, generation: generation))
        #expect(script.syncAnswers[first]?.error == .rebalanceInProgress)
        _ = script.sync(Request.sync(member: leader, generation: generation, assignments: [follower: [3]]))
        script.persisted(script.lastPersist?.token)
        #expect(script.syncAnswers[second]?.assignment == [3])
    }
}
