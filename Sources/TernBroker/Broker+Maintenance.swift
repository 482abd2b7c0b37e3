import Foundation
import Logging
import NIOCore
import TernController
import TernModel
import TernTransport
import TernWire
import Synchronization

extension Broker {
    /// How often the maintenance loop runs.
    static let maintenanceInterval = Duration.milliseconds(100)
    /// How often each broker pulls metadata from the controller voters (and so tells them it
    /// is alive).
    static let pullIntervalMs: Int64 = 500
    /// A broker not heard from for this long counts as down (replica placement, balancing).
    static let livenessMs: Int64 = 3_000
    /// How often a leader re-announces the partitions it leads (repairs lost notices).
    static let repairIntervalMs: Int64 = 1_000
    /// How often the controller leader looks for partitions away from their preferred leader.
    static let balanceIntervalMs: Int64 = 5_000

    /// How long a restarting node waits for a peer to confirm its cluster id.
    static let joinConfirmationMs: Int64 = 5_000

    /// Starts the maintenance loop: naming the cluster (first controller leader), registering
    /// this broker, pulling metadata, re-announcing leadership, balancing leaders.
    func startMaintenance() {
        let task = Task { [weak self] in
            // Bounded by cancellation at shutdown; one round per interval.
            while !Task.isCancelled {
                guard let self else { return }
                await self.maintenanceRound()
                try? await Task.sleep(for: Self.maintenanceInterval)
            }
        }
        maintenance.withLock { $0 = task }
    }

    private func maintenanceRound() async {
        let now = clock.now()
        await nameClusterIfNeeded()
        registerIfNeeded()
        let (pullDue, repairDue, balanceDue) = cluster.withLock { cluster -> (Bool, Bool, Bool) in
            let pull = now - cluster.lastPull >= Self.pullIntervalMs
            let repair = now - cluster.lastRepair >= Self.repairIntervalMs
            let balance = now - cluster.lastBalance >= Self.balanceIntervalMs
            if pull { cluster.lastPull = now }
            if repair { cluster.lastRepair = now }
            if balance { cluster.lastBalance = now }
            return (pull, repair, balance)
        }
        if pullDue { await pullMetadata() }
        if repairDue { await announceAllLeaderships() }
        if balanceDue, await isServingController() { await balanceLeaders(now: now) }
        if pullDue, await isServingController() { await ensureOffsetsTopic() }
    }

    /// The first controller leader of a new cluster names it.
    private func nameClusterIfNeeded() async {
        guard state.withLock({ $0.image.clusterID == nil }) else { return }
        let start = cluster.withLock { cluster -> Bool in
            guard !cluster.namingCluster else { return false }
            cluster.namingCluster = true
            return true
        }
        guard start else { return }
        defer { cluster.withLock { $0.namingCluster = false } }
        guard await isServingController() else { return }
        let id = NodeIdentity.clusterIDString(nextRandom(), nextRandom())
        if case .success = await proposeToController([.initializeCluster(clusterID: id)]) {
            logger.info("named the new cluster", metadata: ["cluster": "\(state.withLock { $0.image.clusterID ?? id })"])
        }
    }

    /// This broker's registration: where clients and peers reach it.
    var registration: BrokerRegistration {
        let advertised = advertisedAddress
        let rpc = configuration.seeds.first { $0.id == nodeID }?.address ?? configuration.rpcListener
        return BrokerRegistration(
            id: nodeID.rawValue, host: advertised.host, port: Int32(advertised.port), rpcHost: rpc.host,
            rpcPort: Int32(rpc.port))
    }

    /// Registers through the controller log once the cluster is named, and again whenever the
    /// image disagrees with this broker's addresses (a restart on another port).
    private func registerIfNeeded() {
        let mine = registration
        let needed = state.withLock { $0.image.clusterID != nil && $0.image.brokers[mine.id] != mine }
        guard needed, advertisedAddress.port != 0 else { return }
        let start = cluster.withLock { cluster -> Bool in
            guard !cluster.registering else { return false }
            cluster.registering = true
            return true
        }
        guard start else { return }
        Task {
            defer { cluster.withLock { $0.registering = false } }
            let reply = await submitAdmin(.register(mine), timeoutMs: 5_000)
            if reply.error != 0 {
                logger.debug("registration not committed yet", metadata: ["error": "\(ErrorCode(rawValue: reply.error))"])
            }
        }
    }

