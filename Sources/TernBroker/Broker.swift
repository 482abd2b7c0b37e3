import Foundation
public import Logging
public import NIOCore
import NIOPosix
import Synchronization
import TernController
public import TernLog
public import TernModel
import TernRaft
import TernReplication
public import TernTransport
import TernWire

/// A running broker: the Kafka listener, the partition replicas of every topic, and the cluster
/// metadata. `start` brings it up (recovering every partition before serving), `shutdown`
/// takes it down cleanly (every appended byte synced).
///
/// Threads: the network event loops run the listeners and the peer connections; separate
/// *storage* event loops own the partition replicas and the controller replica (one loop per
/// replica, ARCHITECTURE.md decision 6), because those block on the disk. Request handlers run
/// as tasks and hop to the owner of whatever they touch.
///
/// In a cluster (`controller.quorum.voters`), the first three seeds form the controller Raft
/// group, whose log of `ControllerCommand`s every voter applies to the `MetadataImage`; brokers
/// keep that image and partition leadership in step through the metadata sync RPC, and open
/// or close their partition replicas as the assignments in the image change.
public final class Broker: Sendable {
    /// The configuration the broker runs with.
    public let configuration: BrokerConfiguration
    /// This broker's id.
    public let nodeID: NodeID
    /// The node's identity file (its cluster id is filled in once learned).
    let identity: Mutex<NodeIdentity>
    /// The wall clock.
    let clock: BrokerClock
    /// Raft timing for every partition group.
    let timing: RaftTiming
    /// The disk.
    let fileSystem: any LogFileSystem
    /// Event loops for connections.
    let networkGroup: MultiThreadedEventLoopGroup
    /// Event loops that own replicas and metadata (may block on the disk).
    let storageGroup: MultiThreadedEventLoopGroup
    /// Leadership of every partition, from local replicas and peers' notices.
    let leadership = LeadershipTable()
    /// Leadership of the controller group, published by the local controller replica.
    let controllerLeadership = LeadershipTable()
    /// Serialises admin changes on the controller leader and the opening and closing of replicas.
    let controller: MetadataController
    /// Persists the metadata image (a snapshot of the controller log, or a pulled copy).
    let metadataFile: MetadataFile
    /// Connections to the other nodes.
    let network: PeerNetwork
    /// The inter-broker RPC listener, once started.
    let peerServer = Mutex<PeerServer?>(nil)
    /// Cluster bookkeeping: the controller replica, liveness, pulled controller leadership.
    let cluster = Mutex(ClusterState())
    /// Flushes the heartbeats of all groups once per tick.
    let heartbeatTask = Mutex<RepeatedTask?>(nil)
    /// Hands connection losses to the broker once it exists (the network is built before it).
    let lossRelay = PeerLossRelay()
    /// The maintenance loop (registration, metadata pulls, leadership repair, balancing).
    let maintenance = Mutex<Task<Void, Never>?>(nil)
    /// Everything handlers read without hopping.
    let state: Mutex<BrokerState>
    /// Seeds for topic ids and Raft randomness.
    let random: Mutex<SplitMix64>
    /// The broker's log.
    let logger: Logger
    /// The Kafka listener, once started.
    let listener = Mutex<KafkaListener?>(nil)
    /// The periodic retention pass.
    let retentionTask = Mutex<RepeatedTask?>(nil)
    /// The admin HTTP listener (readiness, Prometheus metrics), once started.
    let admin = Mutex<AdminServer?>(nil)
    /// Request counters and scrape-time gauges.
    let metrics: BrokerMetrics
    /// Consumer groups: the local `__consumer_offsets` replicas' state and the coordinators.
    let groups = Mutex(GroupRegistry())
    /// The coordinators' timer loop.
    let groupTask = Mutex<Task<Void, Never>?>(nil)
    /// Producer ids for InitProducerId (this broker's block).
    let producerIDs = ProducerIDPool()
    /// Batches seen by the test-only drop switch (`unsafeDropAcknowledgedEvery`).
    let droppedSwitchCount = Atomic<Int64>(0)

    /// The advertised versions: only APIs that work (PROTOCOL.md §1.2 rule 5), with the low
    /// minimums librdkafka 2.0.2 needs to enable its features (§1.2: Produce from 0).
    public static let advertisedVersions = AdvertisedApiVersions([
        .produce: 0...10, .fetch: 4...12, .listOffsets: 1...7, .metadata: 0...12, .findCoordinator: 0...4,
        .apiVersions: 0...4, .createTopics: 2...7, .deleteTopics: 1...6, .offsetForLeaderEpoch: 2...4,
        .describeConfigs: 1...4, .describeLogDirs: 1...4, .createPartitions: 0...3,
        .incrementalAlterConfigs: 0...1, .describeCluster: 0...1,
        .offsetCommit: 2...9, .offsetFetch: 1...9, .joinGroup: 0...9, .heartbeat: 0...4, .leaveGroup: 0...5,
        .syncGroup: 0...5, .describeGroups: 0...5, .listGroups: 0...5, .deleteGroups: 0...2, .offsetDelete: 0...0,
        .initProducerId: 0...4,
    ])

