// Goal: what must be durable before it is said (ARCHITECTURE.md decision 7), and restarts.
// Votes and acknowledgements leave only after their Ready is persisted; the test-only fault
// switch moves votes before persistence; a restarted node resumes from its storage with its
// term, vote, log and configuration. Method: inspect where messages land in Ready, and restart
// nodes on their MemoryRaftLog.
import TernModel
import Testing

@testable import TernRaft

@Suite struct PersistenceTests {
    static func voteMessages(_ list: [Message]) -> [Message] {
        list.filter {
            switch $0.kind {
            case .voteRequest, .voteResponse: true
            default: false
            }
        }
    }

    @Test("A vote (request or grant) is sent only after the hard state holding it is durable")
    func votesWaitForPersistence() throws {
        var group = InteractionEnvironment.group(3) { $0.preVote = false }
        try group.with(1) { try $0.campaign() }
        let candidateReady = group.takeReady(1)
        #expect(candidateReady.hardState == HardState(term: Term(1), vote: NodeID(1), commit: Offset(-1)))
        #expect(candidateReady.mustSync)
        #expect(Self.voteMessages(candidateReady.messagesBeforePersistence).isEmpty)
        #expect(Self.voteMessages(candidateReady.messages).count == 2)
        let request = candidateReady.messages[0]
        try group.with(2) { try $0.step(request) }
        let voterReady = group.takeReady(2)
        #expect(voterReady.hardState?.vote == NodeID(1))
        #expect(voterReady.mustSync)
        #expect(Self.voteMessages(voterReady.messagesBeforePersistence).isEmpty)
        #expect(Self.voteMessages(voterReady.messages).map(\.kind) == [.voteResponse(granted: true)])
    }

    @Test("Test-only fault countVoteBeforeDurable releases votes before persistence")
    func faultReleasesVotesEarly() throws {
        var group = InteractionEnvironment.group(3) {
            $0.preVote = false
            $0.testingFaults = [.countVoteBeforeDurable]
        }
        try group.with(1) { try $0.campaign() }
        let ready = group.takeReady(1)
        #expect(Self.voteMessages(ready.messagesBeforePersistence).count == 2)
        #expect(Self.voteMessages(ready.messages).isEmpty)
    }

    @Test("An AppendEntries acknowledgement is sent only after the entries are durable")
    func acknowledgementsWaitForPersistence() throws {
        var group = try InteractionEnvironment.electedGroup(3)
        _ = try group.with(1) { try $0.propose(recordCount: 1, payload: []) }
        try group.stabilize([NodeID(1)])
        try group.deliver(to: NodeID(2))
        let ready = group.takeReady(2)
        #expect(ready.mustSync)
        #expect(ready.messagesBeforePersistence.isEmpty)
        #expect(ready.messages.map(\.kind) == [.appendResponse(.accepted(match: Offset(1)))])
    }

    @Test("Only a commit change needs no fsync")
    func commitOnlyChangeNeedsNoSync() throws {
        var group = try InteractionEnvironment.electedGroup(3)
        _ = try group.with(1) { try $0.propose(recordCount: 1, payload: []) }
        _ = group.processReady(0)
        try group.deliver(to: NodeID(3))
        let appendReady = group.takeReady(3)
        #expect(appendReady.mustSync, "new entries need an fsync")
        group.storage(3).persist(appendReady)
        group.with(3) { $0.advance(appendReady) }
        let heartbeat = Message(from: NodeID(1), to: NodeID(3), term: Term(1), kind: .heartbeat(commit: Offset(1)))
        try group.with(3) { try $0.step(heartbeat) }
        let commitReady = group.takeReady(3)
        #expect(commitReady.hardState?.commit == Offset(1))
        #expect(commitReady.entries.isEmpty)
        #expect(commitReady.mustSync == false)
    }

    @Test("A restarted node resumes its term, vote, log and configuration from storage")
    func restartResumesFromStorage() throws {
        var group = try InteractionEnvironment.electedGroup(3)
        _ = try group.run("propose-conf-change 1 add-learner=4")
        try group.stabilize([NodeID(1), NodeID(2), NodeID(3)])
        _ = try group.run("crash 2")
        _ = try group.run("restart 2")
        let node = group.node(2)
        #expect(node.currentTerm == Term(1))
        #expect(node.status.vote == NodeID(1))
        #expect(node.status.lastIndex == Offset(1))
        #expect(node.configuration.learners == [NodeID(4)])
        #expect(node.currentRole == .follower)
        #expect(node.commitIndex == Offset(1))
    }

    @Test("A stored commit index beyond the stored log (torn tail) is clamped, not trusted")
    func restartClampsCommit() throws {
        let storage = MemoryRaftLog(configuration: ClusterConfiguration(voters: [NodeID(1), NodeID(2), NodeID(3)]))
        storage.append([Entry(first: Offset(0), last: Offset(0), term: Term(1), kind: .leaderChange, payload: [])])
        storage.setHardState(HardState(term: Term(1), vote: NodeID(2), commit: Offset(9)))
        let node = RaftNode(options: RaftOptions(id: NodeID(1)), storage: storage, random: SplitMix64(seed: 1))
        #expect(node.commitIndex == Offset(0))
    }
}
