import Foundation
import Logging
import NIOPosix
import Synchronization
import TernController
import TernLog
import TernModel
import TernWire

/// One config override of a topic to create; a nil value means "the default".
struct TopicConfigOverride: Sendable, Codable {
    var name: String
    var value: String?
}

/// A topic to create, as CreateTopics (or auto-creation) asks for it.
struct TopicCreation: Sendable, Codable {
    var name: String
    /// -1: the broker default.
    var partitions: Int32
    /// -1: the broker default.
    var replicationFactor: Int16
    /// Explicit replica lists per partition, or empty.
    var assignments: [[Int32]]
    var configs: [TopicConfigOverride]
}

/// A topic to grow (CreatePartitions).
struct PartitionGrowth: Sendable, Codable {
    var name: String
    var count: Int32
    var assignments: [[Int32]]?
}

/// The outcome of one topic of an admin request.
struct TopicOutcome: Error, Sendable, Codable {
    var error: ErrorCode
    var message: String?
    /// The topic as created or changed (for CreateTopics v5+ answers).
    var topic: TopicMetadata?

    static let ok = TopicOutcome(error: .noError, message: nil, topic: nil)
    static func refused(_ error: ErrorCode, _ message: String) -> TopicOutcome {
        TopicOutcome(error: error, message: message, topic: nil)
    }

    init(error: ErrorCode, message: String?, topic: TopicMetadata?) {
        self.error = error
        self.message = message
        self.topic = topic
    }

    private enum CodingKeys: String, CodingKey { case error, message, topic }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        error = ErrorCode(rawValue: try container.decode(Int16.self, forKey: .error))
        message = try container.decodeIfPresent(String.self, forKey: .message)
        topic = try container.decodeIfPresent(TopicMetadata.self, forKey: .topic)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(error.rawValue, forKey: .error)
        try container.encodeIfPresent(message, forKey: .message)
        try container.encodeIfPresent(topic, forKey: .topic)
    }
}

/// A requested change of a topic's configs (IncrementalAlterConfigs).
struct ConfigChange: Sendable, Codable {
    /// 0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT (Kafka's `OpType`).
    var operation: Int8
    var name: String
    var value: String?
}

extension Broker {
    // MARK: - The receiving broker's side (any broker): forward, then wait for the result here