    /// Pulls from every controller voter: liveness for them, newer metadata for us, and who leads
    /// the controller. A voter of another cluster is remembered (start-up refuses then).
    func pullMetadata() async {
        let voters = configuration.controllerVoters.filter { $0 != nodeID }
        for voter in voters {
            let (version, clusterID) = state.withLock { ($0.image.appliedOffset, $0.image.clusterID) }
            let pull = MetadataPull(node: nodeID.rawValue, clusterID: clusterID, version: version)
            let body: ByteBuffer
            do throws(PeerError) {
                body = try await network.request(to: voter, .metadataPull, PeerJSON.encode(pull), timeout: .seconds(2))
            } catch {
                continue
            }
            guard let reply = PeerJSON.decode(MetadataPullReply.self, body) else { continue }
            let mine = identity.withLock { $0.clusterID } ?? clusterID
            if let theirs = reply.clusterID, let mine, theirs != mine {
                cluster.withLock { $0.foreignCluster = (voter, theirs) }
                continue
            }
            cluster.withLock { cluster in
                cluster.lastSeen[voter] = clock.now()
                if reply.clusterID != nil { cluster.peerConfirmed = true }
                if reply.controllerEpoch >= cluster.pulledController.epoch {
                    cluster.pulledController = (reply.controllerLeader.map { NodeID($0) }, reply.controllerEpoch)
                }
            }
            if let image = reply.image, adopt(image) { imageDidChange() }
        }
    }

    /// Takes a pulled image if it is newer than ours and of our cluster.
    private func adopt(_ image: MetadataImage) -> Bool {
        state.withLock { state in
            guard image.appliedOffset > state.image.appliedOffset else { return false }
            if let ours = state.image.clusterID, image.clusterID != ours { return false }
            state.image = image
            return true
        }
    }

    /// Re-announces every partition this broker leads (repairs notices lost to a dropped
    /// connection or a peer that was down).
    private func announceAllLeaderships() async {
        guard !network.clients.isEmpty else { return }
        let local = Set(state.withLock { $0.replicas.keys })
        let entries = leadership.all().compactMap { partition, known -> LeadershipNotice.Entry? in
            guard known.leader == nodeID, local.contains(partition) else { return nil }
            return .init(topic: partition.topic, partition: partition.partition.rawValue, leader: nodeID.rawValue, epoch: known.epoch)
        }
        guard !entries.isEmpty else { return }
        await network.broadcast(.leadership, PeerJSON.encode(LeadershipNotice(from: nodeID.rawValue, entries: entries)))
    }

    /// Brokers that count as alive for placement: this one, and those that pulled from us (or
    /// answered our pulls) within `livenessMs`.
    func liveBrokerIDs(now: TimestampMs) -> [Int32] {
        let seen = cluster.withLock { $0.lastSeen }
        let registered = state.withLock { Set($0.image.brokers.keys) }
        var live = Set([nodeID.rawValue])
        for (node, time) in seen where now - time <= Self.livenessMs && registered.contains(node.rawValue) {
            live.insert(node.rawValue)
        }
        return live.sorted()
    }

    /// Moves leadership back to preferred replicas (first in the list) that are alive, at most
    /// `Limits.balancerTransfersPerRound` per round; the current leader starts the transfer only
    /// if the target has caught up (`PartitionReplica.transferLeadership`).
    private func balanceLeaders(now: TimestampMs) async {
        let live = Set(liveBrokerIDs(now: now))
        let image = state.withLock { $0.image }
        var started = 0
        for topic in image.topics.values.sorted(by: { $0.name < $1.name }) {
            for (index, replicas) in topic.replicas.enumerated() {
                guard started < Limits.balancerTransfersPerRound else { return }
                guard let preferred = replicas.first, replicas.count > 1, live.contains(preferred) else { continue }
                let partition = TopicPartition(topic: topic.name, partition: PartitionID(Int32(index)))
                guard let current = leadership.leadership(of: partition)?.leader, current.rawValue != preferred,
                    live.contains(current.rawValue)
                else { continue }
                let request = PeerJSON.encode(TransferRequest(topic: topic.name, partition: Int32(index), target: preferred))
                started += 1
                if current == nodeID {
                    if let replica = replica(partition) { await replica.transferLeadership(to: NodeID(preferred)) }
                } else {
                    await network.post(to: current, .transferLeadership, request)
                }
            }
        }
    }

    /// Waits until this node has joined its cluster (the image names it), refusing a data
    /// directory of another cluster.
    func awaitJoined() async throws {
        let started = clock.now()
        // Bounded by cancellation: a node waits for its cluster's quorum as long as it takes.
        while !Task.isCancelled {
            if let foreign = cluster.withLock({ $0.foreignCluster }) {
                let mine = identity.withLock { $0.clusterID } ?? "?"
                throw BrokerStartupError(
                    "\(configuration.dataDirectory) belongs to cluster \(mine), but node \(foreign.peer) of the seed list belongs to cluster \(foreign.clusterID); refusing to start")
            }
            let known = state.withLock { $0.image.clusterID }
            let recorded = identity.withLock { $0.clusterID }
            if let known, let recorded, known != recorded {
                throw BrokerStartupError(
                    "\(configuration.dataDirectory)/node.json names cluster \(recorded) but its controller log names \(known); refusing to start")
            }
            // A known id is confirmed by a peer of the same cluster; with every peer silent for
            // `joinConfirmationMs` the node goes on alone (its peers may all be down).
            let confirmed = cluster.withLock { $0.peerConfirmed }
            if known != nil, network.clients.isEmpty || confirmed || clock.now() - started >= Self.joinConfirmationMs {
                learnClusterID()
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw CancellationError()
    }
}
