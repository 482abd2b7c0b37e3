import Foundation
import Logging
import NIOPosix
import Synchronization
import TernLog
import TernModel
import TernController
import TernReplication

extension Broker {
    /// Opens (recovering) a replica for each of `partitions` of `topic` and registers it. A
    /// partition whose recovery repaired something is logged with what was repaired; one that
    /// cannot be opened (damage before its tail) fails the call.
    func openReplicas(of topic: TopicMetadata, partitions: [TopicPartition]) async throws {
        let logConfiguration = TopicConfig.logConfiguration(topic.configs, broker: configuration)
        for partition in partitions {
            let replicaIDs = topic.replicas[Int(partition.partition.rawValue)].map { NodeID($0) }
            // `__consumer_offsets` replicas apply their committed records to the groups' state,
            // and start after the state's snapshot.
            let offsets = topic.name == Self.offsetsTopic ? openOffsetsPartition(partition) : nil
            let hooks = offsets.map(offsetsHooks) ?? ReplicaHooks(leadership: { [weak self] partition, known in
                self?.announceLeadership(partition, known)
            })
            let replica = PartitionReplica(
                topicPartition: partition, eventLoop: storageGroup.next(), localID: nodeID, leadership: leadership,
                clock: clock, network: network, hooks: hooks, logger: logger)
            let report: RecoveryReport
            do throws(ReplicationError) {
                report = try await replica.open(
                    directory: directory(of: partition), fileSystem: fileSystem, voters: replicaIDs,
                    logConfiguration: logConfiguration, options: timing, seed: nextRandom(),
                    applied: offsets?.appliedOffset, keepsCommittedEntries: offsets != nil,
                    producerExpirationMs: offsets == nil ? configuration.producerIDExpirationMs : nil)
            } catch {
                throw BrokerStartupError("partition \(partition) cannot be opened: \(error)")
            }
            if !report.isClean { logRepair(report, of: partition) }
            state.withLock { state in
                state.replicas[partition] = replica
                state.openedTopicIDs[topic.name] = topic.id
            }
        }
    }

    /// Closes the replicas of `partitions` and removes their directories.
    func removeReplicas(_ partitions: [TopicPartition]) async {
        for partition in partitions {
            let replica = state.withLock { $0.replicas.removeValue(forKey: partition) }
            await replica?.close()
            if partition.topic == Self.offsetsTopic { closeOffsetsPartition(partition.partition) }
            do {
                try FileManager.default.removeItem(atPath: directory(of: partition))
            } catch {
                logger.warning(
                    "cannot remove a deleted partition's directory",
                    metadata: ["partition": "\(partition)", "error": "\(error)"])
            }
        }
    }

    /// What clients are told of `partition`'s leadership: the table's entry, except that a peer
    /// whose connection from here is down (lost, not yet back; refused dials keep it so) is not
    /// named. It has most likely died, and "no leader" makes clients ask again within
    /// milliseconds instead of trusting it until their next periodic refresh.
    func liveLeadership(of partition: TopicPartition) -> PartitionLeadership? {
        guard var known = leadership.leadership(of: partition) else { return nil }
        if let leader = known.leader, leader != nodeID, network.isDown(leader) { known.leader = nil }
        return known
    }

    /// The local replica of `partition`, if this broker hosts it.
    func replica(_ partition: TopicPartition) -> PartitionReplica? {
        state.withLock { $0.replicas[partition] }
    }

    /// Waits (polling the leadership table, bounded by `timeoutMs`) until every partition has a
    /// leader, as Kafka's CreateTopics does before answering.
    func awaitLeaders(_ partitions: [TopicPartition], timeoutMs: Int32) async {
        let deadline = clock.now().advanced(by: Int64(max(0, min(timeoutMs, 60_000))))
        // Bounded by the deadline; each round yields to the replicas.
        while clock.now() < deadline, !Task.isCancelled {
            // A leader here counts once its replica is registered (it publishes while opening).
            let missing = partitions.contains { partition in
                guard let leader = liveLeadership(of: partition)?.leader else { return true }
                return leader == nodeID && replica(partition) == nil
            }
            if !missing { return }
            do {
                try await Task.sleep(for: .milliseconds(5))
            } catch {
                return  // cancelled: the broker is shutting down
            }
        }
    }

    private func logRepair(_ report: RecoveryReport, of partition: TopicPartition) {
        var metadata: Logger.Metadata = ["partition": "\(partition)"]
        if report.truncatedBytes > 0 { metadata["truncated_bytes"] = "\(report.truncatedBytes)" }
        if let defect = report.tailDefect { metadata["tail_defect"] = "\(defect)" }
        if !report.indexesRebuilt.isEmpty { metadata["indexes_rebuilt"] = "\(report.indexesRebuilt)" }
        if !report.indexesTrimmed.isEmpty { metadata["indexes_trimmed"] = "\(report.indexesTrimmed)" }
        if !report.orphanFilesRemoved.isEmpty { metadata["orphans_removed"] = "\(report.orphanFilesRemoved)" }
        if let corruption = report.corruption { metadata["damage"] = "\(corruption)" }
        logger.notice("partition recovered with repairs", metadata: metadata)
    }
}
