// Goal: single-server membership changes (Raft dissertation §4.1) and leadership transfer
// (§3.10). A configuration takes effect when appended and is undone when its entry is
// truncated; only one change may be pending; the leader does not remove itself; learners do
// not count toward commit; transfer refuses proposals and aborts when the target cannot catch
// up. Method: elected groups, changes proposed through the API, configurations inspected.
import TernModel
import Testing

@testable import TernRaft

@Suite struct MembershipTests {
    @Test("A configuration takes effect on a follower as soon as it is appended, before commit")
    func configurationTakesEffectOnAppend() throws {
        var group = try InteractionEnvironment.electedGroup(3)
        _ = try group.run("propose-conf-change 1 add-learner=4")
        #expect(group.node(1).configuration.learners == [NodeID(4)])
        _ = group.processReady(0)
        try group.deliver(to: NodeID(2))
        #expect(group.node(2).configuration.learners == [NodeID(4)])
        #expect(group.node(2).commitIndex == Offset(0), "not committed yet")
    }

    @Test("A truncated configuration entry is undone")
    func truncatedConfigurationIsReverted() throws {
        var group = try InteractionEnvironment.electedGroup(3)
        // Node 2 receives an uncommitted change from leader 1 ...
        let grown = ClusterConfiguration(voters: [NodeID(1), NodeID(2), NodeID(3)], learners: [NodeID(4)])
        let change = Entry(first: Offset(1), last: Offset(1), term: Term(1), kind: .configuration(grown), payload: [])
        let first = AppendRequest(prev: EntryID(index: Offset(0), term: Term(1)), entries: [change], commit: Offset(0))
        try group.with(2) { try $0.step(Message(from: NodeID(1), to: NodeID(2), term: Term(1), kind: .append(first))) }
        #expect(group.node(2).configuration == grown)
        // ... then a term-2 leader overwrites offset 1 with a normal entry.
        let normal = Entry(first: Offset(1), last: Offset(3), term: Term(2), kind: .normal, payload: [])
        let second = AppendRequest(prev: EntryID(index: Offset(0), term: Term(1)), entries: [normal], commit: Offset(0))
        try group.with(2) { try $0.step(Message(from: NodeID(3), to: NodeID(2), term: Term(2), kind: .append(second))) }
        #expect(group.node(2).configuration == ClusterConfiguration(voters: [NodeID(1), NodeID(2), NodeID(3)]))
    }

    @Test("Only one change may be pending; invalid changes and self-removal are refused")
    func changeRefusals() throws {
        var group = try InteractionEnvironment.electedGroup(3)
        #expect(throws: RaftError.invalidConfigurationChange) {
            try group.with(1) { try $0.proposeConfigurationChange(.addVoter(NodeID(2))) }
        }
        #expect(throws: RaftError.invalidConfigurationChange) {
            try group.with(1) { try $0.proposeConfigurationChange(.promoteLearner(NodeID(3))) }
        }
        #expect(throws: RaftError.removingLeader) {
            try group.with(1) { try $0.proposeConfigurationChange(.remove(NodeID(1))) }
        }
        _ = try group.with(1) { try $0.proposeConfigurationChange(.remove(NodeID(3))) }
        #expect(throws: RaftError.configurationChangePending) {
            try group.with(1) { try $0.proposeConfigurationChange(.remove(NodeID(2))) }
        }
        #expect(throws: RaftError.notLeader) {
            try group.with(2) { try $0.proposeConfigurationChange(.addLearner(NodeID(9))) }
        }
    }

    @Test("A new leader proposes no configuration change before committing an entry of its term")
    func changeWaitsForTheLeadersNoop() throws {
        var group = InteractionEnvironment.group(1)
        try group.with(1) { try $0.campaign() }
        #expect(group.node(1).currentRole == .leader)
        #expect(throws: RaftError.leaderTermNotCommitted) {
            try group.with(1) { try $0.proposeConfigurationChange(.addLearner(NodeID(2))) }
        }
        try group.stabilize([])
        let change = try group.with(1) { try $0.proposeConfigurationChange(.addLearner(NodeID(2))) }
        #expect(change == EntryID(index: Offset(1), term: Term(1)))
    }

    @Test("Learners receive the log but do not count toward the commit quorum")
    func learnersDoNotCountForCommit() throws {
        var group = try InteractionEnvironment.electedGroup(3, learners: [NodeID(4)])
        _ = try group.run("partition 1 4 | 2 3")
        _ = try group.with(1) { try $0.propose(recordCount: 1, payload: []) }
        try group.stabilize([NodeID(1), NodeID(4)])
        #expect(group.storage(4).lastIndex == Offset(1), "the learner has the entry")
        #expect(group.node(1).commitIndex == Offset(0), "leader plus learner is no majority")
    }

    @Test("§3.10: transfer refuses proposals until it completes or aborts after an election timeout")
    func transferBlocksProposalsThenAborts() throws {
        var group = try InteractionEnvironment.electedGroup(3)
        #expect(throws: RaftError.targetIsSelf) { try group.with(1) { try $0.transferLeadership(to: NodeID(1)) } }
        #expect(throws: RaftError.unknownTarget) { try group.with(1) { try $0.transferLeadership(to: NodeID(9)) } }
        #expect(throws: RaftError.notLeader) { try group.with(2) { try $0.transferLeadership(to: NodeID(3)) } }
        _ = try group.run("partition 1 2 | 3")
        _ = try group.with(1) { try $0.propose(recordCount: 1, payload: []) }
        try group.with(1) { try $0.transferLeadership(to: NodeID(3)) }
        #expect(group.node(1).status.transferTarget == NodeID(3))
        #expect(throws: RaftError.transferInProgress) {
            try group.with(1) { try $0.propose(recordCount: 1, payload: []) }
        }
        #expect(throws: RaftError.transferInProgress) { try group.with(1) { try $0.transferLeadership(to: NodeID(2)) } }
        for _ in 0..<10 { _ = try group.run("tick 1 1 stabilize") }
        #expect(group.node(1).status.transferTarget == nil)
        #expect(group.node(1).currentRole == .leader)
        _ = try group.with(1) { try $0.propose(recordCount: 1, payload: []) }
    }

    @Test("§3.10: a caught-up target gets TimeoutNow at once and wins past the leader lease")
    func transferToCaughtUpTarget() throws {
        var group = try InteractionEnvironment.electedGroup(3)
        try group.with(1) { try $0.transferLeadership(to: NodeID(2)) }
        let ready = group.takeReady(1)
        #expect(ready.messagesBeforePersistence.map(\.kind) == [.timeoutNow])
        group.storage(1).persist(ready)
        group.network.append(contentsOf: ready.messagesBeforePersistence)
        group.with(1) { $0.advance(ready) }
        try group.stabilize([])
        #expect(group.node(2).currentRole == .leader)
        #expect(group.node(2).currentTerm == Term(2))
        #expect(group.node(1).currentLeader == NodeID(2))
    }
}
