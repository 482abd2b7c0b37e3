public import TernModel

/// The broker's (`ternd`'s) settings: issue 4 item 1. A plain value, built by layering built-in
/// defaults < a JSON config file < `TERN_*` environment variables < command-line flags
/// (`BrokerConfiguration+Layers.swift`), then validated as a whole. Names follow Kafka where
/// Kafka has the setting, so a Kafka operator recognises them; README.md has the full table.
public struct BrokerConfiguration: Sendable, Equatable {
    /// How appended data is made durable (ARCHITECTURE.md decision 7).
    public enum FsyncMode: String, Sendable, Equatable, CaseIterable {
        /// fsync before acknowledging (group commit keeps it fast). The default: acks=all then
        /// means the data is on disk on a majority, which is what a user of acks=all expects.
        case always
        /// Relaxed and named as such: fsync every `fsyncIntervalMs`; a crash can lose what was
        /// acknowledged but not yet synced.
        case interval
    }

    /// This broker's id (`node.id`), positive and unique in the cluster. Default 1: a single
    /// node is a cluster of one and needs no configuration.
    public var nodeID = NodeID(1)
    /// The data directory (`data.dir`, alias Kafka's `log.dirs`; ARCHITECTURE.md "Data directory").
    public var dataDirectory = "/var/lib/tern"
    /// Where the Kafka listener binds (`listeners`).
    public var kafkaListener = HostPort(host: "0.0.0.0", port: 9092)
    /// The address clients are told to dial (`advertised.listeners`); nil: derived from the
    /// listener (see `effectiveAdvertisedListener`).
    public var advertisedListener: HostPort?
    /// Where the inter-broker RPC listener binds (`rpc.listener`).
    public var rpcListener = HostPort(host: "0.0.0.0", port: 9093)
    /// Where the admin/metrics HTTP listener binds (`admin.listener`). Loopback by default:
    /// admin endpoints can change state, so exposing them is an explicit choice.
    public var adminListener = HostPort(host: "127.0.0.1", port: 9644)
    /// Partitions of a topic created without a count (`num.partitions`).
    public var defaultPartitions = 1
    /// Replicas of a topic created without a factor (`default.replication.factor`).
    public var defaultReplicationFactor = 1
    /// Whether a Metadata or Produce request for an unknown topic creates it
    /// (`auto.create.topics.enable`). Off by default, as in Redpanda (Kafka defaults to on): a
    /// typo in a producer's topic name should fail loudly, not silently create a topic with
    /// default partitions and replication that then holds data nobody consumes.
    public var autoCreateTopics = false
    /// When appends are fsynced (`log.fsync.policy`).
    public var fsyncMode = FsyncMode.always
    /// The fsync period under `FsyncMode.interval` (`log.fsync.interval.ms`); unused under `always`.
    public var fsyncIntervalMs: Int64 = 1_000
    /// Segment roll size (`log.segment.bytes`, Kafka's 1 GiB).
    public var segmentBytes = 1024 * 1024 * 1024
    /// Segment roll age in ms (`log.segment.ms`, Kafka's 7 days).
    public var segmentMs: Int64 = 7 * 24 * 3_600_000
    /// Size-based retention per partition (`log.retention.bytes`); -1, Kafka's default, is no limit.
    public var retentionBytes: Int64 = -1
    /// Time-based retention in ms (`log.retention.ms`, 7 days); -1 keeps data forever.
    public var retentionMs: Int64 = 7 * 24 * 3_600_000
    /// Largest request frame accepted (`socket.request.max.bytes`, Kafka's 100 MiB), at most
    /// `Limits.frameBytesMax`.
    public var requestBytesMax = 100 * 1024 * 1024

    /// Partitions of `__consumer_offsets` (`offsets.topic.num.partitions`; Kafka has 50, a small
    /// cluster needs fewer Raft groups). Fixed once the cluster created the topic.
    public var offsetsTopicPartitions = 16
    /// Replicas of `__consumer_offsets` (`offsets.topic.replication.factor`), capped at the
    /// cluster's node count (`effectiveOffsetsReplicationFactor`).
    public var offsetsTopicReplicationFactor = 3
    /// How long the committed offsets of a group without members are kept
    /// (`offsets.retention.minutes`, Kafka's 7 days).
    public var offsetsRetentionMinutes: Int64 = 7 * 24 * 60
    /// How long a new group waits for more members before its first rebalance
    /// (`group.initial.rebalance.delay.ms`, Kafka's 3 s).
    public var groupInitialRebalanceDelayMs: Int64 = 3_000
    /// The shortest session timeout a member may ask for (`group.min.session.timeout.ms`).
    public var groupMinSessionTimeoutMs: Int32 = 6_000
    /// The longest session timeout a member may ask for (`group.max.session.timeout.ms`).
    public var groupMaxSessionTimeoutMs: Int32 = 1_800_000
    /// How long a partition keeps the state of an idempotent producer whose last batch is older
    /// (`producer.id.expiration.ms`, Kafka's one day). A producer without state may write any
    /// sequence, so its next retry is no longer recognised as a duplicate.
    public var producerIDExpirationMs: Int64 = 86_400_000
    /// TEST ONLY (`unsafe.test.drop.acknowledged.every`): when n > 0, every n-th produced batch
    /// this broker leads is answered as stored (offset -1) and thrown away. It exists so that
    /// tern-bench's failover check can be shown to report loss; never set it elsewhere.
    public var unsafeDropAcknowledgedEvery: Int64 = 0

