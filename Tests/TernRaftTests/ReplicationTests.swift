// Goal: log replication as the paper describes it (§5.3, §5.4.2) with Tern's offset spans, and
// the flow control around it (probe/replicate states, the bounded in-flight window, fast
// backtracking). Method: an elected group driven step by step; messages are taken from the
// Readies and inspected or delivered selectively.
import TernModel
import Testing

@testable import TernRaft

@Suite struct ReplicationTests {
    static func appends(_ ready: Ready, to id: Int32) -> [AppendRequest] {
        (ready.messagesBeforePersistence + ready.messages).compactMap { message in
            guard message.to == NodeID(id), case .append(let request) = message.kind else { return nil }
            return request
        }
    }

    @Test("§5.3: the leader assigns offsets; an entry's index is its last offset")
    func proposalsGetOffsetSpans() throws {
        var group = try InteractionEnvironment.electedGroup(3)
        let first = try group.with(1) { try $0.propose(recordCount: 5, payload: [1, 2]) }
        let second = try group.with(1) { try $0.propose(recordCount: 1, payload: []) }
        #expect(first == EntryID(index: Offset(5), term: Term(1)), "no-op at 0, batch at [1,5]")
        #expect(second == EntryID(index: Offset(6), term: Term(1)))
        let ready = group.takeReady(1)
        #expect(ready.entries.map(\.first) == [Offset(1), Offset(6)])
        let request = try #require(Self.appends(ready, to: 2).first)
        #expect(request.prev == EntryID(index: Offset(0), term: Term(1)), "prev is the previous entry's (index, term)")
        #expect(request.entries.first?.first == request.prev.index.next)
    }

    @Test("§10.2.1: the leader's appends may leave before its own write; its copy counts only after")
    func leaderCountsItselfAfterPersistence() throws {
        var group = try InteractionEnvironment.electedGroup(3)
        _ = try group.with(1) { try $0.propose(recordCount: 1, payload: []) }
        let ready = group.takeReady(1)
        #expect(!Self.appends(ready, to: 2).isEmpty)
        #expect(ready.messages.isEmpty, "nothing of the leader waits for persistence")
        // Node 2 acknowledges before the leader persisted: one copy of three is not a majority.
        let ack = Message(
            from: NodeID(2), to: NodeID(1), term: Term(1), kind: .appendResponse(.accepted(match: Offset(1))))
        try group.with(1) { try $0.step(ack) }
        #expect(group.node(1).commitIndex == Offset(0))
        group.storage(1).persist(ready)
        group.with(1) { $0.advance(ready) }
        #expect(group.node(1).commitIndex == Offset(1))
    }

