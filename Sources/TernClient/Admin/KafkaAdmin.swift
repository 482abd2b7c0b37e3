public import Logging
public import NIOCore
public import NIOPosix
public import TernModel
import TernWire

/// Cluster administration: topics and partitions, configs, the cluster's brokers, consumer
/// groups with their lag, offsets. Every failure is a `ClientError` naming what it was about.
public actor KafkaAdmin {
    public nonisolated let cluster: KafkaCluster
    private let timeoutMs: Int32

    public init(
        configuration: ClientConfiguration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "tern.admin")
    ) {
        cluster = KafkaCluster(configuration: configuration, group: group, logger: logger)
        timeoutMs = Int32(clamping: configuration.requestTimeout.components.seconds * 1000)
    }

    public func close() async { await cluster.close() }

    // MARK: - Topics

    /// Creates `name`; replication factor -1 is the cluster's default. Waits (like Kafka's
    /// CreateTopics) until the partitions have leaders or the request timeout.
    public func createTopic(
        _ name: String, partitions: Int32 = -1, replicationFactor: Int16 = -1, configs: [String: String] = [:]
    ) async throws(ClientError) {
        var topic = CreateTopicsRequest.CreatableTopic()
        topic.name = name
        topic.numPartitions = partitions
        topic.replicationFactor = replicationFactor
        topic.configs = configs.sorted { $0.key < $1.key }.map { key, value in
            var config = CreateTopicsRequest.CreatableTopicConfig()
            config.name = key
            config.value = value
            return config
        }
        var request = CreateTopicsRequest()
        request.topics = [topic]
        request.timeoutMs = timeoutMs
        let response = try await controllerCall(request)
        try check(response.topics.first.map { ($0.errorCode, $0.errorMessage) }, "create topic \(name)")
        try await cluster.refreshMetadata(topics: [name])
    }

    public func deleteTopic(_ name: String) async throws(ClientError) {
        var request = DeleteTopicsRequest()
        var state = DeleteTopicsRequest.DeleteTopicState()
        state.name = name
        request.topics = [state]
        request.topicNames = [name]
        request.timeoutMs = timeoutMs
        let response = try await controllerCall(request)
        try check(response.responses.first.map { ($0.errorCode, $0.errorMessage) }, "delete topic \(name)")
    }

    /// Grows `topic` to `count` partitions.
    public func addPartitions(_ topic: String, totalCount count: Int32) async throws(ClientError) {
        var entry = CreatePartitionsRequest.CreatePartitionsTopic()
        entry.name = topic
        entry.count = count
        var request = CreatePartitionsRequest()
        request.topics = [entry]
        request.timeoutMs = timeoutMs
        let response = try await controllerCall(request)
        try check(response.results.first.map { ($0.errorCode, $0.errorMessage) }, "add partitions to \(topic)")
        try await cluster.refreshMetadata(topics: [topic])
    }

    /// Every topic (internal ones only when asked), sorted by name.
    public func listTopics(includeInternal: Bool = false) async throws(ClientError) -> [TopicMetadata] {
        let metadata = try await cluster.refreshMetadata(topics: nil)
        return metadata.topics.values.filter { includeInternal || !$0.isInternal }.sorted { $0.name < $1.name }
    }

    public func describeTopic(_ name: String) async throws(ClientError) -> TopicMetadata {
        let metadata = try await cluster.refreshMetadata(topics: [name])
        guard let topic = metadata.topics[name], topic.error == .noError else {
            let code = metadata.topics[name]?.error ?? .unknownTopicOrPartition
            throw ClientError(.broker(code), "topic \(name)")
        }
        return topic
    }

    // MARK: - Configs

    /// One config of a topic as the broker reports it.
    public struct ConfigEntry: Sendable, Equatable {
        public var name: String
        public var value: String?
        /// Kafka's config source (1 topic, 4/5 broker, 5 default...).
        public var source: Int8
        public var readOnly: Bool
        public var sensitive: Bool
        public var isDefault: Bool { source == 5 }
    }

    public func describeConfigs(topic: String) async throws(ClientError) -> [ConfigEntry] {
        var resource = DescribeConfigsRequest.DescribeConfigsResource()
        resource.resourceType = 2
        resource.resourceName = topic
        resource.configurationKeys = nil
        var request = DescribeConfigsRequest()
        request.resources = [resource]
        let response = try await anyCall(request)
        guard let result = response.results.first else { throw ClientError(.malformedResponse, "DescribeConfigs \(topic): no result") }
        try check((result.errorCode, result.errorMessage), "describe configs of \(topic)")
        return result.configs.map {
            ConfigEntry(name: $0.name, value: $0.value, source: $0.configSource, readOnly: $0.readOnly, sensitive: $0.isSensitive)
        }.sorted { $0.name < $1.name }
    }

    /// Sets and deletes (back to the default) topic configs.
    public func alterConfigs(topic: String, set: [String: String], delete: [String] = []) async throws(ClientError) {
        var resource = IncrementalAlterConfigsRequest.AlterConfigsResource()
        resource.resourceType = 2
        resource.resourceName = topic
        var changes: [IncrementalAlterConfigsRequest.AlterableConfig] = []
        for (name, value) in set.sorted(by: { $0.key < $1.key }) {
            var change = IncrementalAlterConfigsRequest.AlterableConfig()
            change.name = name
            change.configOperation = 0
            change.value = value
            changes.append(change)
        }
        for name in delete.sorted() {
            var change = IncrementalAlterConfigsRequest.AlterableConfig()
            change.name = name
            change.configOperation = 1
            change.value = nil
            changes.append(change)
        }
        resource.configs = changes
        var request = IncrementalAlterConfigsRequest()
        request.resources = [resource]
        let response = try await controllerCall(request)
        try check(response.responses.first.map { ($0.errorCode, $0.errorMessage) }, "alter configs of \(topic)")
    }

    // MARK: - Cluster

    public struct ClusterDescription: Sendable, Equatable {
        public var clusterID: String?
        public var controller: NodeID?
        public var brokers: [NodeID: BrokerAddress]
    }

    public func describeCluster() async throws(ClientError) -> ClusterDescription {
        let metadata = try await cluster.refreshMetadata(topics: [])
        return ClusterDescription(clusterID: metadata.clusterID, controller: metadata.controller, brokers: metadata.brokers)
    }

    // MARK: - Offsets

    /// The log start (-2), end (-1) or first offset at a time of a partition.
    public func listOffset(_ partition: TopicPartition, _ position: SeekPosition) async throws(ClientError) -> Int64 {
        switch position {
        case .offset(let offset): return offset
        case .beginning: return try await cluster.listOffset(partition, timestamp: -2)
        case .end: return try await cluster.listOffset(partition, timestamp: -1)
        case .timestamp(let time): return try await cluster.listOffset(partition, timestamp: time.rawValue)
        }
    }

    // MARK: - Groups

    public struct GroupListing: Sendable, Equatable {
        public var groupID: String
        public var state: String
        public var protocolType: String
    }

    /// Every group of every broker (each broker lists the groups it coordinates).
    public func listGroups() async throws(ClientError) -> [GroupListing] {
        let metadata = try await cluster.refreshMetadata(topics: [])
        var listings: [String: GroupListing] = [:]
        var failures: [String] = []
        for node in metadata.brokers.keys.sorted() {
            do throws(ClientError) {
                let connection = try await cluster.connection(to: node)
                let response = try await connection.call(ListGroupsRequest(), timeout: cluster.configuration.requestTimeout)
                guard response.errorCode == 0 else {
                    throw ClientError(.broker(ErrorCode(rawValue: response.errorCode)), "ListGroups at broker \(node)")
                }
                for group in response.groups {
                    listings[group.groupId] = GroupListing(
                        groupID: group.groupId, state: group.groupState, protocolType: group.protocolType)
                }
            } catch {
                failures.append(error.description)
            }
        }
        if !failures.isEmpty && listings.isEmpty { throw ClientError(.unreachable, failures.joined(separator: "; ")) }
        return listings.values.sorted { $0.groupID < $1.groupID }
    }

    public struct GroupMember: Sendable, Equatable {
        public var memberID: String
        public var clientID: String
        public var host: String
        public var assignment: [TopicPartition]
    }

    public struct GroupDescription: Sendable, Equatable {
        public var groupID: String
        public var state: String
        public var protocolType: String
        public var assignor: String
        public var coordinator: NodeID
        public var members: [GroupMember]
    }

    public func describeGroup(_ group: String) async throws(ClientError) -> GroupDescription {
        var request = DescribeGroupsRequest()
        request.groups = [group]
        let response = try await cluster.callCoordinator(ofGroup: group, request) {
            $0.groups.first.map { ErrorCode(rawValue: $0.errorCode) }
        }
        guard let described = response.groups.first else { throw ClientError(.malformedResponse, "DescribeGroups \(group): no group") }
        try check((described.errorCode, nil), "describe group \(group)")
        let coordinator = try await cluster.coordinator(ofGroup: group)
        let members = described.members.map { member in
            GroupMember(
                memberID: member.memberId, clientID: member.clientId, host: member.clientHost,
                assignment: ConsumerProtocol.partitions(inAssignment: member.memberAssignment) ?? [])
        }
        return GroupDescription(
            groupID: described.groupId, state: described.groupState, protocolType: described.protocolType,
            assignor: described.protocolData, coordinator: coordinator, members: members)
    }

    /// A group's position in one partition: what it committed, where the log ends, the lag.
    public struct PartitionLag: Sendable, Equatable {
        public var partition: TopicPartition
        /// -1: nothing committed.
        public var committed: Int64
        public var logEnd: Int64
        public var lag: Int64 { committed < 0 ? logEnd : max(0, logEnd - committed) }
    }

    /// The committed offsets of `group` (every partition it committed) with their lag.
    public func groupOffsets(_ group: String) async throws(ClientError) -> [PartitionLag] {
        var request = OffsetFetchRequest()
        request.groupId = group
        request.topics = nil
        let response = try await cluster.callCoordinator(ofGroup: group, request, versionMax: 7) {
            ErrorCode(rawValue: $0.errorCode)
        }
        try check((response.errorCode, nil), "offsets of group \(group)")
        var lags: [PartitionLag] = []
        for topic in response.topics {
            for partition in topic.partitions where partition.errorCode == 0 {
                let key = TopicPartition(topic.name, partition.partitionIndex)
                let end = try await cluster.listOffset(key, timestamp: -1)
                lags.append(PartitionLag(partition: key, committed: partition.committedOffset, logEnd: end))
            }
        }
        return lags.sorted { $0.partition < $1.partition }
    }

    /// Commits `offsets` for `group` as an admin (generation -1); the group must have no
    /// members (Kafka answers UNKNOWN_MEMBER_ID otherwise).
    public func setGroupOffsets(_ group: String, _ offsets: [TopicPartition: Int64]) async throws(ClientError) {
        let request = OffsetCommitRequest.committing(offsets, group: group)
        let response = try await cluster.callCoordinator(ofGroup: group, request) {
            $0.topics.first?.partitions.first.map { ErrorCode(rawValue: $0.errorCode) }
        }
        for topic in response.topics {
            for partition in topic.partitions where partition.errorCode != 0 {
                throw ClientError(
                    .broker(ErrorCode(rawValue: partition.errorCode)),
                    "set offsets of group \(group) for \(topic.name)-\(partition.partitionIndex)")
            }
        }
    }

    public func deleteGroup(_ group: String) async throws(ClientError) {
        var request = DeleteGroupsRequest()
        request.groupsNames = [group]
        let response = try await cluster.callCoordinator(ofGroup: group, request) {
            $0.results.first.map { ErrorCode(rawValue: $0.errorCode) }
        }
        try check(response.results.first.map { ($0.errorCode, nil) }, "delete group \(group)")
    }

    // MARK: - Helpers

    /// To the controller when the metadata names one (Kafka requires it for topic changes),
    /// else to any broker (Tern forwards).
    private func controllerCall<Request: KafkaRequestMessage>(_ request: Request) async throws(ClientError)
        -> Request.Response
    {
        let metadata = try await cluster.refreshMetadata(topics: [])
        let connection =
            if let controller = metadata.controller { try await cluster.connection(to: controller) } else {
                try await cluster.anyConnection()
            }
        return try await connection.call(request, timeout: cluster.configuration.requestTimeout + .seconds(5))
    }

    private func anyCall<Request: KafkaRequestMessage>(_ request: Request) async throws(ClientError) -> Request.Response {
        let connection = try await cluster.anyConnection()
        return try await connection.call(request, timeout: cluster.configuration.requestTimeout)
    }

    private func check(_ result: (Int16, String?)?, _ what: String) throws(ClientError) {
        guard let (code, message) = result else { throw ClientError(.malformedResponse, "\(what): no result in the answer") }
        guard code != 0 else { return }
        let error = ErrorCode(rawValue: code)
        throw ClientError(.broker(error), message.map { "\(what): \($0)" } ?? what)
    }
}