    /// The cluster's nodes (`controller.quorum.voters`), sorted by id. Empty: this node is a
    /// cluster of one. Every node of a cluster is given the same list; the first
    /// `Limits.controllerVotersMax` ids are the controller group's voters.
    public var seeds: [ClusterSeed] = []

    /// The built-in defaults.
    public init() {}

    /// The controller group's voters: the first seeds by id, or this node alone.
    public var controllerVoters: [NodeID] {
        seeds.isEmpty ? [nodeID] : Array(seeds.prefix(Limits.controllerVotersMax).map(\.id))
    }

    /// Every node of the cluster (this one alone without seeds).
    public var clusterNodes: [NodeID] { seeds.isEmpty ? [nodeID] : seeds.map(\.id) }

    /// Replicas of `__consumer_offsets`: the setting, at most one per node of the cluster.
    public var effectiveOffsetsReplicationFactor: Int { min(offsetsTopicReplicationFactor, clusterNodes.count) }

    /// The address advertised to clients: `advertisedListener` if set, else the Kafka listener
    /// with a wildcard host replaced by `localhost` (a client cannot dial 0.0.0.0), which is
    /// right for a single node on one machine and wrong anywhere else, hence the setting. Port 0
    /// here (listener on port 0, nothing advertised) stands for the port the listener actually
    /// bound, which only the running broker knows (tests start brokers this way).
    public var effectiveAdvertisedListener: HostPort {
        if let advertisedListener { return advertisedListener }
        guard kafkaListener.isWildcard else { return kafkaListener }
        return HostPort(host: "localhost", port: kafkaListener.port)
    }

    /// Checks what no single setting can: listeners must not share a port on overlapping
    /// hosts, and a client cannot dial an advertised wildcard (port 0 is refused when parsed).
    public func validate() throws(BrokerConfigurationError) {
        let listeners = [("listeners", kafkaListener), ("rpc.listener", rpcListener), ("admin.listener", adminListener)]
        for (index, (name, address)) in listeners.enumerated() {
            for (otherName, other) in listeners.dropFirst(index + 1) where Self.clash(address, other) {
                throw BrokerConfigurationError(
                    .conflict, "\(name) \(address) and \(otherName) \(other) use the same port")
            }
        }
        if !seeds.isEmpty {
            guard let own = seeds.first(where: { $0.id == nodeID }) else {
                throw BrokerConfigurationError(
                    .conflict, "controller.quorum.voters does not name this node (node.id \(nodeID))")
            }
            guard own.address.port == rpcListener.port || rpcListener.port == 0 else {
                throw BrokerConfigurationError(
                    .conflict,
                    "controller.quorum.voters gives node \(nodeID) the address \(own.address), but rpc.listener is \(rpcListener)")
            }
        }
        guard groupMinSessionTimeoutMs <= groupMaxSessionTimeoutMs else {
            throw BrokerConfigurationError(
                .conflict,
                "group.min.session.timeout.ms \(groupMinSessionTimeoutMs) is above group.max.session.timeout.ms \(groupMaxSessionTimeoutMs)")
        }
        if let advertisedListener, advertisedListener.isWildcard {
            throw BrokerConfigurationError(
                .invalidAddress,
                "advertised.listeners \(BrokerConfigurationError.quote(advertisedListener.description)): clients cannot dial a wildcard host")
        }
    }

    /// Two bind addresses collide when their ports match (0 never collides: the OS picks) and
    /// their hosts are equal or either is a wildcard.
    private static func clash(_ one: HostPort, _ other: HostPort) -> Bool {
        guard one.port == other.port, one.port != 0 else { return false }
        return one.host == other.host || one.isWildcard || other.isWildcard
    }
}

/// One node of the cluster as the seed list names it.
public struct ClusterSeed: Sendable, Equatable {
    /// The node id.
    public var id: NodeID
    /// Its inter-broker RPC address.
    public var address: HostPort

    /// A seed.
    public init(id: NodeID, address: HostPort) {
        self.id = id
        self.address = address
    }
}
