public import TernModel
public import TernWire

/// What a `GroupPersist` with a token was for, so its outcome can be applied (Kafka's `storeGroup` callbacks).
struct PersistPurpose: Sendable {
    let groupID: String
    /// The group the record was for: a group of the same id made later ignores the outcome.
    let incarnation: UInt64
    let kind: Kind

    enum Kind: Sendable {
        /// The leader's SyncGroup for `generation`: the group turns Stable with `assignments` once it commits.
        case assignment(generation: Int32, assignments: [String: [UInt8]])
        /// A Stable group's static member under its new id: its JoinGroup is answered once it commits.
        case staticReplacement(StaticReplacement)
    }
}

extension GroupCoordinator {
    /// The outcome of a GroupPersist that carried a token (noError = the record committed). `error` is the
    /// append's error; it is mapped as Kafka's `storeGroup` maps it for the clients waiting (e.g. NOT_LEADER →
    /// NOT_COORDINATOR, NOT_ENOUGH_REPLICAS → COORDINATOR_NOT_AVAILABLE), so either the raw or an already mapped
    /// code may be passed. An unknown token (after `abandonAll`, or reported twice) is ignored.
    public mutating func persisted(_ token: UInt64, error: ErrorCode, now: TimestampMs) -> [GroupOutput] {
        precondition(outbox.isEmpty, "an earlier call left outputs behind")
        guard let purpose = persists.removeValue(forKey: token) else { return [] }
        guard var group = groups.removeValue(forKey: purpose.groupID) else { return [] }
        if group.incarnation == purpose.incarnation {
            let mapped = Self.groupStoreError(error)
            switch purpose.kind {
            case .assignment(let generation, let assignments):
                assignmentPersisted(&group, generation: generation, assignments: assignments, error: mapped, now: now)
            case .staticReplacement(let replacement):
                staticReplacementPersisted(&group, replacement, error: mapped, now: now)
            }
        }
        put(group)
        return drain()
    }

    /// The error clients get when a group record fails to append (Kafka's `storeGroup`): the retriable
    /// coordinator errors make them find the coordinator again, a timeout makes them rejoin.
    static func groupStoreError(_ error: ErrorCode) -> ErrorCode {
        if [.unknownTopicOrPartition, .notEnoughReplicas, .notEnoughReplicasAfterAppend].contains(error) {
            return .coordinatorNotAvailable
        }
        if [.notLeaderOrFollower, .kafkaStorageError].contains(error) { return .notCoordinator }
        if error == .requestTimedOut { return .rebalanceInProgress }
        if [.messageTooLarge, .recordListTooLarge, .invalidFetchSize].contains(error) { return .unknownServerError }
        return error
    }
}
