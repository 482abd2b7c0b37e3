import Logging
import NIOPosix
import Synchronization
import TernLog
import TernModel
import TernWire

/// A topic to create, as CreateTopics (or auto-creation) asks for it.
struct TopicCreation: Sendable {
    var name: String
    /// -1: the broker default.
    var partitions: Int32
    /// -1: the broker default.
    var replicationFactor: Int16
    /// Explicit replica lists per partition, or empty.
    var assignments: [[Int32]]
    /// Config overrides; a nil value means "the default".
    var configs: [(name: String, value: String?)]
}

/// The outcome of one topic of an admin request.
struct TopicOutcome: Error, Sendable {
    var error: ErrorCode
    var message: String?
    /// The topic as created or changed (for CreateTopics v5+ answers).
    var topic: TopicMetadata?

    static let ok = TopicOutcome(error: .noError, message: nil, topic: nil)
    static func refused(_ error: ErrorCode, _ message: String) -> TopicOutcome {
        TopicOutcome(error: error, message: message, topic: nil)
    }
}

/// A requested change of a topic's configs (IncrementalAlterConfigs).
struct ConfigChange: Sendable {
    /// 0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT (Kafka's `OpType`).
    var operation: Int8
    var name: String
    var value: String?
}

extension Broker {
    /// The brokers that can hold replicas (this node while the broker is a cluster of one).
    var liveBrokers: [Int32] { [nodeID.rawValue] }

    /// Creates topics: validates each (Kafka's errors and messages), makes the new metadata
    /// durable, opens the partitions, and waits (bounded by `timeoutMs`) for their leaders.
    func createTopics(_ creations: [TopicCreation], validateOnly: Bool, timeoutMs: Int32) async -> [TopicOutcome] {
        let (outcomes, created) = await holdingController {
            await createTopicsHoldingController(creations, validateOnly: validateOnly)
        }
        if !validateOnly { await awaitLeaders(created.flatMap(\.partitions), timeoutMs: timeoutMs) }
        return outcomes
    }

    private func createTopicsHoldingController(
        _ creations: [TopicCreation], validateOnly: Bool
    ) async -> (outcomes: [TopicOutcome], created: [TopicMetadata]) {
        var image = await controller.image
        var outcomes: [TopicOutcome] = []
        var created: [TopicMetadata] = []
        let repeated = Self.repeated(creations.map(\.name))
        for creation in creations {
            if repeated.contains(creation.name) {
                outcomes.append(.refused(.invalidRequest, "Duplicate topic name \(creation.name) in the request"))
                continue
            }
            switch validate(creation, in: image) {
            case .failure(let refusal):
                outcomes.append(refusal)
            case .success(let topic):
                outcomes.append(TopicOutcome(error: .noError, message: nil, topic: topic))
                image.topics[topic.name] = topic
                created.append(topic)
            }
        }
        if !validateOnly, !created.isEmpty {
            if let failure = await commit(image) {
                return (outcomes.map { $0.error == .noError ? failure : $0 }, [])
            }
            for topic in created {
                do {
                    try await openReplicas(of: topic, partitions: topic.partitions)
                } catch {
                    logger.error("cannot open a new topic's partitions", metadata: ["error": "\(error)"])
                }
            }
        }
        return (outcomes, created)
    }

    /// Runs `body` holding the metadata controller (FIFO, one admin change at a time),
    /// releasing it however `body` returns.
    private func holdingController<Result>(_ body: () async -> Result) async -> Result {
        await controller.acquire()
        let result = await body()
        await controller.release()
        return result
    }

    /// The elements that occur more than once (Kafka refuses a topic or partition named twice
    /// in one request).
    static func repeated<Element: Hashable>(_ elements: [Element]) -> Set<Element> {
        var seen = Set<Element>()
        var twice = Set<Element>()
        for element in elements where !seen.insert(element).inserted { twice.insert(element) }
        return twice
    }

    /// Creates unknown topics named by a Metadata or Produce request (`auto.create.topics.enable`)
    /// with the broker defaults. Invalid names are left alone (the caller reports them).
    func autoCreate(_ names: [String]) async {
        let valid = names.filter { TopicName.problem($0) == nil }
        guard !valid.isEmpty else { return }
        let creations = valid.map {
            TopicCreation(name: $0, partitions: -1, replicationFactor: -1, assignments: [], configs: [])
        }
        for (name, outcome) in zip(valid, await createTopics(creations, validateOnly: false, timeoutMs: 10_000))
        where outcome.error != .noError && outcome.error != .topicAlreadyExists {
            logger.notice(
                "auto-creating a topic failed",
                metadata: ["topic": "\(name)", "error": "\(outcome.error)", "reason": "\(outcome.message ?? "")"])
        }
    }

