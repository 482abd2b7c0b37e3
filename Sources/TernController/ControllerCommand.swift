/// One change of the cluster metadata: the value of one record in the controller group's log.
///
/// The controller leader decides everything that involves a choice (topic ids, replica
/// assignments, the cluster id) *before* proposing, so that applying a command is deterministic
/// and every voter builds the same image. Applying still re-checks what a command needs (a
/// topic to create must not exist), because a command proposed by a leader that lost its
/// leadership can commit after a newer leader's conflicting one.
public enum ControllerCommand: Sendable, Equatable, Codable {
    /// Names the cluster; applied only while it has no id (the first controller leader's).
    case initializeCluster(clusterID: String)
    /// A broker announces (or updates) its addresses.
    case registerBroker(BrokerRegistration)
    /// New topics, with their ids, replica assignments and configs.
    case createTopics([TopicMetadata])
    /// Topics to delete, by name.
    case deleteTopics([String])
    /// Partitions to add to a topic: one replica list per new partition.
    case addPartitions(topic: String, replicas: [[Int32]])
    /// A topic's config overrides, replaced whole.
    case setTopicConfigs(topic: String, configs: [String: String])
    /// A block of producer ids for one broker (idempotent producers).
    case allocateProducerIDs(broker: Int32, count: Int64)
}

/// What applying one command did.
public enum ControllerApplyResult: Sendable, Equatable {
    /// The image changed.
    case applied
    /// Nothing changed, for the given reason (a stale or conflicting command).
    case skipped(String)
    /// The producer-id block `[first, first + count)` now belongs to the broker.
    case producerIDBlock(first: Int64, count: Int64)
}
