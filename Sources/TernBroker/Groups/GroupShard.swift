import DequeModule
import Logging
import Synchronization
import TernCoordination
import TernModel
import TernWire

/// The coordinator of the groups of one `__consumer_offsets` partition while this broker leads
/// it (ARCHITECTURE.md "Consumer groups and offsets"): the pure `GroupCoordinator`, the calls it
/// parked, and the queue of group records to append. Built from the partition's `OffsetsState`
/// when this broker starts serving as the partition's leader; dropped (every parked call
/// answered NOT_COORDINATOR) when leadership moves, so a stale coordinator never answers.
///
/// Heartbeats, joins and timers live here only; what a SyncGroup settles and every commit go
/// through the partition's Raft log.
final class GroupShard: Sendable {
    /// The partition index within `__consumer_offsets`.
    let partition: PartitionID
    /// The leader epoch this shard was built in: a different epoch means leadership moved.
    let epoch: Int32
    /// The partition's local replica (appends go through it).
    let replica: PartitionReplica
    /// The partition's applied state (offsets, stored groups).
    let offsets: OffsetsPartition
    let clock: BrokerClock
    let logger: Logger
    private let held: Mutex<Held>

    /// An answer to a parked call.
    enum Answer: Sendable {
        case join(JoinGroupResult)
        case sync(SyncGroupResult)
    }

    struct Held {
        var coordinator: GroupCoordinator
        var parked: [PendingID: CheckedContinuation<Answer?, Never>] = [:]
        var nextPending: UInt64 = 1
        /// Group records waiting to be appended, in the order the coordinator asked.
        var persists = Deque<GroupPersist>()
        var persisting = false
        /// Set once leadership moved: every call is refused.
        var closed = false
    }

    init(
        partition: PartitionID, epoch: Int32, replica: PartitionReplica, offsets: OffsetsPartition,
        configuration: GroupConfiguration, seed: UInt64, clock: BrokerClock, logger: Logger
    ) {
        self.clock = clock
        self.partition = partition
        self.epoch = epoch
        self.replica = replica
        self.offsets = offsets
        self.logger = logger
        let coordinator = GroupCoordinator(
            configuration: configuration, seed: seed, loaded: offsets.read(\.groups), now: clock.now())
        held = Mutex(Held(coordinator: coordinator))
    }

    var isClosed: Bool { held.withLock { $0.closed } }

    // MARK: - Calls that may park

    func join(_ input: JoinGroupInput, now: TimestampMs) async -> JoinGroupResult {
        let answer = await park { coordinator, pending in coordinator.join(input, pending: pending, now: now) }
        switch answer {
        case .join(let result): return result
        case .sync: preconditionFailure("a join answered as a sync")
        case nil: return JoinGroupResult(error: .notCoordinator, memberID: input.memberID)
        }
    }

    func sync(_ input: SyncGroupInput, now: TimestampMs) async -> SyncGroupResult {
        let answer = await park { coordinator, pending in coordinator.sync(input, pending: pending, now: now) }
        switch answer {
        case .sync(let result): return result
        case .join: preconditionFailure("a sync answered as a join")
        case nil: return SyncGroupResult(error: .notCoordinator)
        }
    }

    /// Registers a continuation under a new pending id, runs `body` and performs its outputs
    /// (which may answer this call at once). nil: the shard is closed (or full), or closed
    /// while the call was parked: NOT_COORDINATOR, and the client finds the new coordinator.
    private func park(
        _ body: @Sendable (inout GroupCoordinator, PendingID) -> [GroupOutput]
    ) async -> Answer? {
        await withCheckedContinuation { (continuation: CheckedContinuation<Answer?, Never>) in
            let outputs = held.withLock { held -> [GroupOutput]? in
                guard !held.closed, held.parked.count < Limits.groupParkedCallsMax else { return nil }
                let pending = PendingID(held.nextPending)
                held.nextPending += 1
                held.parked[pending] = continuation
                return body(&held.coordinator, pending)
            }
            guard let outputs else {
                continuation.resume(returning: nil)
                return
            }
            perform(outputs)
        }
    }

    // MARK: - Immediate calls

    func heartbeat(_ member: GroupMemberRef, now: TimestampMs) -> ErrorCode {
        held.withLock { held in held.closed ? .notCoordinator : held.coordinator.heartbeat(member, now: now) }
    }

    func leave(groupID: String, members: [LeavingMember], now: TimestampMs) -> LeaveGroupResult {
        let result = held.withLock { held -> LeaveGroupResult in
            guard !held.closed else {
                return LeaveGroupResult(error: .notCoordinator, members: members.map { _ in .notCoordinator }, outputs: [])
            }
            return held.coordinator.leave(groupID: groupID, members: members, now: now)
        }
        perform(result.outputs)
        return result
    }

    func validateCommit(_ member: GroupMemberRef, now: TimestampMs) -> ErrorCode {
        held.withLock { held in held.closed ? .notCoordinator : held.coordinator.validateCommit(member, now: now) }
    }

    func describe(_ groupID: String) -> GroupDescription? {
        held.withLock { $0.coordinator.describe(groupID) }
    }

    func listGroups() -> [GroupListing] {
        held.withLock { $0.coordinator.listGroups() }
    }

    func hasMembers(_ groupID: String) -> Bool {
        held.withLock { $0.coordinator.hasMembers(groupID) }
    }

    /// Removes a group from the coordinator. The caller writes the tombstones itself (with the
    /// offsets' ones, in one batch it waits for), so the coordinator's own tombstone is dropped.
    func delete(_ groupID: String, now: TimestampMs) -> ErrorCode {
        let (error, outputs) = held.withLock { held -> (ErrorCode, [GroupOutput]) in
            guard !held.closed else { return (.notCoordinator, []) }
            return held.coordinator.delete(groupID, now: now)
        }
        perform(outputs.filter { if case .persist(let p) = $0 { p.groupID != groupID || p.value != nil } else { true } })
        return error
    }

