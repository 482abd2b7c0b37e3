import NIOCore
import TernModel
import TernRaft
import TernReplication

/// What the admin endpoint shows of one local replica.
struct ReplicaStatus: Sendable {
    var role: RaftRole
    var term: Term
    var leader: NodeID?
    var highWatermark: Offset
    var logEnd: Offset
    /// Leader only: the members that answered within the check-quorum window and are within
    /// `inSyncLagMax` offsets of the leader's log end, the leader included.
    var inSync: [NodeID]?
    /// Leader only: followers whose log matches the leader's end (candidates for a transfer).
    var caughtUp: [NodeID]?
    var voters: [NodeID]
}

extension PartitionReplica {
    /// Offsets a follower may trail the leader and still count as in sync (for status; Raft
    /// needs no ISR).
    static let inSyncLagMax: Int64 = 10_000
    /// Offsets a follower may trail and still be handed leadership by the balancer.
    static let transferLagMax: Int64 = 5_000

    /// Steps Raft messages from a peer, in order, then flushes once for all of them. Called from
    /// the RPC handler; the hop keeps per-group order because one envelope's groups are handed
    /// over in sequence and the executor runs jobs in order.
    nonisolated func receive(_ messages: [Message]) {
        eventLoop.execute { [self] in
            assumeIsolated { replica in
                guard let driver = replica.driver, replica.failureDetail == nil else { return }
                for message in messages { try? driver.step(message) }
                if driver.node.hasReady { replica.scheduleFlush() }
            }
        }
    }

    /// The process of `peer` is gone (its kernel refused or reset our connection). If it led
    /// this group, forget it; the lowest surviving voter campaigns at once and the others let
    /// their leader lease lapse so they grant it, which replaces a killed leader in one
    /// round-trip plus an fsync instead of an election timeout.
    nonisolated func peerDied(_ peer: NodeID) {
        eventLoop.execute { [self] in
            assumeIsolated { replica in
                guard let driver = replica.driver, replica.failureDetail == nil,
                    driver.node.currentLeader == peer
                else { return }
                let survivors = driver.node.configuration.voters.filter { $0 != peer }
                driver.reportLeaderLost(peer, campaign: survivors.first == replica.localID)
                if driver.node.hasReady { replica.scheduleFlush() }
            }
        }
    }

    /// Starts a leadership transfer to `target` if this replica leads and `target` has caught
    /// up (the balancer's request; refused quietly otherwise, the balancer asks again later).
    func transferLeadership(to target: NodeID) {
        guard let driver = servingLeader, let caughtUp = status?.caughtUp, caughtUp.contains(target) else { return }
        try? driver.transferLeadership(to: target)
        if driver.node.hasReady { scheduleFlush() }
    }

    /// Whether this replica leads and has committed its own LEADER_CHANGE batch.
    var isServingLeader: Bool { servingLeader != nil }

    /// The replica's state for the admin endpoint, or nil while closed.
    var status: ReplicaStatus? {
        guard let driver else { return nil }
        let raft = driver.node.status
        let logEnd = driver.storage.lastIndex.next
        var inSync: [NodeID]?
        var caughtUp: [NodeID]?
        if raft.role == .leader {
            inSync = raft.progress.filter { follower in
                follower.id == localID
                    || (follower.recentActive && logEnd.rawValue - follower.match.rawValue - 1 <= Self.inSyncLagMax)
            }.map(\.id).sorted()
            // Close enough for a transfer: Raft's transfer brings the target the rest of the way
            // (proposals pause meanwhile); an exact match is rare under load.
            caughtUp = raft.progress.filter { follower in
                follower.id != localID && follower.recentActive
                    && logEnd.rawValue - follower.match.rawValue - 1 <= Self.transferLagMax
            }.map(\.id)
        }
        return ReplicaStatus(
            role: raft.role, term: raft.term, leader: raft.leader, highWatermark: driver.highWatermark, logEnd: logEnd,
            inSync: inSync, caughtUp: caughtUp, voters: raft.configuration.voters)
    }
}
