// Goal: leader election behaves as the Raft paper says, sentence by sentence (§5.1, §5.2,
// §5.4.1, §9.6 pre-vote, §6.2/§9.6 check-quorum lease). Method: small groups driven through
// InteractionEnvironment; each test names the sentence it checks, sets up the state, acts once
// and checks the observable result (role, term, messages, errors).
import TernModel
import Testing

@testable import TernRaft

@Suite struct ElectionTests {
    /// Messages of `ready` (both lists) of one kind.
    static func messages(_ ready: Ready, where predicate: (MessageKind) -> Bool) -> [Message] {
        (ready.messagesBeforePersistence + ready.messages).filter { predicate($0.kind) }
    }

    @Test("§5.2: a follower that hears nothing for a randomized election timeout campaigns")
    func followerCampaignsAfterRandomizedTimeout() {
        var timeouts: Set<Int> = []
        for seed in 1...40 {
            let storage = MemoryRaftLog(configuration: ClusterConfiguration(voters: [NodeID(1), NodeID(2), NodeID(3)]))
            var node = RaftNode(
                options: RaftOptions(id: NodeID(1)), storage: storage, random: SplitMix64(seed: UInt64(seed)))
            var ticks = 0
            while node.currentRole == .follower && ticks < 100 {
                node.tick()
                ticks += 1
            }
            #expect(node.currentRole == .preCandidate)
            #expect(ticks >= 10 && ticks < 20, "timeout \(ticks) outside [electionTicks, 2*electionTicks)")
            timeouts.insert(ticks)
        }
        #expect(timeouts.count > 3, "timeouts must be randomized across seeds")
    }

    @Test("§9.6: a pre-candidate does not raise its term; the real election does")
    func preVoteKeepsTheTerm() throws {
        var group = InteractionEnvironment.group(3)
        try group.with(1) { try $0.campaign() }
        #expect(group.node(1).currentRole == .preCandidate)
        #expect(group.node(1).currentTerm == Term(0))
        let ready = group.takeReady(1)
        #expect(ready.hardState == nil, "a pre-vote persists nothing")
        let requests = Self.messages(ready) { if case .preVoteRequest = $0 { true } else { false } }
        #expect(requests.map(\.to) == [NodeID(2), NodeID(3)])
        #expect(requests.allSatisfy { $0.term == Term(1) }, "pre-votes carry the term the node would use")
    }

