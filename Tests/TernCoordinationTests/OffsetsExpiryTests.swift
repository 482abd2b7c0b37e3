// Goal: offsets and groups expire by Kafka's rules (KIP-211): never while the group has
// members; all at once a retention after an Empty consumer group's state change; one by one a
// retention after each commit for simple consumers; at the explicit expire timestamp where an
// old OffsetCommit set one. Method: small states at chosen times, each rule checked on both
// sides of its boundary (`>=`: at exactly the retention an offset has expired).
import TernCoordination
import TernModel
import Testing

@Suite struct OffsetsExpiryTests {
    typealias F = OffsetsFixtures
    static let retention: Int64 = 1_000
    static func nobody(_ group: String) -> Bool { false }

    static func state(_ records: [OffsetsRecord]) -> OffsetsState {
        var state = OffsetsState()
        for (index, record) in records.enumerated() {
            state.apply(record, at: Offset(Int64(index)))
        }
        return state
    }

    static func expired(_ state: OffsetsState, at now: Int64, members: Set<String> = []) -> [OffsetCommitKey] {
        state.expiredOffsets(now: TimestampMs(now), retentionMs: retention, hasMembers: { members.contains($0) })
    }

    @Test("a group with members keeps every offset, however old or explicitly expiring")
    func membersKeepOffsets() {
        let state = Self.state([
            .groupMetadata(group: "g", F.group),
            .offsetCommit(F.commit("g", "t", 0), F.offset(1, at: 0)),
            .offsetCommit(F.commit("g", "t", 1), F.offset(1, at: 0, expiring: 5)),
        ])
        #expect(Self.expired(state, at: 1_000_000, members: ["g"]).isEmpty)
        #expect(state.expiredGroups(hasMembers: { $0 == "g" }).isEmpty)
    }

    @Test("an empty consumer group's offsets all expire a retention after it became empty")
    func emptyGroupExpiresTogether() {
        let state = Self.state([
            .offsetCommit(F.commit("g", "t", 0), F.offset(1, at: 100)),
            .offsetCommit(F.commit("g", "t", 1), F.offset(1, at: 4_000)),
            .groupMetadata(group: "g", F.emptyGroup(since: 5_000)),
        ])
        // Commits a retention old do not expire while the group has been empty for less.
        #expect(Self.expired(state, at: 5_999).isEmpty)
        #expect(Self.expired(state, at: 6_000) == [F.commit("g", "t", 0), F.commit("g", "t", 1)])
    }

    @Test("an empty group stored without a state timestamp (value v0, v1) counts from each commit")
    func noStateTimestamp() {
        let state = Self.state([
            .groupMetadata(group: "g", F.emptyGroup(since: -1)),
            .offsetCommit(F.commit("g", "t", 0), F.offset(1, at: 100)),
            .offsetCommit(F.commit("g", "t", 1), F.offset(1, at: 500)),
        ])
        #expect(Self.expired(state, at: 1_099).isEmpty)
        #expect(Self.expired(state, at: 1_100) == [F.commit("g", "t", 0)])
        #expect(Self.expired(state, at: 1_500) == [F.commit("g", "t", 0), F.commit("g", "t", 1)])
    }

    @Test("simple consumers (no metadata, or no protocol type) expire each offset a retention after its commit")
    func simpleConsumers() {
        let state = Self.state([
            .offsetCommit(F.commit("simple", "t", 0), F.offset(1, at: 100)),
            .offsetCommit(F.commit("simple", "t", 1), F.offset(1, at: 300)),
            .groupMetadata(group: "typeless", F.emptyGroup(since: 0, protocolType: "")),
            .offsetCommit(F.commit("typeless", "t", 0), F.offset(1, at: 200)),
        ])
        #expect(Self.expired(state, at: 1_099).isEmpty)
        #expect(Self.expired(state, at: 1_100) == [F.commit("simple", "t", 0)])
        #expect(Self.expired(state, at: 1_200) == [F.commit("simple", "t", 0), F.commit("typeless", "t", 0)])
        #expect(Self.expired(state, at: 1_300).count == 3)
    }

    @Test("an explicit expire timestamp decides alone, for simple consumers and empty groups")
    func explicitExpiry() {
        let state = Self.state([
            .offsetCommit(F.commit("simple", "t", 0), F.offset(1, at: 100, expiring: 50_000)),
            .offsetCommit(F.commit("simple", "t", 1), F.offset(1, at: 100, expiring: 200)),
            .groupMetadata(group: "g", F.emptyGroup(since: 0)),
            .offsetCommit(F.commit("g", "t", 0), F.offset(1, at: 100, expiring: 300)),
        ])
        #expect(Self.expired(state, at: 199).isEmpty)
        #expect(Self.expired(state, at: 200) == [F.commit("simple", "t", 1)])
        #expect(Self.expired(state, at: 300) == [F.commit("simple", "t", 1), F.commit("g", "t", 0)].sorted())
        // Long past the retention, the explicit expiry still holds the first one.
        #expect(Self.expired(state, at: 49_999).count == 2)
        #expect(Self.expired(state, at: 50_000).count == 3)
    }

    @Test("a group without members is dropped once its last offset is gone")
    func groupExpiry() {
        var state = Self.state([
            .groupMetadata(group: "g", F.emptyGroup(since: 0)),
            .offsetCommit(F.commit("g", "t", 0), F.offset(1, at: 0)),
            .groupMetadata(group: "busy", F.group),
            .groupMetadata(group: "bare", F.emptyGroup(since: 0)),
            .offsetCommit(F.commit("simple"), F.offset(1, at: 0)),
        ])
        let busy: (String) -> Bool = { $0 == "busy" }
        #expect(state.expiredGroups(hasMembers: busy) == ["bare"])
        // Expire the offsets, apply the tombstones, then the groups go.
        let expired = state.expiredOffsets(
            now: TimestampMs(Self.retention), retentionMs: Self.retention, hasMembers: busy)
        #expect(expired == [F.commit("g", "t", 0), F.commit("simple")])
        for (index, key) in expired.enumerated() {
            state.apply(.offsetCommit(key, nil), at: Offset(Int64(10 + index)))
        }
        let groups = state.expiredGroups(hasMembers: busy)
        #expect(groups == ["bare", "g"])
        for (index, group) in groups.enumerated() {
            state.apply(.groupMetadata(group: group, nil), at: Offset(Int64(20 + index)))
        }
        #expect(state.groupIDs == ["busy"])
        #expect(state.expiredGroups(hasMembers: Self.nobody) == ["busy"])
    }

    @Test("timestamps at the ends of Int64 do not trap the expiry pass")
    func extremeTimestamps() {
        let state = Self.state([
            .offsetCommit(F.commit("a"), F.offset(1, at: Int64.min)),
            .offsetCommit(F.commit("b"), F.offset(1, at: Int64.max - Self.retention)),
            .groupMetadata(group: "c", F.emptyGroup(since: Int64.max)),
            .offsetCommit(F.commit("c"), F.offset(1, at: 0)),
        ])
        #expect(Self.expired(state, at: Int64.max) == [F.commit("a"), F.commit("b")])
        #expect(Self.expired(state, at: Int64.min).isEmpty)
        #expect(state.expiredOffsets(now: TimestampMs(0), retentionMs: 0, hasMembers: Self.nobody) == [F.commit("a")])
    }
}
