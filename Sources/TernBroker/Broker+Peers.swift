import Foundation
import Logging
public import NIOCore
import NIOPosix
import TernController
import TernModel
import TernRaft
import TernReplication
public import TernTransport
import TernWire
import Synchronization

extension Broker: PeerRequestHandling {
    /// Binds the inter-broker RPC listener (`rpc.listener`) and starts hearing of lost peers.
    func startPeerServer() async throws {
        lossRelay.set { [weak self] peer, loss in self?.peerConnectionLost(peer, loss) }
        guard !configuration.seeds.isEmpty else { return }
        let network = self.network
        let interval = TimeAmount.milliseconds(timing.tickMilliseconds)
        let heartbeats = networkGroup.next().scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            network.flushHeartbeats()
        }
        heartbeatTask.withLock { $0 = heartbeats }
        let address = configuration.rpcListener
        let server = try await PeerServer.start(
            host: address.host, port: address.port, group: networkGroup, frameBytesMax: Limits.frameBytesMax,
            handler: self, logger: logger)
        peerServer.withLock { $0 = server }
    }

    /// One-way frames, on the connection's event loop, in order.
    public func receive(_ frame: PeerFrame) {
        switch PeerAPI(rawValue: frame.apiKey) {
        case .raft: receiveRaft(frame.body)
        case .leadership: receiveLeadership(frame.body)
        case .transferLeadership:
            guard let request = PeerJSON.decode(TransferRequest.self, frame.body) else { return }
            let partition = TopicPartition(topic: request.topic, partition: PartitionID(request.partition))
            guard let replica = replica(partition) else { return }
            Task { await replica.transferLeadership(to: NodeID(request.target)) }
        case .admin, .metadataPull, nil:
            return
        }
    }

    /// Requests: admin calls for the controller and metadata pulls.
    public func handle(_ frame: PeerFrame) async -> ByteBuffer {
        switch PeerAPI(rawValue: frame.apiKey) {
        case .admin:
            guard let call = PeerJSON.decode(AdminCall.self, frame.body) else {
                return PeerJSON.encode(AdminReply(error: ErrorCode.invalidRequest.rawValue))
            }
            return PeerJSON.encode(await answerAdminCall(call))
        case .metadataPull:
            guard let pull = PeerJSON.decode(MetadataPull.self, frame.body) else { return ByteBuffer() }
            return PeerJSON.encode(answerPull(pull))
        default:
            receive(frame)
            return ByteBuffer()
        }
    }

    /// Hands each group's messages of one envelope to its replica. Envelopes from another
    /// cluster are dropped: its Raft terms and logs have nothing to do with ours.
    private func receiveRaft(_ body: ByteBuffer) {
        let unwrapped: (clusterID: String, envelope: RaftEnvelope)
        do {
            unwrapped = try PeerNetwork.unwrap(body)
        } catch {
            logger.notice("dropping a Raft envelope that does not decode", metadata: ["error": "\(error)"])
            return
        }
        let envelope = unwrapped.envelope
        guard envelope.to == nodeID else { return }
        if !unwrapped.clusterID.isEmpty, let ours = state.withLock({ $0.image.clusterID }), ours != unwrapped.clusterID {
            return
        }
        var byGroup: [RaftGroupID: [Message]] = [:]
        var order: [RaftGroupID] = []
        for (group, message) in envelope.messages where message.to == nodeID && message.from == envelope.from {
            if byGroup[group] == nil { order.append(group) }
            byGroup[group, default: []].append(message)
        }
        let (replicas, controllerReplica) = (
            state.withLock { $0.replicas }, cluster.withLock { $0.controllerReplica }
        )
        for group in order {
            guard let messages = byGroup[group] else { continue }
            switch group {
            case .controller: controllerReplica?.receive(messages)
            case .partition(let partition): replicas[partition]?.receive(messages)
            }
        }
    }

    /// A peer announced partitions it leads.
    private func receiveLeadership(_ body: ByteBuffer) {
        guard let notice = PeerJSON.decode(LeadershipNotice.self, body) else { return }
        for entry in notice.entries.prefix(Limits.brokerPartitionsMax) {
            let partition = TopicPartition(topic: entry.topic, partition: PartitionID(entry.partition))
            leadership.publish(partition, PartitionLeadership(leader: NodeID(entry.leader), epoch: entry.epoch))
        }
    }

    /// A metadata pull from `pull.node`: remember it is alive, answer with our image if newer.
    func answerPull(_ pull: MetadataPull) -> MetadataPullReply {
        let now = clock.now()
        cluster.withLock { $0.lastSeen[NodeID(pull.node)] = now }
        let image = state.withLock { $0.image }
        let controller = controllerLeader
        return MetadataPullReply(
            clusterID: image.clusterID, version: image.appliedOffset, controllerLeader: controller.leader?.rawValue,
            controllerEpoch: controller.epoch, image: image.appliedOffset > pull.version ? image : nil)
    }

    /// A local replica's leadership changed: a new leader tells every peer at once.
    func announceLeadership(_ partition: TopicPartition, _ leadership: PartitionLeadership) {
        guard leadership.leader == nodeID, !network.clients.isEmpty else { return }
        let notice = LeadershipNotice(
            from: nodeID.rawValue,
            entries: [.init(topic: partition.topic, partition: partition.partition.rawValue, leader: nodeID.rawValue, epoch: leadership.epoch)])
        let body = PeerJSON.encode(notice)
        Task { await network.broadcast(.leadership, body) }
    }

    /// A connection to `peer` ended. Closed: the client re-dials at once, so that a dead process
    /// is told apart from a dropped connection (the dial is refused). Reset or refused: the
    /// peer's process is gone; every group it led elects a new leader now.
    func peerConnectionLost(_ peer: NodeID, _ loss: PeerConnectionLoss) {
        switch loss {
        case .closed:
            return
        case .reset:
            // Its kernel answered for it: not alive, whenever it last pulled.
            cluster.withLock { _ = $0.lastSeen.removeValue(forKey: peer) }
            let (replicas, controllerReplica) = (
                state.withLock { Array($0.replicas.values) }, cluster.withLock { $0.controllerReplica }
            )
            controllerReplica?.peerDied(peer)
            for replica in replicas { replica.peerDied(peer) }
        }
    }
}
