import TernModel
import TernRaft
import TernSimulation
// Goal: the simulator's own parts do what the fault model in README.md says: the generator is
// reproducible and in range, the disk keeps exactly a synced state plus a prefix of unsynced
// writes, partitions cut the links their shape names, and the checker rejects hand-made
// violations (so a clean sweep is evidence, not silence).
// Method: small direct tests of each part with hand-built inputs.
import Testing

@Suite struct ComponentTests {
    @Test func randomIsReproducibleAndInRange() {
        var first = SimulationRandom(seed: 9)
        var second = SimulationRandom(seed: 9)
        for _ in 0..<100 { #expect(first.next() == second.next()) }
        var random = SimulationRandom(seed: 1)
        var seen = Set<Int>()
        for _ in 0..<1_000 {
            let value = random.inRange(3...7)
            #expect((3...7).contains(value))
            seen.insert(value)
        }
        #expect(seen == [3, 4, 5, 6, 7])
        let derived = SimulationRandom(seed: 1).derived(stream: 1)
        var otherStream = SimulationRandom(seed: 1).derived(stream: 2)
        var copy = derived
        #expect(copy.next() != otherStream.next())
    }

    static func entry(_ first: Int64, _ last: Int64, term: Int64) -> Entry {
        Entry(first: Offset(first), last: Offset(last), term: Term(term), kind: .normal, payload: [1])
    }

    @Test func crashKeepsSyncedStateAndAPrefixOfUnsyncedWrites() {
        let disk = SimulatedDisk(configuration: ClusterConfiguration(voters: [NodeID(1)]))
        disk.issue(.entries([Self.entry(0, 0, term: 1)]))
        disk.issue(.hardState(HardState(term: Term(1), vote: NodeID(1), commit: Offset(-1))))
        disk.sync()
        disk.issue(.entries([Self.entry(1, 2, term: 1), Self.entry(3, 3, term: 1), Self.entry(4, 6, term: 1)]))
        disk.issue(.hardState(HardState(term: Term(2), vote: nil, commit: Offset(0))))
        #expect(disk.written.lastIndex == Offset(6))
        #expect(disk.durable.lastIndex == Offset(0))
        _ = disk.crash(survivingCount: 0, tornEntries: 2)
        // Nothing unsynced survived whole; the entries write was torn after two of its entries.
        #expect(disk.durable.lastIndex == Offset(3))
        #expect(disk.durable.hardState.term == Term(1))
        #expect(disk.durable.hardState.vote == NodeID(1))
        #expect(disk.written.lastIndex == disk.durable.lastIndex)
        #expect(disk.isDurable(EntryID(index: Offset(3), term: Term(1))))
        #expect(!disk.isDurable(EntryID(index: Offset(6), term: Term(1))))
    }

    @Test func forgettingTheVoteOnlyTouchesTheVote() {
        let disk = SimulatedDisk(configuration: ClusterConfiguration(voters: [NodeID(1)]))
        disk.issue(.hardState(HardState(term: Term(4), vote: NodeID(2), commit: Offset(-1))))
        disk.sync()
        disk.forgetDurableVote()
        #expect(disk.durable.hardState == HardState(term: Term(4), vote: nil, commit: Offset(-1)))
    }

    @Test func partitionShapesCutTheirLinks() {
        var network = SimulatedNetwork<Int>(nodeCount: 5)
        network.apply(.bridge(left: [0, 1], bridge: 2, right: [3, 4]))
        #expect(!network.linkIsUp(from: 0, to: 3))
        #expect(!network.linkIsUp(from: 4, to: 1))
        #expect(network.linkIsUp(from: 0, to: 2))
        #expect(network.linkIsUp(from: 2, to: 4))
        network.apply(.oneWay(from: [0], to: [1, 2]))
        #expect(!network.linkIsUp(from: 0, to: 1))
        #expect(network.linkIsUp(from: 1, to: 0))
        network.apply(.isolate(3))
        #expect(!network.linkIsUp(from: 3, to: 0))
        #expect(!network.linkIsUp(from: 0, to: 3))
        #expect(network.linkIsUp(from: 0, to: 1))
        network.heal()
        #expect(network.linkIsUp(from: 0, to: 3))
    }

    /// Sends 0..<50 on one link with random delays; returns the delivery order.
    static func deliveryOrder(reorder: Double) -> [Int] {
        var network = SimulatedNetwork<Int>(nodeCount: 2)
        var random = SimulationRandom(seed: 5)
        var rates = SwarmRates(random: &random)
        rates.dropProbability = 0
        rates.duplicateProbability = 0
        rates.reorderProbability = reorder
        rates.delayUnitsMin = 1
        rates.delayUnitsMax = 10
        for value in 0..<50 { _ = network.send(value, from: 0, to: 1, now: 0, rates: rates, random: &random) }
        var delivered: [Int] = []
        var lastTime: Int64 = 0
        for time in Int64(0)...10 {
            while let (envelope, cut) = network.nextDue(now: time) {
                #expect(!cut)
                #expect(envelope.deliverAt >= lastTime)
                lastTime = envelope.deliverAt
                delivered.append(envelope.message)
            }
        }
        #expect(delivered.sorted() == Array(0..<50))
        return delivered
    }

    @Test func linksAreFifoUnlessAMessageIsReordered() {
        #expect(Self.deliveryOrder(reorder: 0) == Array(0..<50))
        #expect(Self.deliveryOrder(reorder: 0.5) != Array(0..<50))
    }

    @Test func checkerRejectsTwoLeadersInOneTermAndUndurableVotes() {
        let configuration = ClusterConfiguration(voters: [NodeID(1), NodeID(2), NodeID(3)])
        var checker = InvariantChecker(nodeCount: 3, configuration: configuration)
        let log = MemoryRaftLog(configuration: configuration)
        let raft1 = RaftNode(options: RaftOptions(id: NodeID(1)), storage: log, random: SimulationRandom(seed: 1))
        var view = NodeView(raft1)
        view.role = .leader
        view.term = Term(3)
        #expect(throws: Never.self) { try checker.checkLeader(node: 0, status: view, log: log) }
        view.id = NodeID(2)
        #expect(throws: SimulationViolation.self) { try checker.checkLeader(node: 1, status: view, log: log) }
        let vote = Message(from: NodeID(2), to: NodeID(1), term: Term(3), kind: .voteResponse(granted: true))
        #expect(throws: SimulationViolation.self) {
            try checker.checkSend(vote, durable: HardState(term: Term(2), vote: nil, commit: Offset(-1)))
        }
        #expect(throws: Never.self) {
            try checker.checkSend(vote, durable: HardState(term: Term(3), vote: NodeID(1), commit: Offset(-1)))
        }
    }

    @Test func committedHistoryRejectsADuplicateProposal() {
        var decided = DecidedLog()
        let payload = ProposalPayload.encode(id: 77, recordCount: 2)
        let first = Entry(first: Offset(0), last: Offset(1), term: Term(1), kind: .normal, payload: payload)
        let again = Entry(first: Offset(2), last: Offset(3), term: Term(1), kind: .normal, payload: payload)
        #expect(decided.append(first, commitTerm: Term(1)) == nil)
        #expect(decided.append(again, commitTerm: Term(1)) != nil)
        #expect(decided.proposalIndex[77] == Offset(1))
    }
}
