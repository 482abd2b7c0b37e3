public import TernModel

/// The cluster metadata: what the controller group's log says, applied up to `appliedOffset`.
/// A value, published whole on every change, so request handlers read it without locks or hops.
///
/// Every broker that is a controller voter builds it by applying the controller log
/// (`applying(_:at:)`); the others receive it whole through the metadata sync RPC. Two images of
/// one cluster with the same `appliedOffset` are equal, because applying is deterministic.
public struct MetadataImage: Sendable, Equatable, Codable {
    /// Format version of the persisted image.
    public var format = 2
    /// The controller log offset of the last command applied; -1 before any.
    public var appliedOffset: Int64 = -1
    /// The cluster id, set once by the first controller leader.
    public var clusterID: String?
    /// Registered brokers by id.
    public var brokers: [Int32: BrokerRegistration] = [:]
    /// Topics by name.
    public var topics: [String: TopicMetadata] = [:]
    /// The first producer id not yet handed out in a block.
    public var nextProducerID: Int64 = 0

    /// An empty image.
    public init() {}

    /// Partitions in the image, counted.
    public var partitionCount: Int { topics.values.reduce(0) { $0 + Int($1.partitionCount) } }

    /// Every partition in the image.
    public var allPartitions: [TopicPartition] { topics.values.flatMap(\.partitions) }

    /// The topic with `id`, if any.
    public func topic(withID high: UInt64, _ low: UInt64) -> TopicMetadata? {
        topics.values.first { $0.idHigh == high && $0.idLow == low }
    }

    /// The replica list of `partition`, or nil if the image has no such partition.
    public func replicas(of partition: TopicPartition) -> [Int32]? {
        guard let topic = topics[partition.topic] else { return nil }
        let index = Int(partition.partition.rawValue)
        guard index >= 0, index < topic.replicas.count else { return nil }
        return topic.replicas[index]
    }

    /// The partitions whose replica list holds `node`.
    public func partitions(hostedBy node: NodeID) -> [TopicPartition: [Int32]] {
        var hosted: [TopicPartition: [Int32]] = [:]
        for topic in topics.values {
            for (index, list) in topic.replicas.enumerated() where list.contains(node.rawValue) {
                hosted[TopicPartition(topic: topic.name, partition: PartitionID(Int32(index)))] = list
            }
        }
        return hosted
    }
}

/// A broker as it registered through the controller log.
public struct BrokerRegistration: Sendable, Equatable, Codable {
    /// The broker id.
    public var id: Int32
    /// The Kafka address clients are told to dial.
    public var host: String
    public var port: Int32
    /// Where its inter-broker RPC listens.
    public var rpcHost: String
    public var rpcPort: Int32

    /// A registration.
    public init(id: Int32, host: String, port: Int32, rpcHost: String, rpcPort: Int32) {
        self.id = id
        self.host = host
        self.port = port
        self.rpcHost = rpcHost
        self.rpcPort = rpcPort
    }
}