    @Test("§5.3: a follower rejects an append whose previous entry it lacks, with a hint")
    func followerRejectsMismatchWithHint() throws {
        var group = try InteractionEnvironment.electedGroup(3)
        let request = AppendRequest(prev: EntryID(index: Offset(9), term: Term(1)), entries: [], commit: Offset(0))
        try group.with(2) {
            try $0.step(Message(from: NodeID(1), to: NodeID(2), term: Term(1), kind: .append(request)))
        }
        let replies = group.takeReady(2).messages.map(\.kind)
        #expect(
            replies == [
                .appendResponse(.rejected(rejectedPrev: Offset(9), hint: EntryID(index: Offset(0), term: Term(1))))
            ])
    }

    @Test("§5.3: a conflicting entry and all that follow it are replaced")
    func conflictingTailIsReplaced() throws {
        var group = try InteractionEnvironment.electedGroup(3)
        // Node 2 holds an uncommitted term-1 tail [1,4]; the term-2 leader's log has [1,2] there.
        let tail = Entry(first: Offset(1), last: Offset(4), term: Term(1), kind: .normal, payload: [])
        let old = AppendRequest(prev: EntryID(index: Offset(0), term: Term(1)), entries: [tail], commit: Offset(0))
        try group.with(2) { try $0.step(Message(from: NodeID(1), to: NodeID(2), term: Term(1), kind: .append(old))) }
        let replacement = Entry(first: Offset(1), last: Offset(2), term: Term(2), kind: .normal, payload: [])
        let new = AppendRequest(
            prev: EntryID(index: Offset(0), term: Term(1)), entries: [replacement], commit: Offset(0))
        try group.with(2) { try $0.step(Message(from: NodeID(3), to: NodeID(2), term: Term(2), kind: .append(new))) }
        let ready = group.takeReady(2)
        #expect(ready.entries == [replacement])
        #expect(ready.truncationOffset == Offset(1))
        group.storage(2).persist(ready)
        group.with(2) { $0.advance(ready) }
        #expect(group.storage(2).storedEntries.map(\.last) == [Offset(0), Offset(2)])
    }

    @Test("Fast backtracking: one rejection skips every leader entry of a term the follower lacks")
    func fastBacktrackingSkipsATerm() throws {
        // Every node holds offsets 0-4 of term 1, 5-9 of term 2, 10-14 of term 3 (one offset each).
        var group = InteractionEnvironment.group(3) { $0.preVote = false }
        let entries = (Int64(0)...14).map { offset in
            Entry(first: Offset(offset), last: Offset(offset), term: Term(1 + offset / 5), kind: .normal, payload: [])
        }
        for position in group.members.indices {
            group.members[position].storage.append(entries)
            group.members[position].storage.setHardState(HardState(term: Term(3), vote: nil, commit: Offset(4)))
            group.start(position)
        }
        // Node 1 wins term 4 with node 3; node 2 is being probed from offset 15.
        _ = try group.run("partition 1 3 | 2")
        try group.with(1) { try $0.campaign() }
        try group.stabilize([NodeID(1), NodeID(3)])
        _ = try group.run("deliver-msgs drop=(2)")
        #expect(group.node(1).currentRole == .leader)
        // Node 2 answers: "my last entry at or before 14 with term <= 3 is 12, of term 2".
        let hint = EntryID(index: Offset(12), term: Term(2))
        let rejection = Message(
            from: NodeID(2), to: NodeID(1), term: Term(4),
            kind: .appendResponse(.rejected(rejectedPrev: Offset(14), hint: hint)))
        try group.with(1) { try $0.step(rejection) }
        let resend = try #require(Self.appends(group.takeReady(1), to: 2).first)
        // Leader entries 10-12 have term 3 > 2, so they cannot match: the next prev is 2/9.
        #expect(resend.prev == EntryID(index: Offset(9), term: Term(2)))
    }

    @Test("The in-flight window bounds the appends to a silent follower")
    func inflightWindowIsBounded() throws {
        var group = try InteractionEnvironment.electedGroup(3) { $0.inflightMessagesMax = 4 }
        _ = try group.run("partition 1 2 | 3")
        var sentToThree = 0
        for _ in 0..<30 {
            _ = try group.with(1) { try $0.propose(recordCount: 1, payload: []) }
            let ready = group.takeReady(1)
            sentToThree += Self.appends(ready, to: 3).count
            group.storage(1).persist(ready)
            group.with(1) { $0.advance(ready) }
        }
        #expect(sentToThree == 4)
        let follower = try #require(group.node(1).status.progress.first { $0.id == NodeID(3) })
        #expect(follower.state == .replicate)
        #expect(follower.inflightMessages == 4)
    }

    @Test("§5.4.2: the leader commits only through an entry of its own term")
    func commitOnlyThroughCurrentTerm() throws {
        var group = try InteractionEnvironment.electedGroup(3)
        #expect(group.node(1).commitIndex == Offset(0))
        // Every node holds the term-1 no-op; a new leader of term 2 must commit its own no-op first.
        _ = try group.run("partition 1 | 2 3")
        try group.with(2) { try $0.campaign() }
        // Lease: node 3 heard node 1 recently; let it time out before the pre-vote arrives.
        for _ in 0..<10 { group.with(3) { $0.tick() } }
        try group.stabilize([NodeID(2), NodeID(3)])
        #expect(group.node(2).currentRole == .leader)
        #expect(group.node(2).commitIndex == Offset(1), "the term-2 no-op at offset 1 committed")
    }

    @Test("Committed entries are handed out for applying only once stable locally")
    func applyOnlyStableEntries() throws {
        var group = try InteractionEnvironment.electedGroup(3)
        _ = try group.with(1) { try $0.propose(recordCount: 1, payload: []) }
        try group.stabilize([])
        // Node 2 receives commit=1 along with a new entry it has not persisted yet.
        _ = try group.with(1) { try $0.propose(recordCount: 1, payload: []) }
        let leaderReady = group.takeReady(1)
        let request = try #require(Self.appends(leaderReady, to: 2).first)
        var withCommit = request
        withCommit.commit = Offset(2)
        try group.with(2) {
            try $0.step(Message(from: NodeID(1), to: NodeID(2), term: Term(1), kind: .append(withCommit)))
        }
        let ready = group.takeReady(2)
        #expect(ready.entries.map(\.last) == [Offset(2)])
        #expect(ready.committedEntries.allSatisfy { $0.last <= Offset(1) }, "offset 2 is not stable yet")
    }

    @Test("A malformed append (gap after prev) is dropped with a typed error")
    func malformedAppendIsDropped() throws {
        var group = try InteractionEnvironment.electedGroup(3)
        let gap = Entry(first: Offset(5), last: Offset(5), term: Term(1), kind: .normal, payload: [])
        let request = AppendRequest(prev: EntryID(index: Offset(0), term: Term(1)), entries: [gap], commit: Offset(0))
        #expect(!request.isWellFormed)
        #expect(throws: RaftStepError.malformed) {
            try group.with(2) {
                try $0.step(Message(from: NodeID(1), to: NodeID(2), term: Term(1), kind: .append(request)))
            }
        }
    }

    @Test("Heartbeats are their own message kind, one per peer, for coalescing")
    func heartbeatsPerPeer() throws {
        var group = try InteractionEnvironment.electedGroup(3, learners: [NodeID(4)])
        #expect(group.node(1).heartbeatTargets == [NodeID(2), NodeID(3), NodeID(4)])
        group.with(1) { $0.tick() }
        let ready = group.takeReady(1)
        let beats = ready.messagesBeforePersistence.filter { if case .heartbeat = $0.kind { true } else { false } }
        #expect(beats.map(\.to) == [NodeID(2), NodeID(3), NodeID(4)])
        #expect(group.node(2).heartbeatTargets.isEmpty)
    }

    @Test("An idle follower's tick produces nothing to do")
    func idleTickIsQuiet() throws {
        var group = try InteractionEnvironment.electedGroup(3)
        for _ in 0..<5 { group.with(2) { $0.tick() } }
        #expect(group.node(2).hasReady == false)
    }
}

