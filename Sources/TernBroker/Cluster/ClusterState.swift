import Synchronization
import TernModel
import TernTransport

/// The broker's cluster bookkeeping, behind one lock.
struct ClusterState: Sendable {
    /// The local replica of the controller group (voters only).
    var controllerReplica: PartitionReplica?
    /// When each broker last pulled metadata from this node (its heartbeat).
    var lastSeen: [NodeID: TimestampMs] = [:]
    /// The controller leader as the last pull answer named it (nodes that are not voters, and
    /// voters that have not heard from their leader yet).
    var pulledController: (leader: NodeID?, epoch: Int32) = (nil, -1)
    /// Producer-id blocks by the controller offset that allocated them, most recent only.
    var producerBlocks: [Int64: ClosedRange<Int64>] = [:]
    /// A cluster-id proposal is in flight (the first controller leader names the cluster once).
    var namingCluster = false
    /// A registration is in flight.
    var registering = false
    /// A peer answered a pull naming a cluster (ours: a foreign one is `foreignCluster`).
    var peerConfirmed = false
    /// The cluster id of a peer that belongs to another cluster, seen during start-up.
    var foreignCluster: (peer: NodeID, clusterID: String)?
    /// The image file is being written / must be written again after that.
    var persisting = false
    var persistAgain = false
    /// When leaderships were last re-announced and the balancer last ran.
    var lastRepair = TimestampMs(0)
    var lastBalance = TimestampMs(0)
    var lastPull = TimestampMs(0)
}

/// Forwards connection losses from the peer network to the broker, which is created after it.
final class PeerLossRelay: Sendable {
    private let handler = Mutex<(@Sendable (NodeID, PeerConnectionLoss) -> Void)?>(nil)

    func set(_ body: @escaping @Sendable (NodeID, PeerConnectionLoss) -> Void) {
        handler.withLock { $0 = body }
    }

    func report(_ peer: NodeID, _ loss: PeerConnectionLoss) {
        let body = handler.withLock { $0 }
        body?(peer, loss)
    }
}