    /// How often retention runs over every partition (Kafka's `log.retention.check.interval.ms`).
    static let retentionCheckInterval = TimeAmount.minutes(5)

    init(
        configuration: BrokerConfiguration, identity: NodeIdentity, clock: BrokerClock, timing: RaftTiming,
        fileSystem: any LogFileSystem, seed: UInt64, logger: Logger
    ) {
        self.configuration = configuration
        self.nodeID = identity.nodeID
        self.identity = Mutex(identity)
        self.clock = clock
        self.timing = timing
        self.fileSystem = fileSystem
        self.networkGroup = MultiThreadedEventLoopGroup(numberOfThreads: max(1, System.coreCount))
        self.storageGroup = MultiThreadedEventLoopGroup(numberOfThreads: max(2, System.coreCount))
        self.random = Mutex(SplitMix64(seed: seed))
        self.metrics = BrokerMetrics(started: clock.now())
        self.logger = logger
        self.state = Mutex(BrokerState(advertised: configuration.effectiveAdvertisedListener))
        self.controller = MetadataController(eventLoop: storageGroup.next())
        self.metadataFile = MetadataFile(fileSystem: fileSystem, directory: Self.controllerDirectory(configuration))
        let relay = self.lossRelay
        self.network = PeerNetwork(
            localID: identity.nodeID, seeds: configuration.seeds, group: networkGroup,
            frameBytesMax: Limits.frameBytesMax, logger: logger,
            onLoss: { peer, loss in relay.report(peer, loss) })
    }

    /// The cluster id ("" until the node has joined its cluster; `start` waits for it).
    public var clusterID: String { state.withLock { $0.image.clusterID } ?? "" }

    /// `<data>/topics`.
    var topicsDirectory: String { configuration.dataDirectory + "/topics" }

    static func controllerDirectory(_ configuration: BrokerConfiguration) -> String {
        configuration.dataDirectory + "/controller"
    }

    /// The directory of one partition's log.
    func directory(of partition: TopicPartition) -> String { topicsDirectory + "/" + partition.description }

    /// A random 64-bit value (topic ids, Raft seeds).
    func nextRandom() -> UInt64 { random.withLock { $0.next() } }

    /// Starts a broker: the data directory is checked (node id) or initialised (cluster id), the
    /// metadata read, every partition recovered and opened, then the Kafka listener bound. Logs
    /// what recovery repaired. Throws if any step fails; nothing is left running then.
    public static func start(
        configuration: BrokerConfiguration, clock: BrokerClock, seed: UInt64, logger: Logger,
        fileSystem: any LogFileSystem = PosixFileSystem(), timing: RaftTiming = RaftTiming()
    ) async throws -> Broker {
        let identity = try NodeIdentity.establish(dataDirectory: configuration.dataDirectory, nodeID: configuration.nodeID)
        for directory in [configuration.dataDirectory + "/topics", controllerDirectory(configuration)] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let broker = Broker(
            configuration: configuration, identity: identity, clock: clock, timing: timing, fileSystem: fileSystem,
            seed: seed ^ 0x9E37_79B9_7F4A_7C15, logger: logger)
        if configuration.unsafeDropAcknowledgedEvery > 0 {
            logger.warning(
                "TEST ONLY: every n-th produced batch is acknowledged and thrown away (unsafe.test.drop.acknowledged.every)",
                metadata: ["n": "\(configuration.unsafeDropAcknowledgedEvery)"])
        }
        do {
            try await broker.startPeerServer()
            try await broker.recover()
            try await broker.openController()
            try await broker.startListener()
            broker.startMaintenance()
            broker.startGroupMaintenance()
            try await broker.awaitJoined()
            broker.requestReconcile()
        } catch {
            await broker.shutdown()
            throw error
        }
        return broker
    }

    /// Reads the metadata image, removes partition directories of partitions this node no longer
    /// hosts, opens every partition of the image this node hosts.
    func recover() async throws {
        let image = try metadataFile.read()
        state.withLock { $0.image = image }
        let hosted = image.partitions(hostedBy: nodeID)
        let expected = Set(hosted.keys.map(\.description))
        let present = (try? FileManager.default.contentsOfDirectory(atPath: topicsDirectory)) ?? []
        for name in present where !expected.contains(name) {
            logger.notice("removing the directory of a deleted partition", metadata: ["partition": "\(name)"])
            try? FileManager.default.removeItem(atPath: topicsDirectory + "/" + name)
        }
        for topic in image.topics.values.sorted(by: { $0.name < $1.name }) {
            try await openReplicas(of: topic, partitions: topic.partitions.filter { hosted[$0] != nil })
        }
        logger.info(
            "broker recovered",
            metadata: ["node": "\(nodeID)", "cluster": "\(clusterID)", "topics": "\(image.topics.count)",
                "partitions": "\(image.partitionCount)"])
    }

