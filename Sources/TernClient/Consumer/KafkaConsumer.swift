import DequeModule
public import Logging
public import NIOCore
public import NIOPosix
import TernModel
import TernWire

/// Reads records from a Kafka-protocol cluster, as a member of a consumer group (the classic
/// protocol: JoinGroup, SyncGroup, Heartbeat; range and round-robin assignors) or from
/// partitions it was assigned.
///
/// ```swift
/// let consumer = try KafkaConsumer(configuration: ConsumerConfiguration(
///     client: ClientConfiguration(bootstrap: [BrokerAddress(host: "127.0.0.1", port: 9092)]), groupID: "audit"))
/// try await consumer.subscribe(to: ["events"])
/// for try await record in consumer.records {
///     print(record.offset, record.valueString ?? "null")
/// }
/// ```
///
/// Rebalances happen inside `poll` (and so inside the `records` sequence): a member that must
/// rejoin commits its positions (auto-commit), reports the revoked partitions on `events`,
/// joins, and reports the new assignment. Heartbeats run in the background.
public actor KafkaConsumer {
    public nonisolated let configuration: ConsumerConfiguration
    public nonisolated let cluster: KafkaCluster
    let logger: Logger
    /// Rebalance notifications (the newest 100 are kept if nobody reads them).
    public nonisolated let events: AsyncStream<RebalanceEvent>
    private let eventSink: AsyncStream<RebalanceEvent>.Continuation

    private var subscription: [String] = []
    private(set) var assignment: [TopicPartition] = []
    private var positions: [TopicPartition: Int64] = [:]
    private var paused: Set<TopicPartition> = []
    private var buffered = Deque<ConsumerRecord>()
    /// Bumped whenever positions change by other means than consuming (assignment, seek), so a
    /// fetch answer that was asked for before is dropped.
    private var positionEpoch: UInt64 = 0
    private var lastCommitted: [TopicPartition: Int64] = [:]
    private var lastAutoCommit = ContinuousClock.now
    private var isClosed = false

    // Group membership.
    var memberID = ""
    var generation: Int32 = -1
    var coordinator: NodeID?
    var needsJoin = false
    private var heartbeatTask: Task<Void, Never>?

    /// - Throws: `.invalidArgument` for settings that cannot work (no assignor with a group, a
    ///   heartbeat interval not below the session timeout).
    public init(
        configuration: ConsumerConfiguration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "tern.consumer")
    ) throws(ClientError) {
        if configuration.groupID != nil && configuration.assignors.isEmpty {
            throw ClientError(.invalidArgument, "a group member needs at least one assignor")
        }
        if configuration.heartbeatInterval >= configuration.sessionTimeout {
            throw ClientError(.invalidArgument, "the heartbeat interval must be below the session timeout")
        }
        guard configuration.maxPollRecords > 0 else { throw ClientError(.invalidArgument, "maxPollRecords must be positive") }
        self.configuration = configuration
        self.cluster = KafkaCluster(configuration: configuration.client, group: group, logger: logger)
        self.logger = logger
        (events, eventSink) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(100))
    }

    // MARK: - What to read

    /// Joins the group for `topics`; the partitions come from the group's assignment.
    public func subscribe(to topics: [String]) throws(ClientError) {
        guard configuration.groupID != nil else {
            throw ClientError(.invalidArgument, "subscribe needs a group id; use assign without one")
        }
        guard !topics.isEmpty else { throw ClientError(.invalidArgument, "subscribe to at least one topic") }
        subscription = Array(Set(topics)).sorted()
        needsJoin = true
    }

    /// Reads exactly `partitions` (no group membership; commits, with a group id, are a simple
    /// consumer's: generation -1).
    public func assign(_ partitions: [TopicPartition]) async throws(ClientError) {
        guard subscription.isEmpty else { throw ClientError(.invalidArgument, "this consumer is subscribed; it cannot also assign") }
        try await adopt(partitions)
    }

    /// The partitions read now.
    public var assigned: [TopicPartition] { assignment }

    /// The next offset `partition` will be read from, if known.
    public func position(of partition: TopicPartition) -> Int64? { positions[partition] }

    /// Moves `partition`'s position.
    public func seek(_ partition: TopicPartition, to position: SeekPosition) async throws(ClientError) {
        guard assignment.contains(partition) else {
            throw ClientError(.invalidArgument, "\(partition) is not assigned to this consumer")
        }
        let offset = try await resolve(position, for: partition)
        positions[partition] = offset
        buffered.removeAll { $0.topicPartition == partition }
        positionEpoch += 1
    }

    /// Stops fetching `partitions` until `resume` (their records already buffered are dropped).
    public func pause(_ partitions: [TopicPartition]) {
        paused.formUnion(partitions)
        buffered.removeAll { paused.contains($0.topicPartition) }
        positionEpoch += 1
    }

    public func resume(_ partitions: [TopicPartition]) { paused.subtract(partitions) }

    // MARK: - Reading

    /// The next records (at most `maxPollRecords`), waiting up to about `fetchMaxWait` for some;
    /// empty when none arrived. Rebalances happen here.
    public func poll() async throws(ClientError) -> [ConsumerRecord] {
        if isClosed { throw ClientError(.closed, "the consumer was closed") }
        if needsJoin { try await rejoin() }
        try await autoCommitIfDue()
        if buffered.isEmpty { try await fetchOnce() }
        var taken: [ConsumerRecord] = []
        while taken.count < configuration.maxPollRecords, let record = buffered.popFirst() {
            taken.append(record)
        }
        return taken
    }

    /// Every record, as an async sequence (it ends when the consumer is closed).
    public nonisolated var records: ConsumerRecords { ConsumerRecords(consumer: self) }

    // MARK: - Commits

    /// Commits the current positions of every assigned partition and waits for the answer.
    public func commit() async throws(ClientError) {
        var offsets: [TopicPartition: Int64] = [:]
        for partition in assignment { if let position = positions[partition] { offsets[partition] = position } }
        try await commit(offsets)
    }

    /// Commits `offsets` (the next offset to read, per partition).
    public func commit(_ offsets: [TopicPartition: Int64]) async throws(ClientError) {
        guard let groupID = configuration.groupID else {
            throw ClientError(.invalidArgument, "commits need a group id")
        }
        let changed = offsets.filter { lastCommitted[$0.key] != $0.value }
        guard !changed.isEmpty else { return }
        let isMember = !subscription.isEmpty
        let request = OffsetCommitRequest.committing(
            changed, group: groupID, generation: isMember ? generation : -1, memberID: isMember ? memberID : "")
        let response = try await callCoordinator(request, what: "OffsetCommit")
        var failures: [String] = []
        for topic in response.topics {
            for partition in topic.partitions {
                let code = ErrorCode(rawValue: partition.errorCode)
                let key = TopicPartition(topic.name, partition.partitionIndex)
                if code == .noError {
                    if let offset = changed[key] { lastCommitted[key] = offset }
                } else {
                    failures.append("\(key): \(code)")
                    if code == .rebalanceInProgress || code == .illegalGeneration || code == .unknownMemberId {
                        needsJoin = true
                    }
                    if code == .notCoordinator || code == .coordinatorNotAvailable { coordinator = nil }
                }
            }
        }
        if let first = response.topics.lazy.flatMap(\.partitions).first(where: { $0.errorCode != 0 }) {
            throw ClientError(
                .broker(ErrorCode(rawValue: first.errorCode)), "OffsetCommit for group \(groupID): \(failures.joined(separator: ", "))")
        }
    }

    /// The committed offsets of `partitions` for this consumer's group (-1: none).
    public func committed(_ partitions: [TopicPartition]) async throws(ClientError) -> [TopicPartition: Int64] {
        guard let groupID = configuration.groupID else { throw ClientError(.invalidArgument, "committed offsets need a group id") }
        var request = OffsetFetchRequest()
        request.groupId = groupID
        var byTopic: [String: [Int32]] = [:]
        for partition in partitions { byTopic[partition.topic, default: []].append(partition.partition) }
        request.topics = byTopic.sorted { $0.key < $1.key }.map { name, indexes in
            var topic = OffsetFetchRequest.OffsetFetchRequestTopic()
            topic.name = name
            topic.partitionIndexes = indexes.sorted()
            return topic
        }
        let response = try await callCoordinator(request, what: "OffsetFetch", versionMax: 7)
        if response.errorCode != 0 {
            throw ClientError(.broker(ErrorCode(rawValue: response.errorCode)), "OffsetFetch for group \(groupID)")
        }
        var result: [TopicPartition: Int64] = [:]
        for topic in response.topics {
            for partition in topic.partitions {
                guard partition.errorCode == 0 else {
                    throw ClientError(
                        .broker(ErrorCode(rawValue: partition.errorCode)),
                        "OffsetFetch \(topic.name)-\(partition.partitionIndex) for group \(groupID)")
                }
                result[TopicPartition(topic.name, partition.partitionIndex)] = partition.committedOffset
            }
        }
        return result
    }

    // MARK: - Closing

    /// Commits (auto-commit), leaves the group and closes the connections.
    public func close() async {
        guard !isClosed else { return }
        if configuration.autoCommit, configuration.groupID != nil, !assignment.isEmpty { try? await commit() }
        heartbeatTask?.cancel()
        heartbeatTask = nil
        if !subscription.isEmpty, !memberID.isEmpty { await leaveGroup() }
        isClosed = true
        eventSink.finish()
        await cluster.close()
    }

    var closed: Bool { isClosed }

    /// The subscribed topics (empty: assign mode).
    var subscriptionTopics: [String] { subscription }

    // MARK: - Internals shared with the group and fetch extensions

    /// Takes `partitions` as the assignment: positions from the committed offsets (with a group)
    /// or the reset policy.
    func adopt(_ partitions: [TopicPartition]) async throws(ClientError) {
        let revoked = assignment.filter { !partitions.contains($0) }
        for partition in revoked { positions[partition] = nil }
        assignment = partitions.sorted()
        paused.formIntersection(partitions)
        buffered.removeAll()
        positionEpoch += 1
        var committed: [TopicPartition: Int64] = [:]
        let missing = partitions.filter { positions[$0] == nil }
        if configuration.groupID != nil, !missing.isEmpty { committed = try await self.committed(missing) }
        for partition in missing {
            if let offset = committed[partition], offset >= 0 {
                positions[partition] = offset
                lastCommitted[partition] = offset
            } else {
                switch configuration.offsetReset {
                case .earliest: positions[partition] = try await resolve(.beginning, for: partition)
                case .latest: positions[partition] = try await resolve(.end, for: partition)
                case .none:
                    throw ClientError(.invalidArgument, "\(partition) has no committed offset and the reset policy is none")
                }
            }
        }
    }

    func revokeAll() async {
        guard !assignment.isEmpty else { return }
        if configuration.autoCommit, configuration.groupID != nil { try? await commit() }
        eventSink.yield(.revoked(assignment))
        assignment = []
        positions = [:]
        buffered.removeAll()
        positionEpoch += 1
    }

    func announce(_ event: RebalanceEvent) { eventSink.yield(event) }

    func startHeartbeats() {
        heartbeatTask?.cancel()
        let interval = configuration.heartbeatInterval
        heartbeatTask = Task { [weak self] in
            // Bounded by cancellation (close, rejoin).
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard !Task.isCancelled, let self else { return }
                await self.heartbeat()
            }
        }
    }

    private func autoCommitIfDue() async throws(ClientError) {
        guard configuration.autoCommit, configuration.groupID != nil, !assignment.isEmpty else { return }
        guard ContinuousClock.now - lastAutoCommit >= configuration.autoCommitInterval else { return }
        lastAutoCommit = .now
        do throws(ClientError) {
            try await commit()
        } catch {
            logger.warning("auto-commit failed", metadata: ["error": "\(error)"])
        }
    }

    /// Applies one fetch answer if the positions it was asked at are still current.
    func deliver(_ records: [ConsumerRecord], next: [TopicPartition: Int64], askedAt epoch: UInt64) {
        guard epoch == positionEpoch else { return }
        for record in records {
            let partition = record.topicPartition
            guard assignment.contains(partition), !paused.contains(partition) else { continue }
            buffered.append(record)
        }
        for (partition, offset) in next where assignment.contains(partition) { positions[partition] = offset }
    }

    /// The partitions to fetch now, with their positions, and the epoch they belong to.
    func fetchable() -> (partitions: [TopicPartition: Int64], epoch: UInt64) {
        var result: [TopicPartition: Int64] = [:]
        for partition in assignment where !paused.contains(partition) {
            if let position = positions[partition] { result[partition] = position }
        }
        return (result, positionEpoch)
    }

    func resetPosition(_ partition: TopicPartition) async {
        let policy: SeekPosition = configuration.offsetReset == .earliest ? .beginning : .end
        if let offset = try? await resolve(policy, for: partition) {
            positions[partition] = offset
            positionEpoch += 1
        }
    }
}

/// A consumer's records as an async sequence: each step polls until a record comes; the
/// sequence ends when the consumer is closed, and throws what `poll` throws otherwise.
public struct ConsumerRecords: AsyncSequence, Sendable {
    public typealias Element = ConsumerRecord
    let consumer: KafkaConsumer

    public struct AsyncIterator: AsyncIteratorProtocol {
        let consumer: KafkaConsumer
        var pending = Deque<ConsumerRecord>()

        public mutating func next() async throws -> ConsumerRecord? {
            // Bounded by cancellation and by the consumer closing.
            while pending.isEmpty {
                if Task.isCancelled { return nil }
                if await consumer.closed { return nil }
                do throws(ClientError) {
                    pending.append(contentsOf: try await consumer.poll())
                } catch {
                    if error.kind == .closed { return nil }
                    throw error
                }
            }
            return pending.popFirst()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(consumer: consumer) }
}
