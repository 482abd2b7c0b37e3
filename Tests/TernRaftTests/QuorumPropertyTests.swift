// Goal: the fast quorum computations agree with obviously-correct naive versions (etcd's
// quorum/quick_test.go idea). Method: 50,000 random cases from a fixed seed, so a failure
// reproduces; each compares Quorum.committedIndex with "the largest index stored by a majority"
// computed by brute force, and Quorum.voteResult with direct counting.
import TernModel
import Testing

@testable import TernRaft

@Suite struct QuorumPropertyTests {
    /// The largest value v among the matches such that a majority has match >= v.
    static func naiveCommittedIndex(_ matches: [Offset]) -> Offset {
        let quorum = matches.count / 2 + 1
        var best = Offset(Int64.min)
        for candidate in matches where matches.filter({ $0 >= candidate }).count >= quorum {
            best = max(best, candidate)
        }
        return best
    }

    @Test func committedIndexMatchesNaiveVersion() {
        var random = SplitMix64(seed: 0x5EED)
        for _ in 0..<50_000 {
            let voters = 1 + Int(random.next() % UInt64(Limits.raftMembersMax))
            let spread = 1 + random.next() % 20
            let matches = (0..<voters).map { _ in Offset(Int64(random.next() % spread) - 1) }
            #expect(Quorum.committedIndex(matches) == Self.naiveCommittedIndex(matches), "matches \(matches)")
        }
    }

    @Test func voteResultMatchesCounting() {
        var random = SplitMix64(seed: 0xB07E)
        for _ in 0..<50_000 {
            let voters = 1 + Int(random.next() % UInt64(Limits.raftMembersMax))
            let answered = Int(random.next() % UInt64(voters + 1))
            let granted = Int(random.next() % UInt64(answered + 1))
            let rejected = answered - granted
            let majority = voters / 2 + 1
            let expected: Quorum.VoteResult =
                granted >= majority ? .won : (voters - rejected < majority ? .lost : .pending)
            #expect(Quorum.voteResult(granted: granted, rejected: rejected, voterCount: voters) == expected)
        }
    }

    @Test func singleVoterCommitsItsOwnMatch() {
        #expect(Quorum.committedIndex([Offset(7)]) == Offset(7))
        #expect(Quorum.committedIndex([Offset(7), Offset(3)]) == Offset(3))
        #expect(Quorum.committedIndex([Offset(7), Offset(3), Offset(5)]) == Offset(5))
    }
}
