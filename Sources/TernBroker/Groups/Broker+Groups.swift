import Logging
import NIOCore
import NIOPosix
import Synchronization
import TernController
import TernCoordination
import TernModel
import TernRaft
import TernWire

/// What the broker keeps for consumer groups: the applied state of each local
/// `__consumer_offsets` replica and the coordinator of each one it leads.
struct GroupRegistry: Sendable {
    /// Every local replica of `__consumer_offsets`, by partition index.
    var partitions: [PartitionID: OffsetsPartition] = [:]
    /// The coordinators of the partitions this broker leads (and has loaded).
    var shards: [PartitionID: GroupShard] = [:]
    var lastSnapshotCheck: Int64 = 0
    var lastExpiry: Int64 = 0
}

/// The coordinator of a group on this broker, or the error a group call answers with.
enum CoordinatorLookup: Sendable {
    case success(GroupShard)
    case failure(ErrorCode)
}

extension Broker {
    /// The internal topic of committed offsets and group metadata (Kafka's name, so tools that
    /// know Kafka recognise it).
    static let offsetsTopic = "__consumer_offsets"

    /// How often coordinators run their timers (sessions, rebalance deadlines).
    static let groupTickInterval = Duration.milliseconds(100)
    /// How often expired offsets are looked for (Kafka's `offsets.retention.check.interval.ms`
    /// is 10 minutes; a minute keeps a short retention honest).
    static let offsetsExpiryIntervalMs: Int64 = 60_000

    /// The coordinator settings from the broker's configuration.
    var groupConfiguration: GroupConfiguration {
        var settings = GroupConfiguration()
        settings.minSessionTimeoutMs = configuration.groupMinSessionTimeoutMs
        settings.maxSessionTimeoutMs = configuration.groupMaxSessionTimeoutMs
        settings.initialRebalanceDelayMs = configuration.groupInitialRebalanceDelayMs
        return settings
    }

    /// The `__consumer_offsets` partition of `group` (Kafka's hash), or nil before the cluster
    /// created the topic.
    func offsetsPartition(of group: String) -> TopicPartition? {
        guard let topic = state.withLock({ $0.image.topics[Self.offsetsTopic] }), topic.partitionCount > 0 else {
            return nil
        }
        let index = GroupPartitioner.partition(of: group, partitionCount: topic.partitionCount)
        return TopicPartition(topic: Self.offsetsTopic, partition: PartitionID(index))
    }

    /// The hooks of a local `__consumer_offsets` replica: its committed records feed the
    /// partition's `OffsetsState`, and losing leadership drops its coordinator at once.
    func offsetsHooks(_ offsets: OffsetsPartition) -> ReplicaHooks {
        ReplicaHooks(
            committed: { entries in offsets.apply(entries) },
            leadership: { [weak self] partition, known in
                guard let self else { return }
                self.announceLeadership(partition, known)
                if known.leader != self.nodeID { self.dropShard(partition.partition) }
            })
    }

    /// Opens the `OffsetsPartition` of a local replica being opened (reading its snapshot).
    func openOffsetsPartition(_ partition: TopicPartition) -> OffsetsPartition {
        let offsets = OffsetsPartition(
            partition: partition.partition, directory: directory(of: partition), fileSystem: fileSystem, logger: logger)
        groups.withLock { $0.partitions[partition.partition] = offsets }
        return offsets
    }

    /// Forgets a local replica of `__consumer_offsets` that is closed.
    func closeOffsetsPartition(_ partition: PartitionID) {
        dropShard(partition)
        groups.withLock { _ = $0.partitions.removeValue(forKey: partition) }
    }

    /// Closes the coordinator of `partition`, if any (its parked calls get NOT_COORDINATOR).
    func dropShard(_ partition: PartitionID) {
        let shard = groups.withLock { $0.shards.removeValue(forKey: partition) }
        if let shard {
            shard.close()
            logger.info("stopped coordinating groups", metadata: ["partition": "\(Self.offsetsTopic)-\(partition)"])
        }
    }

    /// The coordinator of `group` on this broker: NOT_COORDINATOR when another broker leads the
    /// group's partition (or none does), COORDINATOR_NOT_AVAILABLE before the topic exists,
    /// COORDINATOR_LOAD_IN_PROGRESS while this leader has not applied its whole log yet.
    func coordinator(for group: String) async -> CoordinatorLookup {
        guard let partition = offsetsPartition(of: group) else { return .failure(.coordinatorNotAvailable) }
        return await coordinator(of: partition)
    }

    /// The coordinator of one `__consumer_offsets` partition, built on first use after this
    /// broker became its leader.
    func coordinator(of partition: TopicPartition) async -> CoordinatorLookup {
        guard let known = leadership.leadership(of: partition), known.leader == nodeID,
            let replica = replica(partition),
            let offsets = groups.withLock({ $0.partitions[partition.partition] })
        else { return .failure(.notCoordinator) }
        if let shard = groups.withLock({ $0.shards[partition.partition] }) {
            if shard.epoch == known.epoch, !shard.isClosed { return .success(shard) }
            dropShard(partition.partition)
        }
        // Serving: the leader committed its term's first entry, so every earlier entry is
        // committed and (the hook runs before this answer) applied to `offsets`.
        guard await replica.isServingLeader else { return .failure(.coordinatorLoadInProgress) }
        guard let now = leadership.leadership(of: partition), now.leader == nodeID, now.epoch == known.epoch else {
            return .failure(.notCoordinator)
        }
        let created = groups.withLock { registry -> GroupShard in
            if let existing = registry.shards[partition.partition], existing.epoch == known.epoch, !existing.isClosed {
                return existing
            }
            let shard = GroupShard(
                partition: partition.partition, epoch: known.epoch, replica: replica, offsets: offsets,
                configuration: groupConfiguration, seed: nextRandom(), clock: clock, logger: logger)
            registry.shards[partition.partition] = shard
            return shard
        }
        logger.info(
            "coordinating groups", metadata: ["partition": "\(partition)", "epoch": "\(known.epoch)",
                "groups": "\(offsets.read(\.groupIDs).count)"])
        return .success(created)
    }

