import TernModel

/// One configurable setting, named three ways: its config-file key (Kafka's dotted name where
/// Kafka has one), its environment variable (`TERN_` + the key in upper snake case) and its
/// command-line flag. One table drives all three parsers, so the names cannot drift apart.
public enum BrokerSetting: String, Sendable, CaseIterable {
    /// This broker's positive id.
    case nodeID = "node.id"
    /// The data directory.
    case dataDirectory = "data.dir"
    /// The Kafka listener's bind address.
    case listener = "listeners"
    /// The Kafka address given to clients.
    case advertisedListener = "advertised.listeners"
    /// The inter-broker RPC bind address.
    case rpcListener = "rpc.listener"
    /// The admin/metrics HTTP bind address.
    case adminListener = "admin.listener"
    /// Partitions of a topic created without a count.
    case defaultPartitions = "num.partitions"
    /// Replicas of a topic created without a factor.
    case defaultReplicationFactor = "default.replication.factor"
    /// Whether unknown topics are created on use.
    case autoCreateTopics = "auto.create.topics.enable"
    /// `always` or `interval`.
    case fsyncPolicy = "log.fsync.policy"
    /// The fsync period under `interval`.
    case fsyncIntervalMs = "log.fsync.interval.ms"
    /// Segment roll size.
    case segmentBytes = "log.segment.bytes"
    /// Segment roll age.
    case segmentMs = "log.segment.ms"
    /// Size retention per partition (-1: none).
    case retentionBytes = "log.retention.bytes"
    /// Time retention (-1: forever).
    case retentionMs = "log.retention.ms"
    /// Largest request frame accepted.
    case requestBytesMax = "socket.request.max.bytes"
    /// The cluster's nodes, `id@host:rpcport,...` (KRaft's `controller.quorum.voters`).
    case seeds = "controller.quorum.voters"
    /// Partitions of `__consumer_offsets`, fixed when the cluster creates it.
    case offsetsTopicPartitions = "offsets.topic.num.partitions"
    /// Replicas of `__consumer_offsets` (at most the cluster's node count).
    case offsetsTopicReplicationFactor = "offsets.topic.replication.factor"
    /// How long committed offsets of a group without members are kept.
    case offsetsRetentionMinutes = "offsets.retention.minutes"
    /// How long a new group waits for more members before its first rebalance.
    case groupInitialRebalanceDelayMs = "group.initial.rebalance.delay.ms"
    /// The shortest session timeout a member may ask for.
    case groupMinSessionTimeoutMs = "group.min.session.timeout.ms"
    /// The longest session timeout a member may ask for.
    case groupMaxSessionTimeoutMs = "group.max.session.timeout.ms"
    /// How long a partition keeps the state of an idle idempotent producer.
    case producerIDExpirationMs = "producer.id.expiration.ms"
    /// TEST ONLY, 0 (off) by default: every n-th produced batch is answered as stored without
    /// being stored, so a benchmark's loss check can be shown to catch loss.
    case unsafeDropAcknowledgedEvery = "unsafe.test.drop.acknowledged.every"

    /// The config-file key.
    public var key: String { rawValue }

    /// Other file keys meaning the same setting: Kafka's `log.dirs` for the data directory
    /// (one directory only; Tern has no JBOD).
    public var aliases: [String] { self == .dataDirectory ? ["log.dirs"] : [] }

    /// The environment variable of a file key: `TERN_` + upper snake case.
    public static func environmentName(ofKey key: String) -> String {
        "TERN_" + key.uppercased().replacing(".", with: "_")
    }

    /// The environment variable of the setting.
    public var environmentName: String { Self.environmentName(ofKey: key) }