    /// Kafka's CreateTopics checks, in Kafka's order, against `image`.
    private func validate(_ creation: TopicCreation, in image: MetadataImage) -> Result<TopicMetadata, TopicOutcome> {
        let name = creation.name
        if let problem = TopicName.problem(name) { return .failure(.refused(.invalidTopicException, problem)) }
        if image.topics[name] != nil { return .failure(.refused(.topicAlreadyExists, "Topic '\(name)' already exists.")) }
        let key = TopicName.collisionKey(name)
        if let other = image.topics.keys.first(where: { TopicName.collisionKey($0) == key }) {
            return .failure(.refused(.invalidTopicException, "Topic '\(name)' collides with existing topic '\(other)'"))
        }
        var replicas: [[Int32]]
        if !creation.assignments.isEmpty {
            guard creation.partitions == -1, creation.replicationFactor == -1 else {
                return .failure(.refused(.invalidRequest, "Both numPartitions or replicationFactor and replicasAssignments were set"))
            }
            replicas = creation.assignments
            let factor = replicas[0].count
            for list in replicas {
                guard !list.isEmpty, list.count == factor, Set(list).count == list.count,
                    list.allSatisfy(liveBrokers.contains)
                else {
                    return .failure(.refused(.invalidReplicaAssignment, "Invalid replica assignment \(list)"))
                }
            }
        } else {
            let partitions = creation.partitions == -1 ? Int32(configuration.defaultPartitions) : creation.partitions
            let factor = creation.replicationFactor == -1 ? Int16(configuration.defaultReplicationFactor) : creation.replicationFactor
            guard partitions > 0 else {
                return .failure(.refused(.invalidPartitions, "Number of partitions must be larger than 0."))
            }
            guard factor > 0 else {
                return .failure(.refused(.invalidReplicationFactor, "Replication factor must be larger than 0."))
            }
            guard Int(factor) <= liveBrokers.count else {
                return .failure(.refused(
                    .invalidReplicationFactor,
                    "Unable to replicate the partition \(factor) time(s): The target replication factor of \(factor) cannot be reached because only \(liveBrokers.count) broker(s) are registered."))
            }
            replicas = Self.assign(partitions: Int(partitions), factor: Int(factor), brokers: liveBrokers)
        }
        guard image.partitionCount + replicas.count <= Limits.brokerPartitionsMax else {
            return .failure(.refused(.policyViolation, "Tern holds at most \(Limits.brokerPartitionsMax) partitions"))
        }
        guard image.topics.count < Limits.brokerTopicsMax else {
            return .failure(.refused(.policyViolation, "Tern holds at most \(Limits.brokerTopicsMax) topics"))
        }
        var configs: [String: String] = [:]
        for (configName, value) in creation.configs {
            if let problem = TopicConfig.problem(name: configName, value: value) {
                return .failure(.refused(.invalidConfig, problem))
            }
            configs[configName] = value
        }
        let topic = TopicMetadata(
            name: name, idHigh: nextNonZeroRandom(), idLow: nextRandom(), partitionCount: Int32(replicas.count),
            replicationFactor: Int16(replicas[0].count), replicas: replicas, configs: configs, isInternal: false)
        return .success(topic)
    }

    /// Replica lists spread round-robin over `brokers`, each partition's first replica (its
    /// preferred leader) on the next broker.
    static func assign(partitions: Int, factor: Int, brokers: [Int32], startingAt first: Int = 0) -> [[Int32]] {
        precondition(factor >= 1 && factor <= brokers.count, "a replication factor the brokers can hold")
        return (0..<partitions).map { partition in
            (0..<factor).map { replica in brokers[(first + partition + replica) % brokers.count] }
        }
    }

    /// A random value that is not zero (topic ids must not be Kafka's ZERO_UUID).
    private func nextNonZeroRandom() -> UInt64 {
        let value = nextRandom()
        return value == 0 ? 1 : value
    }

    /// Makes `image` durable and publishes it; the error to answer if that failed.
    func commit(_ image: MetadataImage) async -> TopicOutcome? {
        do {
            let durable = try await controller.commit(image)
            state.withLock { $0.image = durable }
            return nil
        } catch {
            logger.error("cannot write the metadata", metadata: ["error": "\(error)"])
            return .refused(.kafkaStorageError, "the metadata could not be written: \(error)")
        }
    }

    /// Deletes topics by name: durable first, then the partitions are closed and removed.
    func deleteTopics(named names: [String]) async -> [TopicOutcome] {
        await holdingController { await deleteTopicsHoldingController(names) }
    }

    private func deleteTopicsHoldingController(_ names: [String]) async -> [TopicOutcome] {
        var image = await controller.image
        var outcomes: [TopicOutcome] = []
        var removed: [TopicMetadata] = []
        for name in names {
            guard let topic = image.topics[name] else {
                outcomes.append(.refused(.unknownTopicOrPartition, "This server does not host this topic."))
                continue
            }
            image.topics[name] = nil
            removed.append(topic)
            outcomes.append(TopicOutcome(error: .noError, message: nil, topic: topic))
        }
        if !removed.isEmpty {
            if let failure = await commit(image) { return outcomes.map { $0.error == .noError ? failure : $0 } }
            await removeReplicas(removed.flatMap(\.partitions))
        }
        return outcomes
    }