    /// Binds the Kafka listener and starts the retention timer.
    func startListener() async throws {
        let address = configuration.kafkaListener
        let started = try await KafkaListener.start(
            host: address.host, port: address.port, group: networkGroup,
            configuration: configuration.kafkaListenerConfiguration(advertisedVersions: Self.advertisedVersions),
            handler: self, logger: logger)
        listener.withLock { $0 = started }
        if let port = started.localAddress.port {
            state.withLock { state in
                if state.advertised.port == 0 { state.advertised.port = port }
            }
        }
        let adminAddress = configuration.adminListener
        let adminServer = try await AdminServer.start(
            host: adminAddress.host, port: adminAddress.port, group: networkGroup
        ) { [self] path in
            await adminResponse(path)
        }
        admin.withLock { $0 = adminServer }
        let loop = storageGroup.next()
        let task = loop.scheduleRepeatedAsyncTask(
            initialDelay: Self.retentionCheckInterval, delay: Self.retentionCheckInterval
        ) { [self] _ in
            loop.makeFutureWithTask { await self.applyRetention() }
        }
        retentionTask.withLock { $0 = task }
    }

    /// The address the Kafka listener is bound to (with the real port when configured as 0).
    public var kafkaAddress: SocketAddress? { listener.withLock { $0?.localAddress } }

    /// The address the admin HTTP listener is bound to (with the real port when configured as 0).
    public var adminAddress: HostPort? {
        guard let address = admin.withLock({ $0?.localAddress }), let port = address.port else { return nil }
        return HostPort(host: address.ipAddress ?? configuration.adminListener.host, port: port)
    }

    /// The address clients are told to dial.
    public var advertisedAddress: HostPort { state.withLock { $0.advertised } }

    /// Stops the listener (no new requests; running ones are cancelled), closes every replica
    /// (syncing its log) and stops the event loops. Idempotent.
    public func shutdown() async {
        retentionTask.withLock { $0?.cancel() }
        maintenance.withLock { $0?.cancel() }
        groupTask.withLock { $0?.cancel() }
        heartbeatTask.withLock { $0?.cancel() }
        let adminServer = admin.withLock { server -> AdminServer? in
            defer { server = nil }
            return server
        }
        await adminServer?.shutdown()
        let running = listener.withLock { listener -> KafkaListener? in
            defer { listener = nil }
            return listener
        }
        await running?.shutdown()
        let replicas = state.withLock { state -> [PartitionReplica] in
            defer { state.replicas = [:] }
            return Array(state.replicas.values)
        }
        for replica in replicas { await replica.close() }
        // The replicas are closed: each offsets state is final; a snapshot now spares the
        // replay at the next start.
        let offsets = groups.withLock { registry -> [OffsetsPartition] in
            for shard in registry.shards.values { shard.close() }
            registry.shards = [:]
            return Array(registry.partitions.values)
        }
        for partition in offsets { partition.snapshotIfDue(now: clock.now(), force: true) }
        let controllerReplica = cluster.withLock { state -> PartitionReplica? in
            defer { state.controllerReplica = nil }
            return state.controllerReplica
        }
        await controllerReplica?.close()
        let server = peerServer.withLock { server -> PeerServer? in
            defer { server = nil }
            return server
        }
        await server?.shutdown()
        await network.close()
        try? await networkGroup.shutdownGracefully()
        try? await storageGroup.shutdownGracefully()
        logger.info("broker stopped", metadata: ["node": "\(nodeID)"])
    }

    /// Runs retention on every local replica.
    func applyRetention() async {
        let replicas = state.withLock { Array($0.replicas.values) }
        for replica in replicas { await replica.applyRetention() }
    }
}

/// What handlers read without hopping: the metadata image, the local replicas, the address.
struct BrokerState: Sendable {
    /// The cluster metadata: the controller log applied (voters) or pulled (everyone), newest wins.
    /// The advertised Kafka address (its port filled in once the listener is bound).
    var advertised: HostPort
    var image = MetadataImage()
    /// The replicas on this broker.
    var replicas: [TopicPartition: PartitionReplica] = [:]
    /// The id of the topic each topic name's open replicas belong to.
    var openedTopicIDs: [String: KafkaUUID] = [:]
    /// The topic configs the open replicas were last configured with.
    var appliedConfigs: [String: [String: String]] = [:]
}
