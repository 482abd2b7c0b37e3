import Foundation
import Logging
import NIOCore
import TernController
import TernLog
import TernModel
import TernRaft
import TernReplication
import TernWire
import Synchronization

extension Broker {
    /// The partition name of the controller group's log (KRaft's), never a client topic: names
    /// starting with `__` are internal and the image does not list it.
    static let controllerPartition = TopicPartition(topic: "__cluster_metadata", partition: PartitionID(0))

    /// Whether this node is one of the controller group's voters.
    var isControllerVoter: Bool { configuration.controllerVoters.contains(nodeID) }

    /// Opens this node's replica of the controller group (voters only). Its log lives in
    /// `<data>/controller/log`; entries up to the image's `appliedOffset` were applied before
    /// (the image file is the snapshot) and are not handed out again.
    func openController() async throws {
        guard isControllerVoter else { return }
        let appliedOffset = state.withLock { $0.image.appliedOffset }
        let replica = PartitionReplica(
            topicPartition: Self.controllerPartition, eventLoop: controller.eventLoop, localID: nodeID,
            leadership: controllerLeadership, clock: clock, group: .controller, network: network,
            hooks: ReplicaHooks(committed: { [weak self] entries in self?.applyControllerEntries(entries) }))
        var logConfiguration = TopicConfig.logConfiguration([:], broker: configuration)
        logConfiguration.retentionBytes = nil
        logConfiguration.retentionMs = nil
        do throws(ReplicationError) {
            _ = try await replica.open(
                directory: Self.controllerDirectory(configuration) + "/log", fileSystem: fileSystem,
                voters: configuration.controllerVoters, logConfiguration: logConfiguration, options: timing,
                seed: nextRandom(), applied: appliedOffset >= 0 ? Offset(appliedOffset) : nil,
                keepsCommittedEntries: true)
        } catch {
            throw BrokerStartupError("the controller log cannot be opened: \(error)")
        }
        cluster.withLock { $0.controllerReplica = replica }
    }

    /// Applies committed controller entries to the image (on the controller replica's executor,
    /// before the proposer's ticket completes), then persists it and reconciles replicas.
    func applyControllerEntries(_ entries: [Entry]) {
        var blocks: [(Int64, ClosedRange<Int64>)] = []
        // Decoded outside the lock (and logged there): only applying holds it.
        var decoded: [(Offset, ControllerCommand)] = []
        for entry in entries {
            do {
                decoded += try ControllerRecord.commands(in: entry.payload)
            } catch {
                logger.error(
                    "a controller log entry is not understood; skipped",
                    metadata: ["offset": "\(entry.first)", "error": "\(error)"])
            }
        }
        let changed = state.withLock { state -> Bool in
            var changed = false
            for (offset, command) in decoded where offset.rawValue > state.image.appliedOffset {
                if case .producerIDBlock(let first, let count) = state.image.apply(command, at: offset) {
                    blocks.append((offset.rawValue, first...(first + count - 1)))
                }
                changed = true
            }
            return changed
        }
        if !blocks.isEmpty {
            cluster.withLock { cluster in
                for (offset, block) in blocks { cluster.producerBlocks[offset] = block }
                if cluster.producerBlocks.count > 1_000, let oldest = cluster.producerBlocks.keys.min() {
                    cluster.producerBlocks[oldest] = nil
                }
            }
        }
        if changed { imageDidChange() }
    }

    /// A newer image is in `state.image`: remember the cluster id, persist, reconcile.
    func imageDidChange() {
        learnClusterID()
        requestPersist()
        requestReconcile()
    }

    /// Writes the cluster id into node.json the first time this node learns it.
    func learnClusterID() {
        guard let clusterID = state.withLock({ $0.image.clusterID }) else { return }
        network.clusterID.withLock { $0 = clusterID }
        let update = identity.withLock { identity -> NodeIdentity? in
            guard identity.clusterID == nil else { return nil }
            identity.clusterID = clusterID
            return identity
        }
        guard let update else { return }
        do {
            try update.write(dataDirectory: configuration.dataDirectory)
            logger.info("joined the cluster", metadata: ["cluster": "\(clusterID)", "node": "\(nodeID)"])
        } catch {
            logger.error("cannot record the cluster id in node.json", metadata: ["error": "\(error)"])
        }
    }

    /// Persists the latest image (single flight, on the metadata loop; always the newest image,
    /// so a burst of changes costs one write each round).
    func requestPersist() {
        let start = cluster.withLock { cluster -> Bool in
            if cluster.persisting {
                cluster.persistAgain = true
                return false
            }
            cluster.persisting = true
            return true
        }
        guard start else { return }
        controller.eventLoop.execute { [self] in
            // Bounded: another round only for a change that arrived during this one.
            while true {
                let image = state.withLock { $0.image }
                do {
                    try metadataFile.write(image)
                } catch {
                    logger.error("cannot write the metadata image", metadata: ["error": "\(error)"])
                }
                let again = cluster.withLock { cluster -> Bool in
                    if cluster.persistAgain {
                        cluster.persistAgain = false
                        return true
                    }
                    cluster.persisting = false
                    return false
                }
                if !again { return }
            }
        }
    }

    /// The controller leader as this node knows it: its own controller replica's view, else the
    /// last pull answer.
    var controllerLeader: (leader: NodeID?, epoch: Int32) {
        if isControllerVoter, let local = controllerLeadership.leadership(of: Self.controllerPartition),
            local.leader != nil
        {
            return (local.leader, local.epoch)
        }
        return cluster.withLock { $0.pulledController }
    }

    /// Proposes `commands` to the controller group (this node must lead it) and waits until they
    /// are committed and applied here.
    /// - Returns: the offset of the last command, or the error to answer.
    func proposeToController(_ commands: [ControllerCommand]) async -> ProposalOutcome {
        guard let replica = cluster.withLock({ $0.controllerReplica }) else { return .failure(.notController) }
        let batch = ControllerRecord.batch(commands, timestamp: clock.now())
        switch await replica.produce(batch, acks: .all, timeoutMs: 15_000) {
        case .appended(let base, _):
            return .success(base.rawValue + Int64(commands.count) - 1)
        case .failed(let error):
            return .failure(error == .notLeaderOrFollower || error == .leaderNotAvailable ? .notController : error)
        }
    }

    /// Whether this node's controller replica leads and has applied its whole log.
    func isServingController() async -> Bool {
        guard let replica = cluster.withLock({ $0.controllerReplica }) else { return false }
        return await replica.isServingLeader
    }
}

extension Broker {
    /// The brokers clients are told about: every registered broker, and this one even before its
    /// registration committed (a client must always be able to reach the broker it asked).
    var knownBrokers: [(id: Int32, host: String, port: Int32)] {
        var brokers = state.withLock { $0.image.brokers }
        let mine = registration
        if brokers[mine.id] == nil || brokers[mine.id]?.port != mine.port { brokers[mine.id] = mine }
        return brokers.values.sorted { $0.id < $1.id }.map { ($0.id, $0.host, $0.port) }
    }
}

/// How a controller proposal ended.
enum ProposalOutcome: Sendable {
    /// Committed and applied here; the offset of its last command.
    case success(Int64)
    /// Not committed (NOT_CONTROLLER when this node does not lead the controller group).
    case failure(ErrorCode)
}