    func tick(now: TimestampMs) {
        let outputs = held.withLock { held -> [GroupOutput] in
            held.closed ? [] : held.coordinator.tick(now: now)
        }
        perform(outputs)
    }

    /// Leadership moved: refuse everything from now on and answer every parked call.
    func close() {
        let outputs = held.withLock { held -> [GroupOutput] in
            guard !held.closed else { return [] }
            held.closed = true
            return held.coordinator.abandonAll()
        }
        perform(outputs)
        // Anything the coordinator did not answer (it should have answered all) gets NOT_COORDINATOR.
        let rest = held.withLock { held -> [CheckedContinuation<Answer?, Never>] in
            defer { held.parked = [:] }
            return Array(held.parked.values)
        }
        for continuation in rest { continuation.resume(returning: nil) }
    }

    // MARK: - Outputs

    /// Answers parked calls and queues group records.
    func perform(_ outputs: [GroupOutput]) {
        var answers: [(CheckedContinuation<Answer?, Never>, Answer)] = []
        var queued = false
        held.withLock { held in
            for output in outputs {
                switch output {
                case .join(let pending, let result):
                    if let continuation = held.parked.removeValue(forKey: pending) { answers.append((continuation, .join(result))) }
                case .sync(let pending, let result):
                    if let continuation = held.parked.removeValue(forKey: pending) { answers.append((continuation, .sync(result))) }
                case .persist(let persist):
                    held.persists.append(persist)
                    queued = true
                }
            }
        }
        for (continuation, answer) in answers { continuation.resume(returning: answer) }
        if queued { drainPersists() }
    }

    /// Appends queued group records, one batch per round (single flight, so records of a group
    /// reach the log in the order the coordinator produced them), and reports each token's fate.
    private func drainPersists() {
        let start = held.withLock { held -> Bool in
            guard !held.persisting, !held.persists.isEmpty else { return false }
            held.persisting = true
            return true
        }
        guard start else { return }
        Task {
            // Bounded: each round takes what is queued; it ends when the queue is empty.
            while true {
                let batch = held.withLock { held -> [GroupPersist] in
                    let taken = Array(held.persists.prefix(Limits.offsetsRecordsPerBatchMax))
                    held.persists.removeFirst(taken.count)
                    if taken.isEmpty { held.persisting = false }
                    return taken
                }
                if batch.isEmpty { return }
                let records = batch.map { OffsetsRecord.groupMetadata(group: $0.groupID, $0.value) }
                let error = await GroupShard.append(records, to: replica, clock: clock)
                if error != .noError {
                    logger.warning(
                        "group records were not committed",
                        metadata: ["partition": "\(partition)", "error": "\(error)", "groups": "\(batch.map(\.groupID))"])
                }
                let tokens = batch.compactMap(\.token)
                guard !tokens.isEmpty else { continue }
                let now = clock.now()
                let outputs = held.withLock { held -> [GroupOutput] in
                    guard !held.closed else { return [] }
                    return tokens.flatMap { held.coordinator.persisted($0, error: error, now: now) }
                }
                perform(outputs)
            }
        }
    }

    /// Appends `records` in batches of at most `Limits.offsetsRecordsPerBatchMax`, each waited
    /// for; stops at the first failure.
    /// - Returns: noError, or the first batch's error as `append` maps it; a batch too large
    ///   for the partition answers `tooLarge` (Kafka: INVALID_COMMIT_OFFSET_SIZE for commits,
    ///   UNKNOWN_SERVER_ERROR for group records).
    func appendAll(_ records: [OffsetsRecord], tooLarge: ErrorCode = .unknownServerError) async -> ErrorCode {
        var start = 0
        // Bounded: one round per batch.
        while start < records.count {
            let end = min(records.count, start + Limits.offsetsRecordsPerBatchMax)
            let error = await Self.append(Array(records[start..<end]), to: replica, clock: clock, tooLarge: tooLarge)
            guard error == .noError else { return error }
            start = end
        }
        return .noError
    }

    /// Appends `records` as one batch to the partition and waits for the Raft commit.
    /// - Returns: noError, or the error a group call answers with (NOT_COORDINATOR when this
    ///   replica no longer leads, COORDINATOR_NOT_AVAILABLE when the commit did not happen in time).
    static func append(
        _ records: [OffsetsRecord], to replica: PartitionReplica, clock: BrokerClock,
        tooLarge: ErrorCode = .unknownServerError
    ) async -> ErrorCode {
        let batch = OffsetsBatch.batch(records, timestamp: clock.now())
        switch await replica.produce(batch, acks: .all, timeoutMs: Self.commitTimeoutMs) {
        case .appended: return .noError
        case .failed(let error): return Self.coordinatorError(error, tooLarge: tooLarge)
        }
    }

    /// How long a commit may take (Kafka's `offsets.commit.timeout.ms`).
    static let commitTimeoutMs: Int32 = 5_000

    /// Kafka's mapping of a failed offsets append to the error a group client understands
    /// (GroupMetadataManager): leadership errors become NOT_COORDINATOR, the rest
    /// COORDINATOR_NOT_AVAILABLE, so the client looks the coordinator up again and retries.
    static func coordinatorError(_ error: ErrorCode, tooLarge: ErrorCode = .unknownServerError) -> ErrorCode {
        switch error {
        case .notLeaderOrFollower, .unknownTopicOrPartition, .kafkaStorageError: .notCoordinator
        case .messageTooLarge, .recordListTooLarge, .invalidFetchSize: tooLarge
        default: .coordinatorNotAvailable
        }
    }
}

