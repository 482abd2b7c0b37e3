import Logging
public import NIOCore
import TernCoordination
public import TernModel
import TernLog
import TernRaft
import TernReplication
import TernWire

/// One partition replica on this broker: a Raft group member whose log is the partition's
/// TernLog (ARCHITECTURE.md decision 2), owned by one serial executor (decision 6).
///
/// The actor runs on a *storage* event loop, never on a network loop: `ReplicaDriver` blocks on
/// the disk (appends, fsync, reads), which is fine on a thread that serves nothing else, and the
/// single executor means the driver, the waiters and the log are touched without locks.
///
/// Group commit: a produce proposes its batch and schedules one flush; every produce that is
/// queued on the executor before the flush runs joins it, so N concurrent produces cost one
/// fsync. While a flush blocks in fsync, new produces queue behind it and share the next one.
public actor PartitionReplica {
    /// The partition.
    public nonisolated let topicPartition: TopicPartition
    /// The storage event loop this replica's state lives on.
    public nonisolated let eventLoop: any EventLoop
    /// Where this broker publishes the leadership of every local replica.
    nonisolated let leadership: LeadershipTable
    /// The node that owns this replica.
    nonisolated let localID: NodeID
    /// Batches handed over by produce handlers, not yet proposed.
    nonisolated let inbox = ProduceInbox()
    /// The wall clock (batch timestamps, retention, deadlines), injected.
    nonisolated let clock: BrokerClock
    /// The Raft group this replica is a member of (its messages are addressed by it).
    nonisolated let group: RaftGroupID
    /// Where this replica's Raft messages go (nil: a cluster of one, nothing to send).
    nonisolated let network: PeerNetwork?
    /// What the owner wants to hear about this replica (committed entries, leadership).
    nonisolated let hooks: ReplicaHooks
    nonisolated let logger: Logger

    /// The Raft replica; nil until `open` succeeded, and after `close`.
    var driver: ReplicaDriver?
    /// Produce requests waiting for their batch to be appended (acks=1) or committed (acks=all),
    /// in log order.
    var produceWaiters: [ProduceWaiter] = []
    /// Fetch requests waiting for the high watermark to move past what they saw.
    var fetchWakeups: [FetchWakeup] = []
    /// Whether a flush is queued on the executor (group commit: at most one at a time).
    var flushScheduled = false
    /// The repeated tick task, cancelled on close.
    var ticker: RepeatedTask?
    /// The last leadership published, to publish only changes.
    var published: PartitionLeadership?
    /// Why the replica stopped serving (a persistence failure), for errors and logs.
    var failureDetail: String?
    /// The high watermark when held fetches were last woken.
    var lastWokenHighWatermark: Offset?
    /// Ticks left before this replica campaigns on its own: a new group's preferred leader
    /// campaigns after a short pause (so the other replicas have opened) instead of waiting
    /// out a randomized election timeout. Nil: no early campaign.
    var earlyCampaignTicks: Int?

    /// Idempotent-producer state applied from committed entries (`PartitionReplica+Producers`).
    var producers = ProducerStateTable()
    /// The leader's producer table of its current term: applied state plus batches in flight.
    var termProducers: (term: Term, table: ProducerStateTable)?
    /// Where `producers` is snapshotted; nil: this replica keeps no producer state (the
    /// controller group and `__consumer_offsets`).
    var producerSnapshotFile: DurableStateFile?
    /// The applied offset of the last snapshot written.
    var snapshottedProducers: Offset?
    var lastProducerSnapshotMs: Int64 = 0
    var lastProducerExpiryMs: Int64 = 0
    /// `producer.id.expiration.ms`.
    var producerExpirationMs: Int64 = 86_400_000

    /// Runs the actor's jobs on `eventLoop`.
    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        eventLoop.executor.asUnownedSerialExecutor()
    }

    init(
        topicPartition: TopicPartition, eventLoop: any EventLoop, localID: NodeID, leadership: LeadershipTable,
        clock: BrokerClock, group: RaftGroupID? = nil, network: PeerNetwork? = nil, hooks: ReplicaHooks = ReplicaHooks(),
        logger: Logger = Logger(label: "tern.partition")
    ) {
        self.logger = logger
        self.topicPartition = topicPartition
        self.eventLoop = eventLoop
        self.localID = localID
        self.leadership = leadership
        self.clock = clock
        self.group = group ?? .partition(topicPartition)
        self.network = network
        self.hooks = hooks
    }

    /// Opens (and recovers) the partition log in `directory`, starts the Raft replica and its
    /// tick timer. A group whose only voter is this node campaigns at once, so a single broker
    /// serves a new partition without waiting out an election timeout.
    ///
    /// `producerExpirationMs` non-nil: the replica keeps idempotent-producer state, restored from
    /// the directory's snapshot (the log is replayed after it) and applied from every committed
    /// entry.
    /// - Returns: what recovery repaired (a torn tail cut, indexes rebuilt), for the broker's log.
    func open(
        directory: String, fileSystem: any LogFileSystem, voters: [NodeID], logConfiguration: LogConfiguration,
        options: RaftTiming, seed: UInt64, applied: Offset? = nil, keepsCommittedEntries: Bool = false,
        producerExpirationMs: Int64? = nil
    ) throws(ReplicationError) -> RecoveryReport {
        precondition(driver == nil, "a replica opens once")
        var applied = applied
        if let producerExpirationMs {
            precondition(applied == nil, "a replica applies either its owner's state or producer state")
            let file = DurableStateFile(fileSystem: fileSystem, directory: directory, name: Self.producerSnapshotName)
            let loaded = Self.loadProducers(from: file, partition: topicPartition, logger: logger)
            producers = loaded ?? ProducerStateTable()
            snapshottedProducers = loaded?.appliedOffset
            producerSnapshotFile = file
            self.producerExpirationMs = producerExpirationMs
            applied = loaded?.appliedOffset
            lastProducerExpiryMs = clock.now().rawValue
            lastProducerSnapshotMs = clock.now().rawValue
        }
        let storage = try PartitionRaftLog.open(
            directory: directory, fileSystem: fileSystem, localID: localID,
            bootstrap: ClusterConfiguration(voters: voters), configuration: logConfiguration, now: clock.now())
        var raftOptions = RaftOptions(id: localID)
        raftOptions.electionTicks = options.electionTicks
        raftOptions.heartbeatTicks = options.heartbeatTicks
        let replica = ReplicaDriver(options: raftOptions, storage: storage, seed: seed, applied: applied)
        replica.keepsCommittedEntries = keepsCommittedEntries || producerExpirationMs != nil
        driver = replica
        let configured = replica.node.configuration.voters
        if configured == [localID] {
            try replica.campaign()
        } else if voters.first == localID, storage.lastIndex < Offset.zero, replica.node.currentTerm == Term(0) {
            // A brand-new group: its preferred leader (first replica) goes first.
            earlyCampaignTicks = options.earlyCampaignTicks
        }
        runFlush()
        let interval = TimeAmount.milliseconds(options.tickMilliseconds)
        ticker = eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [weak self] _ in
            guard let self else { return }
            self.assumeIsolated { $0.tick() }
        }
        return storage.log.recoveryReport
    }

    /// Stops the replica: fails every waiter (NOT_LEADER_OR_FOLLOWER: the client retries
    /// elsewhere), syncs what was appended and forgets the driver. Idempotent.
    func close() {
        ticker?.cancel()
        ticker = nil
        if let driver, failureDetail == nil {
            try? driver.storage.log.sync()
            // The applied state is final: a snapshot now spares the replay at the next open.
            maintainProducers(now: clock.now(), force: true)
        }
        driver = nil
        termProducers = nil
        failAllWaiters(.notLeaderOrFollower)
        leadership.remove(topicPartition)
        published = nil
    }

    /// One Raft tick: elections, heartbeats, produce deadlines.
    func tick() {
        guard let driver else { return }
        if let ticks = earlyCampaignTicks {
            if ticks <= 0 {
                earlyCampaignTicks = nil
                if driver.node.currentLeader == nil, driver.node.currentRole == .follower { try? driver.campaign() }
            } else {
                earlyCampaignTicks = ticks - 1
            }
        }
        driver.tick()
        expireProduceWaiters(now: clock.now())
        if failureDetail == nil { maintainProducers(now: clock.now()) }
        if driver.node.hasReady { scheduleFlush() }
    }

    /// Queues one flush behind the jobs already queued (group commit).
    func scheduleFlush() {
        guard !flushScheduled else { return }
        flushScheduled = true
        eventLoop.execute { [weak self] in
            guard let self else { return }
            self.assumeIsolated { $0.runFlush() }
        }
    }

    /// Runs the Ready loop: persists (one fsync for everything proposed since the last flush),
    /// resolves produce waiters, wakes fetches, publishes leadership changes.
    func runFlush() {
        flushScheduled = false
        guard let driver else { return }
        let output: ReplicaOutput
        let network = self.network
        let group = self.group
        do throws(ReplicationError) {
            output = try driver.process(now: clock.now(), sendEarly: network.map { network in { network.send($0, group: group) } })
        } catch {
            fail(error)
            return
        }
        network?.send(output.allMessages, group: group)
        if !output.committedEntries.isEmpty {
            if producerSnapshotFile != nil { applyProducers(output.committedEntries) }
            hooks.committed?(output.committedEntries)
        }
        if termProducers != nil, driver.node.currentRole != .leader { termProducers = nil }
        resolveProduceWaiters(committed: output.committed, highWatermark: output.highWatermark)
        wakeFetches()
        publishLeadership()
        if driver.node.hasReady { scheduleFlush() }
    }

    /// After a persistence failure the replica serves nothing until the broker reopens it: its
    /// disk state is unknown (TernLog's fsyncgate rule).
    func fail(_ error: ReplicationError) {
        failureDetail = error.detail
        failAllWaiters(.kafkaStorageError)
        ticker?.cancel()
        ticker = nil
        leadership.publish(topicPartition, PartitionLeadership(leader: nil, epoch: published?.epoch ?? -1))
    }

    /// Publishes this replica's view of leadership if it changed (Metadata answers from it).
    func publishLeadership() {
        guard let driver else { return }
        let node = driver.node
        let leader: NodeID? = node.currentLeader
        let now = PartitionLeadership(leader: leader, epoch: node.currentTerm.leaderEpoch)
        guard now != published else { return }
        published = now
        leadership.publish(topicPartition, now)
        hooks.leadership?(topicPartition, now)
    }

    /// A leader that has committed its own LEADER_CHANGE batch: everything before its term is
    /// applied, so it may accept writes and answer reads with a settled high watermark.
    var servingLeader: ReplicaDriver? {
        guard let driver, failureDetail == nil, driver.node.currentRole == .leader else { return nil }
        let term = driver.node.currentTerm
        guard let run = driver.storage.epochCache.runs.last, run.term == term else { return nil }
        return driver.highWatermark > run.start ? driver : nil
    }

    /// The error for a request this replica cannot serve as leader.
    var notServingError: ErrorCode {
        if failureDetail != nil { return .kafkaStorageError }
        guard let driver else { return .notLeaderOrFollower }
        // Leader still committing its LEADER_CHANGE batch, or an election under way.
        if driver.node.currentRole == .leader || driver.node.currentLeader == nil { return .leaderNotAvailable }
        return .notLeaderOrFollower
    }

    /// The current leader epoch (term) as clients see it.
    var leaderEpoch: Int32 { driver?.node.currentTerm.leaderEpoch ?? -1 }

    /// Kafka's epoch fencing (KIP-320): a client epoch older than ours is FENCED_LEADER_EPOCH,
    /// newer is UNKNOWN_LEADER_EPOCH; -1 means the client does not know and is not checked.
    func epochCheck(_ clientEpoch: Int32) -> ErrorCode? {
        guard clientEpoch >= 0 else { return nil }
        let ours = leaderEpoch
        if clientEpoch < ours { return .fencedLeaderEpoch }
        if clientEpoch > ours { return .unknownLeaderEpoch }
        return nil
    }

    /// Applies a topic configuration change to the open log (segment size and retention).
    func reconfigure(_ configuration: LogConfiguration) -> ErrorCode? {
        guard let driver else { return .notLeaderOrFollower }
        do throws(LogError) {
            try driver.storage.log.reconfigure(configuration)
            return nil
        } catch {
            return .invalidConfig
        }
    }

    /// Runs retention (size and time) on the log, below the high watermark only.
    func applyRetention() {
        guard let driver, failureDetail == nil else { return }
        do throws(ReplicationError) {
            if try driver.applyRetention(now: clock.now()) { wakeFetches() }
        } catch {
            fail(error)
        }
    }
}
