import TernCoordination
import TernModel
import TernWire
import Testing

/// A new coordinator after failover rebuilds its groups from their last stored GroupMetadataValue: members are
/// back Stable with fresh sessions, so they keep heartbeating and committing without noticing the move.
@Suite struct GroupLoadTests {
    static func storedMember(_ memberID: String, instance: String? = nil) -> StoredMember {
        StoredMember(
            memberID: memberID, groupInstanceID: instance, clientID: "client-\(memberID)", clientHost: "/10.0.0.2",
            rebalanceTimeoutMs: 30_000, sessionTimeoutMs: 10_000, subscription: [1, 1], assignment: Array(memberID.utf8))
    }

    static let stored = GroupMetadataValue(
        protocolType: "consumer", generation: 5, protocolName: "range", leader: "m1",
        currentStateTimestamp: TimestampMs(1_000), members: [storedMember("m1"), storedMember("m2", instance: "i2")])

    @Test("a stored group with members is Stable with them; they heartbeat and commit with their generation")
    func loadStable() {
        var script = GroupScript(loaded: ["g": Self.stored, "empty": GroupMetadataValue(
            protocolType: "consumer", generation: 3, protocolName: nil, leader: nil,
            currentStateTimestamp: TimestampMs(1_000), members: [])])
        let description = script.coordinator.describe("g")
        #expect(description?.state == .stable)
        #expect(description?.protocolName == "range")
        #expect(description?.members.map(\.memberID) == ["m1", "m2"])
        #expect(description?.members.map(\.assignment) == [Array("m1".utf8), Array("m2".utf8)])
        #expect(description?.members.map(\.groupInstanceID) == [nil, "i2"])
        #expect(script.state("empty") == .empty)
        #expect(script.heartbeat("m1", generation: 5) == .noError)
        #expect(script.heartbeat("m2", generation: 5, instance: "i2") == .noError)
        #expect(script.commit("m1", generation: 5) == .noError)
        let sync = script.sync(Request.sync(member: "m2", generation: 5, instance: "i2"))
        #expect(script.syncAnswers[sync]?.assignment == Array("m2".utf8))
        let rejoin = script.join(Request.join(member: "m2", instance: "i2", client: "client-m2"))
        #expect(script.joinAnswers[rejoin]?.generation == 5, "an unchanged follower keeps the generation")
    }

    @Test("loaded sessions start at load time: a member that never shows up expires")
    func loadedSessionsExpire() {
        var script = GroupScript(loaded: ["g": Self.stored])
        for _ in 0..<2 {
            script.advance(by: 4_000)
            #expect(script.heartbeat("m1", generation: 5) == .noError)
        }
        script.advance(by: 4_000)
        #expect(script.heartbeat("m1", generation: 5) == .rebalanceInProgress, "m2's session ended at 10 s")
        #expect(script.coordinator.describe("g")?.members.map(\.memberID) == ["m1"])
        #expect(script.state() == .preparingRebalance)
    }

    @Test("a stored Empty group keeps its generation; the next join phase continues from it")
    func loadEmpty() {
        var script = GroupScript(loaded: ["g": GroupMetadataValue(
            protocolType: "consumer", generation: 8, protocolName: nil, leader: nil,
            currentStateTimestamp: TimestampMs(1_000), members: [])])
        #expect(script.state() == .empty)
        let a = script.joinNew(client: "a")
        script.passInitialDelay()
        #expect(script.joinAnswers[a.pending]?.generation == 9)
    }

    @Test("a malformed record is tidied: repeated ids dropped, an unknown leader replaced")
    func loadMalformed() {
        let value = GroupMetadataValue(
            protocolType: "consumer", generation: 2, protocolName: "range", leader: "gone",
            currentStateTimestamp: TimestampMs(1_000),
            members: [Self.storedMember("m1", instance: "i"), Self.storedMember("m1"), Self.storedMember("m2", instance: "i"),
                      Self.storedMember("m3")])
        let script = GroupScript(loaded: ["g": value])
        #expect(script.coordinator.describe("g")?.members.map(\.memberID) == ["m1", "m3"])
        var copy = script
        let rejoin = copy.join(Request.join(member: "m1", instance: "i", client: "x"))
        #expect(!copy.isAnswered(rejoin), "m1 leads, so its rejoin rebalances")
    }

    @Test("a loaded group over the size limit starts a rebalance at once")
    func loadOverCapacity() {
        let script = GroupScript(configuration: GroupConfiguration(maxGroupSize: 1), loaded: ["g": Self.stored])
        #expect(script.state() == .preparingRebalance)
    }
}
