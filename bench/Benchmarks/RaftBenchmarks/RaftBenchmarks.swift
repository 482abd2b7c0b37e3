// Cost of the pure Raft core alone (no I/O, no network):
//
// - "Raft commit, 3 nodes, 100 proposals/iteration": a 3-node group in memory, messages handed
//   directly from node to node, MemoryRaftLog storage. Each iteration proposes 100 entries of
//   one 100-byte record on the leader and drives Ready/step until the leader has committed
//   them all. Proposals committed per second = 100 × throughput (iterations/s).
// - "Raft idle tick, 10,000 follower groups" / "... leader groups": one broker's worth of idle
//   groups; each iteration ticks every group once and carries out its Ready if it has one (a
//   leader sends its heartbeats). CPU per idle group per tick = time per iteration / 10,000.
//   Follower groups get a heartbeat from their leader every 5 ticks, as they would in reality.
import Benchmark
import TernModel
import TernRaft

/// A 3-node group in memory with a direct "network".
final class InMemoryGroup {
    var nodes: [RaftNode]
    let storages: [MemoryRaftLog]
    var inbox: [Message] = []

    init() {
        let ids = [NodeID(1), NodeID(2), NodeID(3)]
        let configuration = ClusterConfiguration(voters: ids)
        storages = ids.map { _ in MemoryRaftLog(configuration: configuration) }
        nodes = []
        for (position, id) in ids.enumerated() {
            nodes.append(
                RaftNode(
                    options: RaftOptions(id: id), storage: storages[position],
                    random: SplitMix64(seed: UInt64(position))))
        }
        try! nodes[0].campaign()
        drive()
        precondition(nodes[0].currentRole == .leader, "node 1 must lead")
    }

    /// Processes Readies and delivers messages until nothing moves.
    func drive() {
        var progress = true
        while progress {
            progress = false
            for position in nodes.indices where nodes[position].hasReady {
                progress = true
                let ready = nodes[position].ready()
                inbox.append(contentsOf: ready.messagesBeforePersistence)
                storages[position].persist(ready)
                inbox.append(contentsOf: ready.messages)
                nodes[position].advance(ready)
            }
            let batch = inbox
            inbox.removeAll(keepingCapacity: true)
            for message in batch {
                progress = true
                try? nodes[Int(message.to.rawValue) - 1].step(message)
            }
        }
    }

    /// Drops applied entries so memory stays flat across iterations.
    func compact() {
        for position in nodes.indices {
            let applied = nodes[position].appliedIndex
            guard applied > storages[position].logStart else { continue }
            storages[position].compact(through: applied)
            nodes[position].logStartDidMove()
        }
    }
}

/// One broker's idle groups: each a single RaftNode whose peers are simulated by the harness.
final class IdleGroups {
    var nodes: [RaftNode] = []
    let leaders: Bool

    init(count: Int, leaders: Bool) {
        self.leaders = leaders
        let configuration = ClusterConfiguration(voters: [NodeID(1), NodeID(2), NodeID(3)])
        for index in 0..<count {
            var options = RaftOptions(id: NodeID(1))
            options.checkQuorum = false
            let storage = MemoryRaftLog(configuration: configuration)
            var node = RaftNode(options: options, storage: storage, random: SplitMix64(seed: UInt64(index)))
            if leaders {
                // Win the election with node 2's vote, then persist the no-op.
                try! node.campaign()
                Self.settle(&node, storage: storage)
                try? node.step(
                    Message(from: NodeID(2), to: NodeID(1), term: Term(1), kind: .preVoteResponse(granted: true)))
                Self.settle(&node, storage: storage)
                try? node.step(
                    Message(from: NodeID(2), to: NodeID(1), term: Term(1), kind: .voteResponse(granted: true)))
                Self.settle(&node, storage: storage)
                precondition(node.currentRole == .leader, "benchmark leader must lead")
            } else {
                Self.heartbeat(&node)
            }
            Self.settle(&node, storage: storage)
            nodes.append(node)
        }
    }

    static func settle(_ node: inout RaftNode, storage: MemoryRaftLog) {
        while node.hasReady {
            let ready = node.ready()
            storage.persist(ready)
            node.advance(ready)
        }
    }

    static func heartbeat(_ node: inout RaftNode) {
        try? node.step(Message(from: NodeID(2), to: NodeID(1), term: Term(1), kind: .heartbeat(commit: Offset(-1))))
    }

    /// One tick of every group; returns the number of messages produced (to keep the work live).
    func tickAll(round: Int) -> Int {
        var messages = 0
        for index in nodes.indices {
            nodes[index].tick()
            if !leaders && round % 5 == 0 { Self.heartbeat(&nodes[index]) }
            if nodes[index].hasReady {
                let ready = nodes[index].ready()
                messages += ready.messagesBeforePersistence.count + ready.messages.count
                nodes[index].advance(ready)
            }
        }
        return messages
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .cpuTotal], warmupIterations: 3, maxDuration: .seconds(3),
        maxIterations: 10_000)

    Benchmark("Raft commit, 3 nodes, 100 proposals/iteration") { benchmark in
        let group = InMemoryGroup()
        let payload = [UInt8](repeating: 0x61, count: 100)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var last = EntryID.origin
            for _ in 0..<100 { last = try! group.nodes[0].propose(recordCount: 1, payload: payload) }
            group.drive()
            precondition(group.nodes[0].commitIndex >= last.index, "proposals must commit")
            group.compact()
        }
        benchmark.stopMeasurement()
    }

    for leaders in [false, true] {
        let label = leaders ? "leader" : "follower"
        Benchmark("Raft idle tick, 10,000 \(label) groups") { benchmark in
            let groups = IdleGroups(count: 10_000, leaders: leaders)
            var round = 0
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                round += 1
                blackHole(groups.tickAll(round: round))
            }
            benchmark.stopMeasurement()
        }
    }
}
