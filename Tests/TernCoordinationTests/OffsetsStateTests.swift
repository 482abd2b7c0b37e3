// Goal: `OffsetsState` is what applying a partition's committed records in log order gives,
// on every replica alike: last write wins, tombstones delete, records at or below the applied
// offset change nothing, and the queries agree with the records. Method: apply hand-picked
// record sequences and compare the queries; replay the same sequence twice and with repeats.
import TernCoordination
import TernModel
import Testing

@Suite struct OffsetsStateTests {
    typealias F = OffsetsFixtures

    @Test("a fresh state is empty")
    func empty() {
        let state = OffsetsState()
        #expect(state.appliedOffset == nil)
        #expect(state.groups.isEmpty)
        #expect(state.groupIDs.isEmpty)
        #expect(state.offsetCount == 0)
        #expect(state.committed(F.key) == nil)
        #expect(state.offsets(of: "g1").isEmpty)
    }

    @Test("offsets and metadata are stored, the later record winning")
    func lastWriteWins() {
        var state = OffsetsState()
        state.apply(.offsetCommit(F.key, F.offset(1, at: 10)), at: Offset(0))
        state.apply(.groupMetadata(group: "g1", F.group), at: Offset(1))
        state.apply(.offsetCommit(F.key, F.offset(2, at: 20)), at: Offset(5))
        state.apply(.offsetCommit(F.commit("g1", "t", 9), F.offset(7, at: 20)), at: Offset(6))
        state.apply(.groupMetadata(group: "g1", F.emptyGroup(since: 30)), at: Offset(7))
        #expect(state.appliedOffset == Offset(7))
        #expect(state.committed(F.key) == F.offset(2, at: 20))
        #expect(state.offsets(of: "g1") == [F.key: F.offset(2, at: 20), F.commit("g1", "t", 9): F.offset(7, at: 20)])
        #expect(state.groups == ["g1": F.emptyGroup(since: 30)])
        #expect(state.offsetCount == 2)
        #expect(state.groupIDs == ["g1"])
    }

    @Test("tombstones delete an offset or a group; deleting what is absent is harmless")
    func tombstones() {
        var state = OffsetsState()
        state.apply(.offsetCommit(F.key, F.value), at: Offset(0))
        state.apply(.offsetCommit(F.commit("g1", "u", 0), F.value), at: Offset(1))
        state.apply(.groupMetadata(group: "g1", F.group), at: Offset(2))
        state.apply(.offsetCommit(F.key, nil), at: Offset(3))
        #expect(state.committed(F.key) == nil)
        #expect(state.offsetCount == 1)
        state.apply(.groupMetadata(group: "g1", nil), at: Offset(4))
        #expect(state.groups.isEmpty)
        #expect(state.groupIDs == ["g1"])  // it still has an offset
        state.apply(.offsetCommit(F.commit("g1", "u", 0), nil), at: Offset(5))
        state.apply(.offsetCommit(F.commit("never", "x", 0), nil), at: Offset(6))
        state.apply(.groupMetadata(group: "never", nil), at: Offset(7))
        #expect(state.groupIDs.isEmpty)
        #expect(state.offsets(of: "g1").isEmpty)
        // Emptied by tombstones equals never filled (apart from the applied offset).
        var fresh = OffsetsState()
        fresh.apply(.groupMetadata(group: "x", nil), at: Offset(7))
        #expect(state == fresh)
    }

    @Test("records at or below the applied offset are ignored")
    func oldOffsetsIgnored() {
        var state = OffsetsState()
        state.apply(.offsetCommit(F.key, F.offset(5, at: 1)), at: Offset(10))
        state.apply(.offsetCommit(F.key, F.offset(6, at: 1)), at: Offset(10))
        state.apply(.offsetCommit(F.key, nil), at: Offset(3))
        state.apply(.groupMetadata(group: "g1", F.group), at: Offset(9))
        #expect(state.appliedOffset == Offset(10))
        #expect(state.committed(F.key) == F.offset(5, at: 1))
        #expect(state.groups.isEmpty)
        state.apply(.offsetCommit(F.key, F.offset(6, at: 1)), at: Offset(11))
        #expect(state.committed(F.key) == F.offset(6, at: 1))
    }

    @Test("replaying a log over the state it produced changes nothing")
    func replayIsIdempotent() {
        let log: [(Offset, OffsetsRecord)] = [
            (Offset(0), .groupMetadata(group: "b", F.group)),
            (Offset(1), .offsetCommit(F.commit("b"), F.offset(1, at: 1))),
            (Offset(2), .offsetCommit(F.commit("a", "t", 2), F.offset(2, at: 2))),
            (Offset(4), .offsetCommit(F.commit("b"), nil)),
            (Offset(5), .offsetCommit(F.commit("c", "z", 1), F.offset(3, at: 3))),
        ]
        var state = OffsetsState()
        for (offset, record) in log { state.apply(record, at: offset) }
        let once = state
        for (offset, record) in log { state.apply(record, at: offset) }
        #expect(state == once)
        #expect(state.groupIDs == ["a", "b", "c"])
        #expect(state.offsetCount == 2)
    }

    @Test("an expiring offset is stored as a follower decodes it: without a leader epoch")
    func storedAsDecoded() {
        var value = F.value
        value.expireTimestamp = TimestampMs(99)
        var state = OffsetsState()
        state.apply(.offsetCommit(F.key, value), at: Offset(0))
        #expect(state.committed(F.key)?.leaderEpoch == -1)
        #expect(state.committed(F.key)?.expireTimestamp == TimestampMs(99))
    }

    @Test("groups are listed sorted, with metadata or offsets")
    func groupIDsSorted() {
        var state = OffsetsState()
        state.apply(.offsetCommit(F.commit("zeta"), F.value), at: Offset(0))
        state.apply(.groupMetadata(group: "alpha", F.group), at: Offset(1))
        state.apply(.offsetCommit(F.commit("mu"), F.value), at: Offset(2))
        state.apply(.groupMetadata(group: "mu", F.group), at: Offset(3))
        #expect(state.groupIDs == ["alpha", "mu", "zeta"])
    }
}