    /// Creates topics through the controller leader, then waits (bounded by `timeoutMs`) until
    /// this broker's metadata has them and their partitions have leaders, as Kafka's
    /// CreateTopics does before answering.
    func createTopics(_ creations: [TopicCreation], validateOnly: Bool, timeoutMs: Int32) async -> [TopicOutcome] {
        let reply = await submitAdmin(.createTopics(creations, validateOnly: validateOnly), timeoutMs: timeoutMs)
        guard reply.error == 0 else { return creations.map { _ in reply.refusal } }
        if !validateOnly {
            await awaitImage(reply.offset, timeoutMs: timeoutMs)
            let created = reply.outcomes.compactMap { $0.error == .noError ? $0.topic : nil }
            await awaitLeaders(created.flatMap(\.partitions), timeoutMs: timeoutMs)
        }
        return reply.outcomes
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

    /// Deletes topics by name through the controller leader; answers once this broker's metadata
    /// no longer has them.
    func deleteTopics(named names: [String]) async -> [TopicOutcome] {
        let reply = await submitAdmin(.deleteTopics(names), timeoutMs: 30_000)
        guard reply.error == 0 else { return names.map { _ in reply.refusal } }
        await awaitImage(reply.offset, timeoutMs: 30_000)
        // Answer once this broker's replicas of the deleted topics are closed and their files
        // gone (bounded), so a re-created topic of the same name starts empty.
        let deleted = reply.outcomes.compactMap { $0.error == .noError ? $0.topic : nil }.flatMap(\.partitions)
        let deadline = clock.now().advanced(by: 30_000)
        while clock.now() < deadline, !Task.isCancelled {
            let remaining = deleted.contains { replica($0) != nil || FileManager.default.fileExists(atPath: directory(of: $0)) }
            if !remaining { break }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return reply.outcomes
    }

    /// Grows topics (CreatePartitions) through the controller leader.
    func createPartitions(_ requests: [PartitionGrowth], validateOnly: Bool) async -> [TopicOutcome] {
        let reply = await submitAdmin(.createPartitions(requests, validateOnly: validateOnly), timeoutMs: 30_000)
        guard reply.error == 0 else { return requests.map { _ in reply.refusal } }
        if !validateOnly {
            await awaitImage(reply.offset, timeoutMs: 30_000)
            let image = state.withLock { $0.image }
            let grown = zip(requests, reply.outcomes).filter { $0.1.error == .noError }.flatMap { request, _ in
                image.topics[request.name]?.partitions ?? []
            }
            await awaitLeaders(grown, timeoutMs: 10_000)
        }
        return reply.outcomes
    }

    /// Applies incremental config changes to one topic through the controller leader.
    func alterTopicConfigs(_ name: String, _ changes: [ConfigChange], validateOnly: Bool) async -> TopicOutcome {
        let reply = await submitAdmin(.alterConfigs(name, changes, validateOnly: validateOnly), timeoutMs: 30_000)
        guard reply.error == 0 else { return reply.refusal }
        await awaitImage(reply.offset, timeoutMs: 30_000)
        return reply.outcomes.first ?? .ok
    }

    /// Waits (polling, bounded) until this broker has applied the controller log through `offset`.
    func awaitImage(_ offset: Int64, timeoutMs: Int32) async {
        guard offset >= 0 else { return }
        let deadline = clock.now().advanced(by: Int64(max(1_000, min(timeoutMs, 60_000))))
        // Bounded by the deadline.
        while clock.now() < deadline, !Task.isCancelled {
            if state.withLock({ $0.image.appliedOffset >= offset }) { return }
            do {
                try await Task.sleep(for: .milliseconds(5))
            } catch {
                return
            }
        }
    }

    // MARK: - The controller leader's side: validate against the image, propose, answer

    /// The brokers that can hold new replicas (alive, as the controller sees them).
    func placementBrokers() -> [Int32] { liveBrokerIDs(now: clock.now()) }

    func createTopicsAsController(_ creations: [TopicCreation], validateOnly: Bool) async -> AdminReply {
        await holdingController {
            var image = state.withLock { $0.image }
            let brokers = placementBrokers()
            var outcomes: [TopicOutcome] = []
            var created: [TopicMetadata] = []
            let repeated = Self.repeated(creations.map(\.name))
            for creation in creations {
                if repeated.contains(creation.name) {
                    outcomes.append(.refused(.invalidRequest, "Duplicate topic name \(creation.name) in the request"))
                    continue
                }
                switch validate(creation, in: image, brokers: brokers) {
                case .failure(let refusal):
                    outcomes.append(refusal)
                case .success(let topic):
                    outcomes.append(TopicOutcome(error: .noError, message: nil, topic: topic))
                    image.topics[topic.name] = topic
                    created.append(topic)
                }
            }
            guard !validateOnly, !created.isEmpty else { return AdminReply(outcomes: outcomes) }
            return await proposing([.createTopics(created)], outcomes)
        }
    }

    func deleteTopicsAsController(_ names: [String]) async -> AdminReply {
        await holdingController {
            let image = state.withLock { $0.image }
            var outcomes: [TopicOutcome] = []
            var removed: [String] = []
            for name in names {
                guard let topic = image.topics[name] else {
                    outcomes.append(.refused(.unknownTopicOrPartition, "This server does not host this topic."))
                    continue
                }
                guard name != Self.offsetsTopic else {
                    outcomes.append(.refused(.invalidTopicException, "The internal topic \(name) holds the groups' offsets and cannot be deleted."))
                    continue
                }
                removed.append(name)
                outcomes.append(TopicOutcome(error: .noError, message: nil, topic: topic))
            }
            guard !removed.isEmpty else { return AdminReply(outcomes: outcomes) }
            return await proposing([.deleteTopics(removed)], outcomes)
        }
    }

    func createPartitionsAsController(_ requests: [PartitionGrowth], validateOnly: Bool) async -> AdminReply {
        await holdingController {
            var image = state.withLock { $0.image }
            let brokers = placementBrokers()
            var outcomes: [TopicOutcome] = []
            var commands: [ControllerCommand] = []
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
                let factor = Int(topic.replicationFactor)
                let lists: [[Int32]]
                if let assignments = request.assignments {
                    let valid = assignments.count == added
                        && assignments.allSatisfy {
                            $0.count == factor && Set($0).count == $0.count && $0.allSatisfy(brokers.contains)
                        }
                    guard valid else {
                        outcomes.append(.refused(.invalidReplicaAssignment, "Invalid replica assignment \(assignments)"))
                        continue
                    }
                    lists = assignments
                } else {
                    guard factor <= brokers.count else {
                        outcomes.append(.refused(.invalidReplicationFactor, Self.factorMessage(factor, brokers.count)))
                        continue
                    }
                    lists = ReplicaAssignment.assign(partitions: added, factor: factor, brokers: brokers, existing: image)
                }
                guard image.partitionCount + added <= Limits.brokerPartitionsMax else {
                    outcomes.append(.refused(.policyViolation, "Tern holds at most \(Limits.brokerPartitionsMax) partitions"))
                    continue
                }
                topic.replicas += lists
                topic.partitionCount = request.count
                image.topics[topic.name] = topic
                commands.append(.addPartitions(topic: topic.name, replicas: lists))
                outcomes.append(.ok)
            }
            guard !validateOnly, !commands.isEmpty else { return AdminReply(outcomes: outcomes) }
            return await proposing(commands, outcomes)
        }
    }

    func alterTopicConfigsAsController(_ name: String, _ changes: [ConfigChange], validateOnly: Bool) async -> AdminReply {
        await holdingController {
            let image = state.withLock { $0.image }
            guard let topic = image.topics[name] else {
                return AdminReply(outcomes: [.refused(.unknownTopicOrPartition, "The topic '\(name)' does not exist.")])
            }
            var configs = topic.configs
            for change in changes {
                guard TopicConfig.entry(named: change.name) != nil else {
                    return AdminReply(outcomes: [.refused(.invalidConfig, "unknown topic config \(change.name)")])
                }
                switch change.operation {
                case 0:
                    configs[change.name] = change.value
                case 1:
                    configs[change.name] = nil
                case 2, 3:
                    guard change.name == "cleanup.policy" else {
                        return AdminReply(outcomes: [
                            .refused(.invalidConfig, "\(change.name) is not a list; APPEND and SUBTRACT do not apply")
                        ])
                    }
                    var list = Set((configs[change.name] ?? "delete").split(separator: ",").map(String.init))
                    let items = (change.value ?? "").split(separator: ",").map(String.init)
                    if change.operation == 2 { list.formUnion(items) } else { list.subtract(items) }
                    configs[change.name] = list.sorted().joined(separator: ",")
                default:
                    return AdminReply(outcomes: [.refused(.invalidRequest, "unknown config operation \(change.operation)")])
                }
                if let value = configs[change.name], let problem = TopicConfig.problem(name: change.name, value: value) {
                    return AdminReply(outcomes: [.refused(.invalidConfig, problem)])
                }
            }
            guard !validateOnly, configs != topic.configs else { return AdminReply(outcomes: [.ok]) }
            return await proposing([.setTopicConfigs(topic: name, configs: configs)], [.ok])
        }
    }

    /// Proposes `commands`; the reply carries `outcomes` and the committed offset, or the error
    /// for every topic that was to change.
    private func proposing(_ commands: [ControllerCommand], _ outcomes: [TopicOutcome]) async -> AdminReply {
        switch await proposeToController(commands) {
        case .success(let offset):
            return AdminReply(outcomes: outcomes, offset: offset)
        case .failure(let error):
            if error == .notController { return AdminReply(error: error.rawValue) }
            let failure = TopicOutcome.refused(error, "the metadata change was not committed: \(error)")
            return AdminReply(outcomes: outcomes.map { $0.error == .noError ? failure : $0 })
        }
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

    static func factorMessage(_ factor: Int, _ brokers: Int) -> String {
        "Unable to replicate the partition \(factor) time(s): The target replication factor of \(factor) cannot be reached because only \(brokers) broker(s) are registered."
    }

    /// Kafka's CreateTopics checks, in Kafka's order, against `image` and the live `brokers`.
    private func validate(
        _ creation: TopicCreation, in image: MetadataImage, brokers: [Int32]
    ) -> Result<TopicMetadata, TopicOutcome> {
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
            let registered = Set(image.brokers.keys).union(brokers)
            for list in replicas {
                guard !list.isEmpty, list.count == factor, Set(list).count == list.count,
                    list.allSatisfy(registered.contains)
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
            guard Int(factor) <= brokers.count else {
                return .failure(.refused(.invalidReplicationFactor, Self.factorMessage(Int(factor), brokers.count)))
            }
            guard Int(partitions) <= Limits.brokerPartitionsMax else {
                return .failure(.refused(.policyViolation, "Tern holds at most \(Limits.brokerPartitionsMax) partitions"))
            }
            replicas = ReplicaAssignment.assign(
                partitions: Int(partitions), factor: Int(factor), brokers: brokers, existing: image)
        }
        guard image.partitionCount + replicas.count <= Limits.brokerPartitionsMax else {
            return .failure(.refused(.policyViolation, "Tern holds at most \(Limits.brokerPartitionsMax) partitions"))
        }
        guard image.topics.count < Limits.brokerTopicsMax else {
            return .failure(.refused(.policyViolation, "Tern holds at most \(Limits.brokerTopicsMax) topics"))
        }
        var configs: [String: String] = [:]
        for override in creation.configs {
            if let problem = TopicConfig.problem(name: override.name, value: override.value) {
                return .failure(.refused(.invalidConfig, problem))
            }
            configs[override.name] = override.value
        }
        let topic = TopicMetadata(
            name: name, idHigh: nextNonZeroRandom(), idLow: nextRandom(), partitionCount: Int32(replicas.count),
            replicationFactor: Int16(replicas[0].count), replicas: replicas, configs: configs,
            isInternal: name.hasPrefix("__"))
        return .success(topic)
    }

    /// A random value that is not zero (topic ids must not be Kafka's ZERO_UUID).
    private func nextNonZeroRandom() -> UInt64 {
        let value = nextRandom()
        return value == 0 ? 1 : value
    }
}
