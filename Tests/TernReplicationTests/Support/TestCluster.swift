// A deterministic in-process network of replicas: one FIFO message queue, no threads, no clock.
// Nodes can be isolated (their messages dropped both ways) and crashed (disk loses unsynced
// writes, the process state is gone) and restarted from their disk.
import NIOCore
import TernLog
import TernModel
import TernRaft
import TernReplication
import Testing

final class TestCluster {
    let ids: [NodeID]
    var disks: [NodeID: ReplicaDisk] = [:]
    var drivers: [NodeID: ReplicaDriver] = [:]
    var queue: [Message] = []
    var isolated: Set<NodeID> = []
    var now = TimestampMs(10_000)
    var restarts: UInt64 = 0

    init(size: Int, retentionBytes: Int? = nil) throws {
        ids = (1...size).map { NodeID(Int32($0)) }
        let configuration = ClusterConfiguration(voters: ids)
        for id in ids {
            let disk = ReplicaDisk(
                id: id, bootstrap: configuration, seed: UInt64(id.rawValue) * 31, retentionBytes: retentionBytes)
            disks[id] = disk
            drivers[id] = try disk.openDriver(seed: UInt64(id.rawValue))
        }
    }

    var leaders: [NodeID] { ids.filter { drivers[$0]?.node.currentRole == .leader } }

    /// Runs every live node's Ready loop, queueing what they send.
    func processAll() throws {
        for id in ids {
            guard let driver = drivers[id] else { continue }
            let output = try driver.process(now: now)
            queue += output.allMessages
        }
    }

    /// Delivers queued messages (and what they cause) until the network is quiet. Bounded.
    func stabilize() throws {
        for _ in 0..<1_000 {
            try processAll()
            guard !queue.isEmpty else { return }
            let batch = queue
            queue.removeAll()
            for message in batch {
                guard !isolated.contains(message.from), !isolated.contains(message.to) else { continue }
                // An error only means the message was dropped; Raft retries.
                try? drivers[message.to]?.step(message)
            }
        }
        Issue.record("network did not settle")
    }

    /// Ticks every live node once and lets the network settle.
    func tickAll() throws {
        now = TimestampMs(now.rawValue + 100)
        for id in ids { drivers[id]?.tick() }
        try stabilize()
    }

    /// Ticks until a leader among `candidates` leads with a term above `term`. Bounded.
    func electLeader(among candidates: [NodeID], above term: Term = .zero) throws -> NodeID {
        for _ in 0..<200 {
            if let leader = candidates.first(where: {
                drivers[$0]?.node.currentRole == .leader && drivers[$0]!.node.currentTerm > term
            }) {
                return leader
            }
            try tickAll()
        }
        throw ClusterError.noLeader
    }

    func crash(_ id: NodeID) {
        drivers[id] = nil
        disks[id]!.fileSystem.crash(.lost)
    }

    func restart(_ id: NodeID) throws {
        restarts += 1
        drivers[id] = try disks[id]!.openDriver(seed: UInt64(id.rawValue) * 1_000 + restarts)
    }

    enum ClusterError: Error { case noLeader }
}