    // MARK: - The internal topic

    /// The controller leader creates `__consumer_offsets` once enough brokers are alive to
    /// place its replicas (min(factor, cluster nodes)): a cluster has it from its first minutes,
    /// and FindCoordinator answers COORDINATOR_NOT_AVAILABLE (clients retry) until then.
    func ensureOffsetsTopic() async {
        guard state.withLock({ $0.image.clusterID != nil && $0.image.topics[Self.offsetsTopic] == nil }) else { return }
        let factor = configuration.effectiveOffsetsReplicationFactor
        guard placementBrokers().count >= factor else { return }
        let creation = TopicCreation(
            name: Self.offsetsTopic, partitions: Int32(configuration.offsetsTopicPartitions),
            replicationFactor: Int16(factor), assignments: [],
            configs: [
                // Kept whole: the records are the groups' state, and without compaction any
                // deletion would lose commits (see DESIGN.md).
                TopicConfigOverride(name: "retention.ms", value: "-1"),
                TopicConfigOverride(name: "retention.bytes", value: "-1"),
            ])
        let reply = await createTopicsAsController([creation], validateOnly: false)
        if let outcome = reply.outcomes.first, outcome.error == .noError {
            logger.info(
                "created the offsets topic",
                metadata: ["partitions": "\(configuration.offsetsTopicPartitions)", "replication": "\(factor)"])
        }
    }

    // MARK: - Timers

    /// Starts the coordinators' timer loop: group timers, leadership checks, snapshots, expiry.
    func startGroupMaintenance() {
        let task = Task { [weak self] in
            // Bounded by cancellation at shutdown; one round per interval.
            while !Task.isCancelled {
                guard let self else { return }
                await self.groupMaintenanceRound()
                try? await Task.sleep(for: Self.groupTickInterval)
            }
        }
        groupTask.withLock { $0 = task }
    }

    private func groupMaintenanceRound() async {
        let now = clock.now()
        let (shards, partitions, snapshotDue, expiryDue) = groups.withLock { registry in
            let snapshot = now.rawValue - registry.lastSnapshotCheck >= OffsetsPartition.snapshotIntervalMs
            let expiry = now.rawValue - registry.lastExpiry >= Self.offsetsExpiryIntervalMs
            if snapshot { registry.lastSnapshotCheck = now.rawValue }
            if expiry { registry.lastExpiry = now.rawValue }
            return (Array(registry.shards.values), Array(registry.partitions.values), snapshot, expiry)
        }
        for shard in shards {
            let partition = TopicPartition(topic: Self.offsetsTopic, partition: shard.partition)
            let known = leadership.leadership(of: partition)
            guard known?.leader == nodeID, known?.epoch == shard.epoch else {
                dropShard(shard.partition)
                continue
            }
            shard.tick(now: now)
        }
        // Every led partition gets its coordinator soon after the election (members of loaded
        // groups keep their sessions), not only when the first group call arrives.
        for offsets in partitions where groups.withLock({ $0.shards[offsets.partition] == nil }) {
            let partition = TopicPartition(topic: Self.offsetsTopic, partition: offsets.partition)
            if leadership.leadership(of: partition)?.leader == nodeID { _ = await coordinator(of: partition) }
        }
        if snapshotDue {
            // The writes fsync: they run on a storage loop, never on the task pool.
            for offsets in partitions {
                try? await storageGroup.next().submit { offsets.snapshotIfDue(now: now) }.get()
            }
        }
        if expiryDue {
            for shard in shards where !shard.isClosed { await expireOffsets(shard, now: now) }
        }
    }

    /// Writes tombstones for the offsets of groups without members that outlived
    /// `offsets.retention.minutes`, and for groups left with neither members nor offsets.
    private func expireOffsets(_ shard: GroupShard, now: TimestampMs) async {
        let retentionMs = configuration.offsetsRetentionMinutes * 60_000
        let expired = shard.offsets.read {
            $0.expiredOffsets(now: now, retentionMs: retentionMs, hasMembers: { shard.hasMembers($0) })
        }
        guard !expired.isEmpty else { return }
        let prefix = expired.prefix(Limits.offsetsRecordsPerBatchMax)
        let records = prefix.map { OffsetsRecord.offsetCommit($0, nil) }
        let error = await shard.appendAll(Array(records))
        guard error == .noError else { return }
        logger.info(
            "expired committed offsets", metadata: ["partition": "\(shard.partition)", "offsets": "\(records.count)"])
        let emptied = shard.offsets.read { $0.expiredGroups(hasMembers: { shard.hasMembers($0) }) }
        for group in emptied.prefix(Limits.offsetsRecordsPerBatchMax) where shard.delete(group, now: now) == .noError {
            _ = await shard.appendAll([.groupMetadata(group: group, nil)])
        }
    }
}