    /// Grows topics to `count` partitions (CreatePartitions).
    func createPartitions(
        _ requests: [(name: String, count: Int32, assignments: [[Int32]]?)], validateOnly: Bool
    ) async -> [TopicOutcome] {
        let (outcomes, grown) = await holdingController {
            await createPartitionsHoldingController(requests, validateOnly: validateOnly)
        }
        if !validateOnly { await awaitLeaders(grown, timeoutMs: 10_000) }
        return outcomes
    }

    private func createPartitionsHoldingController(
        _ requests: [(name: String, count: Int32, assignments: [[Int32]]?)], validateOnly: Bool
    ) async -> (outcomes: [TopicOutcome], grown: [TopicPartition]) {
        var image = await controller.image
        var outcomes: [TopicOutcome] = []
        var grown: [(TopicMetadata, [TopicPartition])] = []
        let repeated = Self.repeated(requests.map(\.name))
        for request in requests {
            if repeated.contains(request.name) {
                outcomes.append(.refused(.invalidRequest, "Duplicate topic name \(request.name) in the request"))
                continue
            }
            guard var topic = image.topics[request.name] else {
                outcomes.append(.refused(.unknownTopicOrPartition, "The topic '\(request.name)' does not exist."))
                continue
            }
            let current = topic.partitionCount
            guard request.count > current else {
                outcomes.append(.refused(
                    .invalidPartitions,
                    "Topic currently has \(current) partitions, which is higher than the requested \(request.count)."))
                continue
            }
            let added = Int(request.count - current)
            let lists: [[Int32]]
            if let assignments = request.assignments {
                let valid = assignments.count == added
                    && assignments.allSatisfy {
                        $0.count == Int(topic.replicationFactor) && Set($0).count == $0.count
                            && $0.allSatisfy(liveBrokers.contains)
                    }
                guard valid else {
                    outcomes.append(.refused(.invalidReplicaAssignment, "Invalid replica assignment \(assignments)"))
                    continue
                }
                lists = assignments
            } else {
                lists = Self.assign(
                    partitions: added, factor: Int(topic.replicationFactor), brokers: liveBrokers, startingAt: Int(current))
            }
            guard image.partitionCount + added <= Limits.brokerPartitionsMax else {
                outcomes.append(.refused(.policyViolation, "Tern holds at most \(Limits.brokerPartitionsMax) partitions"))
                continue
            }
            let newPartitions = (current..<request.count).map {
                TopicPartition(topic: topic.name, partition: PartitionID($0))
            }
            topic.replicas += lists
            topic.partitionCount = request.count
            image.topics[topic.name] = topic
            grown.append((topic, newPartitions))
            outcomes.append(.ok)
        }
        if !validateOnly, !grown.isEmpty {
            if let failure = await commit(image) { return (outcomes.map { $0.error == .noError ? failure : $0 }, []) }
            for (topic, partitions) in grown {
                do {
                    try await openReplicas(of: topic, partitions: partitions)
                } catch {
                    logger.error("cannot open new partitions", metadata: ["error": "\(error)"])
                }
            }
        }
        return (outcomes, grown.flatMap(\.1))
    }

    /// Applies incremental config changes to one topic (validated as a whole first).
    func alterTopicConfigs(_ name: String, _ changes: [ConfigChange], validateOnly: Bool) async -> TopicOutcome {
        await holdingController { await alterTopicConfigsHoldingController(name, changes, validateOnly: validateOnly) }
    }

    private func alterTopicConfigsHoldingController(
        _ name: String, _ changes: [ConfigChange], validateOnly: Bool
    ) async -> TopicOutcome {
        var image = await controller.image
        guard var topic = image.topics[name] else {
            return .refused(.unknownTopicOrPartition, "The topic '\(name)' does not exist.")
        }
        var configs = topic.configs
        for change in changes {
            guard TopicConfig.entry(named: change.name) != nil else {
                return .refused(.invalidConfig, "unknown topic config \(change.name)")
            }
            switch change.operation {
            case 0:
                configs[change.name] = change.value
            case 1:
                configs[change.name] = nil
            case 2, 3:
                guard change.name == "cleanup.policy" else {
                    return .refused(.invalidConfig, "\(change.name) is not a list; APPEND and SUBTRACT do not apply")
                }
                var list = Set((configs[change.name] ?? "delete").split(separator: ",").map(String.init))
                let items = (change.value ?? "").split(separator: ",").map(String.init)
                if change.operation == 2 { list.formUnion(items) } else { list.subtract(items) }
                configs[change.name] = list.sorted().joined(separator: ",")
            default:
                return .refused(.invalidRequest, "unknown config operation \(change.operation)")
            }
            if let value = configs[change.name], let problem = TopicConfig.problem(name: change.name, value: value) {
                return .refused(.invalidConfig, problem)
            }
        }
        if !validateOnly, configs != topic.configs {
            topic.configs = configs
            image.topics[name] = topic
            if let failure = await commit(image) { return failure }
            let logConfiguration = TopicConfig.logConfiguration(configs, broker: configuration)
            for partition in topic.partitions {
                _ = await replica(partition)?.reconfigure(logConfiguration)
            }
        }
        return .ok
    }
}
