public import TernModel

extension MetadataImage {
    /// Most producer ids one block may hold.
    public static let producerIDBlockMax: Int64 = 1_000_000

    /// Applies `command`, the entry at `offset` of the controller log. Deterministic: the result
    /// depends on the image and the command only.
    /// - Precondition: `offset` is after `appliedOffset` (the log is applied in order, once).
    public mutating func apply(_ command: ControllerCommand, at offset: Offset) -> ControllerApplyResult {
        precondition(offset.rawValue > appliedOffset, "controller entries apply in log order, once")
        appliedOffset = offset.rawValue
        switch command {
        case .initializeCluster(let id):
            guard clusterID == nil else { return .skipped("the cluster is already named \(clusterID ?? "")") }
            guard !id.isEmpty else { return .skipped("an empty cluster id") }
            clusterID = id
            return .applied
        case .registerBroker(let registration):
            guard registration.id > 0 else { return .skipped("broker ids are positive") }
            guard brokers[registration.id] != registration else { return .skipped("already registered") }
            brokers[registration.id] = registration
            return .applied
        case .createTopics(let created):
            var count = 0
            for topic in created where topics[topic.name] == nil && topic.isWellFormed {
                topics[topic.name] = topic
                count += 1
            }
            return count > 0 ? .applied : .skipped("every topic exists or is malformed")
        case .deleteTopics(let names):
            let removed = names.filter { topics.removeValue(forKey: $0) != nil }
            return removed.isEmpty ? .skipped("no such topics") : .applied
        case .addPartitions(let name, let lists):
            guard var topic = topics[name] else { return .skipped("no topic \(name)") }
            guard !lists.isEmpty, lists.allSatisfy({ !$0.isEmpty && Set($0).count == $0.count }) else {
                return .skipped("malformed replica lists")
            }
            topic.replicas += lists
            topic.partitionCount += Int32(lists.count)
            topics[name] = topic
            return .applied
        case .setTopicConfigs(let name, let configs):
            guard topics[name] != nil else { return .skipped("no topic \(name)") }
            topics[name]?.configs = configs
            return .applied
        case .allocateProducerIDs(_, let count):
            guard count > 0, count <= Self.producerIDBlockMax else { return .skipped("block size \(count)") }
            let first = nextProducerID
            nextProducerID += count
            return .producerIDBlock(first: first, count: count)
        }
    }
}

extension TopicMetadata {
    /// Whether the topic's fields agree with each other (a replica list per partition, no
    /// broker twice in a list).
    public var isWellFormed: Bool {
        partitionCount > 0 && replicas.count == Int(partitionCount)
            && replicas.allSatisfy { !$0.isEmpty && Set($0).count == $0.count }
    }
}
