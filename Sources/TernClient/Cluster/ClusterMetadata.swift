public import TernModel
public import TernWire

/// One partition as the cluster last described it.
public struct PartitionMetadata: Sendable, Equatable {
    public var partition: Int32
    /// The leader, nil while the partition has none.
    public var leader: NodeID?
    public var leaderEpoch: Int32
    public var replicas: [NodeID]
    public var inSyncReplicas: [NodeID]
    public var error: ErrorCode
}

/// One topic as the cluster last described it.
public struct TopicMetadata: Sendable, Equatable {
    public var name: String
    public var id: KafkaUUID
    public var isInternal: Bool
    public var error: ErrorCode
    /// By partition index.
    public var partitions: [PartitionMetadata]
}

/// What a Metadata answer says about the cluster.
public struct ClusterMetadata: Sendable, Equatable {
    public var clusterID: String?
    public var controller: NodeID?
    public var brokers: [NodeID: BrokerAddress]
    public var topics: [String: TopicMetadata]

    public init(clusterID: String? = nil, controller: NodeID? = nil, brokers: [NodeID: BrokerAddress] = [:],
                topics: [String: TopicMetadata] = [:]) {
        self.clusterID = clusterID
        self.controller = controller
        self.brokers = brokers
        self.topics = topics
    }

    init(_ response: MetadataResponse) {
        var brokers: [NodeID: BrokerAddress] = [:]
        for broker in response.brokers {
            brokers[NodeID(broker.nodeId)] = BrokerAddress(host: broker.host, port: Int(broker.port))
        }
        var topics: [String: TopicMetadata] = [:]
        for topic in response.topics {
            guard let name = topic.name else { continue }
            let partitions = topic.partitions.sorted { $0.partitionIndex < $1.partitionIndex }.map { partition in
                PartitionMetadata(
                    partition: partition.partitionIndex, leader: partition.leaderId >= 0 ? NodeID(partition.leaderId) : nil,
                    leaderEpoch: partition.leaderEpoch, replicas: partition.replicaNodes.map(NodeID.init),
                    inSyncReplicas: partition.isrNodes.map(NodeID.init), error: ErrorCode(rawValue: partition.errorCode))
            }
            topics[name] = TopicMetadata(
                name: name, id: topic.topicId, isInternal: topic.isInternal, error: ErrorCode(rawValue: topic.errorCode),
                partitions: partitions)
        }
        self.init(
            clusterID: response.clusterId, controller: response.controllerId >= 0 ? NodeID(response.controllerId) : nil,
            brokers: brokers, topics: topics)
    }

    /// The leader of `topic`'s `partition` and its address, if the cache knows both.
    public func leader(of topic: String, partition: Int32) -> (node: NodeID, address: BrokerAddress, epoch: Int32)? {
        guard let info = topics[topic], partition >= 0, Int(partition) < info.partitions.count,
            let leader = info.partitions[Int(partition)].leader, let address = brokers[leader]
        else { return nil }
        return (leader, address, info.partitions[Int(partition)].leaderEpoch)
    }
}