@Suite struct FlowControlTests {
    @Test("reportUnreachable sends a replicating follower back to probing")
    func unreachableFallsBackToProbe() throws {
        var group = try InteractionEnvironment.electedGroup(3)
        #expect(group.node(1).status.progress[1].state == .replicate)
        group.with(1) { $0.reportUnreachable(NodeID(2)) }
        #expect(group.node(1).status.progress[1].state == .probe)
    }

    @Test("The leader refuses proposals once raftUnstableEntriesMax entries await persistence")
    func unstableLogBackpressure() throws {
        var group = try InteractionEnvironment.electedGroup(3)
        var accepted = 0
        while accepted < Limits.raftUnstableEntriesMax + 10 {
            do {
                _ = try group.with(1) { try $0.propose(recordCount: 1, payload: []) }
                accepted += 1
            } catch {
                #expect(error as? RaftError == .unstableLogFull)
                break
            }
        }
        #expect(accepted == Limits.raftUnstableEntriesMax)
        let ready = group.takeReady(1)
        group.storage(1).persist(ready)
        group.with(1) { $0.advance(ready) }
        _ = try group.with(1) { try $0.propose(recordCount: 1, payload: []) }
    }

    @Test("A group's node stays small (thousands per broker)")
    func nodeIsSmall() {
        #expect(MemoryLayout<RaftNode>.size <= 512, "RaftNode is \(MemoryLayout<RaftNode>.size) bytes")
    }
}