    /// The command-line flag, with its leading dashes.
    public var flag: String {
        switch self {
        case .nodeID: "--node-id"
        case .dataDirectory: "--data-dir"
        case .listener: "--listener"
        case .advertisedListener: "--advertised-listener"
        case .rpcListener: "--rpc-listener"
        case .adminListener: "--admin-listener"
        case .defaultPartitions: "--default-partitions"
        case .defaultReplicationFactor: "--default-replication-factor"
        case .autoCreateTopics: "--auto-create-topics"
        case .fsyncPolicy: "--fsync-policy"
        case .fsyncIntervalMs: "--fsync-interval-ms"
        case .segmentBytes: "--log-segment-bytes"
        case .segmentMs: "--log-segment-ms"
        case .retentionBytes: "--log-retention-bytes"
        case .retentionMs: "--log-retention-ms"
        case .requestBytesMax: "--request-max-bytes"
        case .seeds: "--seeds"
        case .offsetsTopicPartitions: "--offsets-topic-partitions"
        case .offsetsTopicReplicationFactor: "--offsets-topic-replication-factor"
        case .offsetsRetentionMinutes: "--offsets-retention-minutes"
        case .groupInitialRebalanceDelayMs: "--group-initial-rebalance-delay-ms"
        case .groupMinSessionTimeoutMs: "--group-min-session-timeout-ms"
        case .groupMaxSessionTimeoutMs: "--group-max-session-timeout-ms"
        case .producerIDExpirationMs: "--producer-id-expiration-ms"
        case .unsafeDropAcknowledgedEvery: "--unsafe-test-drop-acknowledged-every"
        }
    }

    /// Parses `value` and stores it in `configuration`; `origin` says where the value came from
    /// (for example `flag --node-id`) and goes into any error message.
    func apply(
        _ value: String, origin: String, to configuration: inout BrokerConfiguration
    ) throws(BrokerConfigurationError) {
        let field = SettingValue(setting: self, origin: origin, text: value)
        switch self {
        case .nodeID: configuration.nodeID = NodeID(Int32(try field.integer(in: 1...Int64(Int32.max))))
        case .dataDirectory: configuration.dataDirectory = try field.directory()
        case .listener: configuration.kafkaListener = try field.address(portZeroAllowed: true)
        case .advertisedListener: configuration.advertisedListener = try field.address(portZeroAllowed: false)
        case .rpcListener: configuration.rpcListener = try field.address(portZeroAllowed: true)
        case .adminListener: configuration.adminListener = try field.address(portZeroAllowed: true)
        case .defaultPartitions:
            configuration.defaultPartitions = Int(try field.integer(in: 1...Int64(Limits.brokerDefaultPartitionsMax)))
        case .defaultReplicationFactor:
            configuration.defaultReplicationFactor = Int(try field.integer(in: 1...Int64(Limits.raftMembersMax)))
        case .autoCreateTopics: configuration.autoCreateTopics = try field.boolean()
        case .fsyncPolicy: configuration.fsyncMode = try field.choice(BrokerConfiguration.FsyncMode.self)
        case .fsyncIntervalMs: configuration.fsyncIntervalMs = try field.integer(in: 1...3_600_000)
        case .segmentBytes:
            let range = Int64(Limits.brokerSegmentBytesMin)...Int64(Limits.logSegmentBytesMax)
            configuration.segmentBytes = Int(try field.integer(in: range))
        case .segmentMs: configuration.segmentMs = try field.integer(in: 1...Int64.max)
        case .retentionBytes: configuration.retentionBytes = try field.integer(in: -1...Int64.max)
        case .retentionMs: configuration.retentionMs = try field.integer(in: -1...Int64.max)
        case .requestBytesMax:
            let range = Int64(Limits.brokerRequestBytesMin)...Int64(Limits.frameBytesMax)
            configuration.requestBytesMax = Int(try field.integer(in: range))
        case .seeds: configuration.seeds = try field.seeds()
        case .offsetsTopicPartitions:
            configuration.offsetsTopicPartitions = Int(try field.integer(in: 1...Int64(Limits.offsetsTopicPartitionsMax)))
        case .offsetsTopicReplicationFactor:
            configuration.offsetsTopicReplicationFactor = Int(try field.integer(in: 1...Int64(Limits.raftMembersMax)))
        case .offsetsRetentionMinutes: configuration.offsetsRetentionMinutes = try field.integer(in: 1...Int64(Int32.max))
        case .groupInitialRebalanceDelayMs: configuration.groupInitialRebalanceDelayMs = try field.integer(in: 0...600_000)
        case .groupMinSessionTimeoutMs:
            configuration.groupMinSessionTimeoutMs = Int32(try field.integer(in: 1...Int64(Int32.max)))
        case .groupMaxSessionTimeoutMs:
            configuration.groupMaxSessionTimeoutMs = Int32(try field.integer(in: 1...Int64(Int32.max)))
        case .producerIDExpirationMs: configuration.producerIDExpirationMs = try field.integer(in: 1...Int64(Int32.max))
        case .unsafeDropAcknowledgedEvery: configuration.unsafeDropAcknowledgedEvery = try field.integer(in: 0...1_000_000_000)
        }
    }
}

