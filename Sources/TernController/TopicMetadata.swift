import Foundation
public import TernModel
public import TernWire

/// One topic as the cluster metadata holds it.
public struct TopicMetadata: Sendable, Equatable, Codable {
    /// The topic name.
    public var name: String
    /// Kafka's topic id (Metadata v10+, DeleteTopics v6), random and never reused.
    public var idHigh: UInt64
    /// The low half of the topic id.
    public var idLow: UInt64
    /// Number of partitions (0..<partitionCount).
    public var partitionCount: Int32
    /// Replicas per partition.
    public var replicationFactor: Int16
    /// The broker ids holding each partition, by partition number.
    public var replicas: [[Int32]]
    /// Topic config overrides (Kafka names); defaults are not stored.
    public var configs: [String: String]
    /// Internal topics (`__consumer_offsets`) are flagged in Metadata.
    public var isInternal: Bool

    /// A topic.
    public init(
        name: String, idHigh: UInt64, idLow: UInt64, partitionCount: Int32, replicationFactor: Int16,
        replicas: [[Int32]], configs: [String: String], isInternal: Bool
    ) {
        self.name = name
        self.idHigh = idHigh
        self.idLow = idLow
        self.partitionCount = partitionCount
        self.replicationFactor = replicationFactor
        self.replicas = replicas
        self.configs = configs
        self.isInternal = isInternal
    }

    /// The topic id.
    public var id: KafkaUUID { KafkaUUID(high: idHigh, low: idLow) }

    /// The partitions.
    public var partitions: [TopicPartition] {
        (0..<partitionCount).map { TopicPartition(topic: name, partition: PartitionID($0)) }
    }
}

/// Kafka's rules for topic names.
public enum TopicName {
    /// Kafka's limit (249: leaves room for a partition suffix in a 255-byte file name).
    public static let lengthMax = 249

    /// Why `name` is not a legal topic name, or nil.
    public static func problem(_ name: String) -> String? {
        if name.isEmpty { return "topic name is empty" }
        if name == "." || name == ".." { return "topic name cannot be \"\(name)\"" }
        if name.utf8.count > lengthMax { return "topic name is longer than \(lengthMax) characters" }
        let legal = name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2E || byte == 0x5F || byte == 0x2D
        }
        return legal ? nil : "topic name \(name) contains characters other than ASCII alphanumerics, '.', '_' and '-'"
    }

    /// Kafka refuses names that differ only in '.' versus '_' (their metric names collide).
    public static func collisionKey(_ name: String) -> String {
        name.replacingOccurrences(of: ".", with: "_")
    }
}