    @Test("§5.2: a candidate wins with votes from a majority and then sends its no-op")
    func candidateWinsWithMajority() throws {
        let group = try InteractionEnvironment.electedGroup(5)
        #expect(group.node(1).currentRole == .leader)
        #expect(group.node(1).currentTerm == Term(1))
        for id in Int32(2)...5 { #expect(group.node(id).currentLeader == NodeID(1)) }
        #expect(group.storage(3).storedEntries.first?.kind == .leaderChange)
    }

    @Test("§5.2: each server votes for at most one candidate in a term, first come first served")
    func oneVotePerTerm() throws {
        var group = InteractionEnvironment.group(3) { $0.preVote = false }
        let request = { (from: Int32) in
            Message(
                from: NodeID(from), to: NodeID(3), term: Term(1), kind: .voteRequest(lastLog: .origin, transfer: false))
        }
        try group.with(3) { try $0.step(request(1)) }
        try group.with(3) { try $0.step(request(2)) }
        let ready = group.takeReady(3)
        let answers = Self.messages(ready) { if case .voteResponse = $0 { true } else { false } }
        #expect(answers.map(\.kind) == [.voteResponse(granted: true), .voteResponse(granted: false)])
        #expect(ready.hardState?.vote == NodeID(1))
    }

    @Test("§5.4.1: a voter denies its vote to a candidate whose log is less up to date")
    func electionRestriction() throws {
        var group = try InteractionEnvironment.electedGroup(3) { $0.preVote = false }
        _ = try group.with(1) { try $0.propose(recordCount: 2, payload: []) }
        try group.stabilize([])
        // Node 3 asks for term 5 with a log that ends at the origin: older than 1/2.
        let stale = Message(
            from: NodeID(3), to: NodeID(2), term: Term(5), kind: .voteRequest(lastLog: .origin, transfer: true))
        try group.with(2) { try $0.step(stale) }
        let answers = Self.messages(group.takeReady(2)) { if case .voteResponse = $0 { true } else { false } }
        #expect(answers.map(\.kind) == [.voteResponse(granted: false)])
        #expect(group.node(2).currentTerm == Term(5), "the term is still adopted (§5.1)")
    }

    @Test("§5.1: a server rejects a request with a stale term; a stale leader learns the newer term")
    func staleTermIsRejected() throws {
        var group = try InteractionEnvironment.electedGroup(3)
        let stale = Message(from: NodeID(2), to: NodeID(3), term: Term(0), kind: .heartbeat(commit: Offset(0)))
        #expect(throws: RaftStepError.staleTerm) { try group.with(3) { try $0.step(stale) } }
        let replies = Self.messages(group.takeReady(3)) { _ in true }
        #expect(replies.map(\.term) == [Term(1)], "the stale sender is told the current term")
    }

    @Test("§5.1: a leader that sees a higher term reverts to follower")
    func leaderStepsDownOnHigherTerm() throws {
        var group = try InteractionEnvironment.electedGroup(3)
        let newer = Message(
            from: NodeID(2), to: NodeID(1), term: Term(7), kind: .appendResponse(.accepted(match: Offset(0))))
        try group.with(1) { try $0.step(newer) }
        #expect(group.node(1).currentRole == .follower)
        #expect(group.node(1).currentTerm == Term(7))
    }

    @Test("§5.2: a candidate that receives AppendEntries from a leader of its term follows it")
    func candidateFollowsLeaderOfItsTerm() throws {
        var group = InteractionEnvironment.group(3) { $0.preVote = false }
        try group.with(2) { try $0.campaign() }
        #expect(group.node(2).currentRole == .candidate)
        let append = Message(
            from: NodeID(3), to: NodeID(2), term: Term(1),
            kind: .append(AppendRequest(prev: .origin, entries: [], commit: Offset(-1))))
        try group.with(2) { try $0.step(append) }
        #expect(group.node(2).currentRole == .follower)
        #expect(group.node(2).currentLeader == NodeID(3))
    }

    @Test("Check-quorum lease: a follower that recently heard its leader ignores vote requests")
    func leaderLeaseIgnoresVotes() throws {
        var group = try InteractionEnvironment.electedGroup(3)
        let request = Message(
            from: NodeID(3), to: NodeID(2), term: Term(2),
            kind: .voteRequest(lastLog: EntryID(index: Offset(0), term: Term(1)), transfer: false))
        #expect(throws: RaftStepError.leaderLease) { try group.with(2) { try $0.step(request) } }
        #expect(group.node(2).currentTerm == Term(1))
        // A vote that follows a leadership transfer passes the lease.
        var transfer = request
        transfer.kind = .voteRequest(lastLog: EntryID(index: Offset(0), term: Term(1)), transfer: true)
        try group.with(2) { try $0.step(transfer) }
        #expect(group.node(2).currentTerm == Term(2))
    }

    @Test("Learners never campaign, even after their election timeout")
    func learnersDoNotCampaign() throws {
        var group = InteractionEnvironment.group(3, learners: [NodeID(4)])
        #expect(throws: RaftError.notVoter) { try group.with(4) { try $0.campaign() } }
        for _ in 0..<100 { group.with(4) { $0.tick() } }
        #expect(group.node(4).currentRole == .follower)
        #expect(group.node(4).hasReady == false)
    }

    @Test("A non-voter's leader lease lapses: it grants a vote the real configuration may need")
    func nonVoterLeaseLapses() throws {
        // Regression for simulator seed 91987: a node whose log does not (yet) list it as a voter
        // reset its election counter at every timeout, so its lease never lapsed and it refused
        // every vote, even when the committed configuration needed that vote to elect anyone.
        var group = try InteractionEnvironment.electedGroup(3, learners: [NodeID(4)])
        #expect(group.node(4).currentLeader == NodeID(1))
        let electionTicks = group.node(4).options.electionTicks
        for _ in 0..<electionTicks { group.with(4) { $0.tick() } }
        for _ in 0..<(3 * electionTicks) {
            group.with(4) { $0.tick() }
            #expect(group.node(4).electionElapsed >= electionTicks, "the lease stays lapsed")
        }
        #expect(group.node(4).currentRole == .follower, "a non-voter never campaigns")
        let lastIndex = group.storage(1).lastIndex
        let lastLog = EntryID(index: lastIndex, term: try #require(try group.storage(1).term(at: lastIndex)))
        let request = Message(
            from: NodeID(2), to: NodeID(4), term: Term(5),
            kind: .voteRequest(lastLog: lastLog, transfer: false))
        try group.with(4) { try $0.step(request) }
        #expect(group.node(4).currentTerm == Term(5), "the lapsed lease no longer blocks the vote")
    }

    @Test("A single voter elects itself once its vote is durable")
    func singleVoterElectsItself() throws {
        var group = InteractionEnvironment.group(1)
        try group.with(1) { try $0.campaign() }
        #expect(group.node(1).currentRole == .leader)
        try group.stabilize([])
        #expect(group.node(1).commitIndex == Offset(0), "the no-op commits once persisted")
    }
}

@Suite struct LeaderLostTests {
    /// A three-node group whose leader (node 1) has crashed: its node is gone and messages to it
    /// are dropped.
    static func groupWithDeadLeader() throws -> InteractionEnvironment {
        var group = try InteractionEnvironment.electedGroup(3)
        group.members[0].node = nil
        group.network.removeAll { $0.to == NodeID(1) }
        return group
    }

    @Test("a follower told its leader's process is gone campaigns at once and wins without a timeout")
    func reportLeaderLostElectsWithoutTimeout() throws {
        var group = try Self.groupWithDeadLeader()
        // Without the report, node 3's lease would refuse node 2's pre-vote (it heard node 1 recently).
        group.with(2) { $0.reportLeaderLost(NodeID(1), campaign: true) }
        group.with(3) { $0.reportLeaderLost(NodeID(1), campaign: false) }
        #expect(group.node(2).currentRole == .preCandidate)
        try group.stabilize([NodeID(2), NodeID(3)])
        #expect(group.node(2).currentRole == .leader)
        #expect(group.node(2).currentTerm == Term(2))
        #expect(group.node(3).currentLeader == NodeID(2))
    }

    @Test("without the report the lease holds: the other follower refuses the early pre-vote")
    func leaseRefusesWithoutReport() throws {
        var group = try Self.groupWithDeadLeader()
        try group.with(2) { try $0.campaign() }
        try group.stabilize([NodeID(2), NodeID(3)])
        #expect(group.node(2).currentRole != .leader)
        #expect(group.node(3).currentLeader == NodeID(1))
    }

    @Test("a report about a node that is not our leader, or from a leader, changes nothing")
    func reportLeaderLostIgnoresOthers() throws {
        var group = try InteractionEnvironment.electedGroup(3)
        group.with(2) { $0.reportLeaderLost(NodeID(3), campaign: true) }
        #expect(group.node(2).currentRole == .follower)
        #expect(group.node(2).currentLeader == NodeID(1))
        group.with(1) { $0.reportLeaderLost(NodeID(2), campaign: true) }
        #expect(group.node(1).currentRole == .leader)
    }

    @Test("a follower that is not chosen to campaign lets its lease lapse and campaigns a few ticks later")
    func lapsedLeaseFallsBackWithinOneTimeout() throws {
        var group = try Self.groupWithDeadLeader()
        group.with(3) { $0.reportLeaderLost(NodeID(1), campaign: false) }
        #expect(group.node(3).currentLeader == nil)
        var ticks = 0
        while group.node(3).currentRole == .follower, ticks < 100 {
            group.with(3) { $0.tick() }
            ticks += 1
        }
        #expect(group.node(3).currentRole == .preCandidate)
        #expect(ticks >= 3 && ticks <= 5, "campaigned after \(ticks) ticks")
    }
}

@Suite struct LeaderLostCatchUpTests {
    @Test("when the chosen node's log is behind, the follower that refuses its pre-vote campaigns at once")
    func aheadFollowerCampaignsOnRefusal() throws {
        var group = try InteractionEnvironment.electedGroup(3)
        // Node 3 gets one more entry than node 2 before the leader dies.
        _ = try group.with(1) { try $0.propose(recordCount: 1, payload: []) }
        try group.stabilize([NodeID(1), NodeID(3)])
        group.members[0].node = nil
        group.network.removeAll { $0.to == NodeID(1) || $0.to == NodeID(2) }
        #expect(group.node(3).lastIndex > group.node(2).lastIndex)
        group.with(2) { $0.reportLeaderLost(NodeID(1), campaign: true) }
        group.with(3) { $0.reportLeaderLost(NodeID(1), campaign: false) }
        try group.stabilize([NodeID(2), NodeID(3)])
        #expect(group.node(3).currentRole == .leader, "no tick passed: node 3 campaigned when it refused node 2")
        #expect(group.node(2).currentLeader == NodeID(3))
    }
}

@Suite struct LeaderLostLeaseTests {
    @Test("a pre-vote refused by the lease is answered once the follower hears its leader died")
    func refusedPreVoteIsAnsweredAfterTheReport() throws {
        var group = try LeaderLostTests.groupWithDeadLeader()
        // Node 2 hears of the death first and asks; node 3 still believes in node 1 and refuses.
        group.with(2) { $0.reportLeaderLost(NodeID(1), campaign: true) }
        try group.stabilize([NodeID(2), NodeID(3)])
        #expect(group.node(2).currentRole == .preCandidate)
        #expect(group.node(3).currentLeader == NodeID(1))
        // A moment later node 3 hears of it too: it answers the refused pre-vote now.
        group.with(3) { $0.reportLeaderLost(NodeID(1), campaign: false) }
        try group.stabilize([NodeID(2), NodeID(3)])
        #expect(group.node(2).currentRole == .leader, "no tick passed: the remembered pre-vote was answered")
        #expect(group.node(3).currentLeader == NodeID(2))
    }
}