/// One value being parsed for one setting; its methods make the one-line errors.
struct SettingValue {
    let setting: BrokerSetting
    let origin: String
    let text: String

    /// `node.id (flag --node-id)`: the setting and where the value came from.
    private var subject: String { "\(setting.key) (\(origin))" }

    private func refuse(_ kind: BrokerConfigurationError.Kind, _ reason: String) -> BrokerConfigurationError {
        BrokerConfigurationError(kind, "\(subject): \(BrokerConfigurationError.quote(text)) \(reason)")
    }

    /// A decimal integer within `range`.
    func integer(in range: ClosedRange<Int64>) throws(BrokerConfigurationError) -> Int64 {
        guard let value = Int64(text) else { throw refuse(.notAnInteger, "is not an integer") }
        guard range.contains(value) else {
            let upper = range.upperBound == Int64.max ? "" : "\(range.upperBound)"
            throw refuse(.outOfRange, "is out of range \(range.lowerBound)...\(upper)")
        }
        return value
    }

    /// `true` or `false` (Kafka's spelling; JSON booleans arrive as these words).
    func boolean() throws(BrokerConfigurationError) -> Bool {
        switch text {
        case "true": return true
        case "false": return false
        default: throw refuse(.notABoolean, "is not true or false")
        }
    }

    /// One of an enumeration's raw values.
    func choice<Choice: RawRepresentable & CaseIterable>(
        _: Choice.Type
    ) throws(BrokerConfigurationError) -> Choice where Choice.RawValue == String {
        guard let value = Choice(rawValue: text) else {
            let names = Choice.allCases.map(\.rawValue).joined(separator: " or ")
            throw refuse(.invalidValue, "is not \(names)")
        }
        return value
    }

    /// A `host:port` address; port 0 only where the OS may pick (bind addresses).
    func address(portZeroAllowed: Bool) throws(BrokerConfigurationError) -> HostPort {
        switch HostPort.parse(text) {
        case .failure(.malformed(let reason)): throw refuse(.invalidAddress, "is not host:port (\(reason))")
        case .failure(.portOutOfRange(let port)): throw refuse(.invalidAddress, "has port \(port) out of range 0...65535")
        case .success(let address):
            guard portZeroAllowed || address.port != 0 else {
                throw refuse(.invalidAddress, "has port 0, which clients cannot dial")
            }
            return address
        }
    }

    /// A seed list: `id@host:port` entries separated by commas, ids positive and distinct.
    func seeds() throws(BrokerConfigurationError) -> [ClusterSeed] {
        guard !text.isEmpty else { return [] }
        var seeds: [ClusterSeed] = []
        for entry in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = entry.split(separator: "@", maxSplits: 1)
            guard parts.count == 2, let id = Int32(parts[0]), id > 0 else {
                throw refuse(.invalidValue, "has \(BrokerConfigurationError.quote(String(entry))), not id@host:port with a positive id")
            }
            guard case .success(let address) = HostPort.parse(String(parts[1])), address.port != 0 else {
                throw refuse(.invalidAddress, "has \(BrokerConfigurationError.quote(String(entry))), whose address is not host:port with a port above 0")
            }
            guard !seeds.contains(where: { $0.id.rawValue == id }) else {
                throw refuse(.conflict, "names node \(id) twice")
            }
            seeds.append(ClusterSeed(id: NodeID(id), address: address))
        }
        guard seeds.count <= Limits.clusterNodesMax else {
            throw refuse(.outOfRange, "names \(seeds.count) nodes; at most \(Limits.clusterNodesMax)")
        }
        return seeds.sorted { $0.id < $1.id }
    }

    /// One non-empty directory path (a comma list, as Kafka's `log.dirs` allows, is refused).
    func directory() throws(BrokerConfigurationError) -> String {
        guard !text.isEmpty else { throw refuse(.invalidValue, "is empty") }
        guard !text.contains(",") else { throw refuse(.invalidValue, "names several directories; Tern uses one") }
        guard !text.contains("\0") else { throw refuse(.invalidValue, "contains a NUL byte") }
        return text
    }
}
