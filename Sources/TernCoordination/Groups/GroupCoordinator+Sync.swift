public import TernModel
import TernWire

extension GroupCoordinator {
    /// SyncGroup (Kafka's `handleSyncGroup`). Checked like a heartbeat (UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID,
    /// ILLEGAL_GENERATION), then INCONSISTENT_GROUP_PROTOCOL for a protocol type or name (v5+) that is not the
    /// group's. PreparingRebalance answers REBALANCE_IN_PROGRESS; Stable answers with the member's assignment.
    /// CompletingRebalance parks the call; the leader's brings the assignment (members it leaves out get an empty
    /// one), which is stored first: the parked calls are answered once `persisted` reports the record committed.
    public mutating func sync(_ input: SyncGroupInput, pending: PendingID, now: TimestampMs) -> [GroupOutput] {
        precondition(outbox.isEmpty, "an earlier call left outputs behind")
        guard !input.groupID.isEmpty else {
            answerSync(pending, SyncGroupResult(error: .invalidGroupId))
            return drain()
        }
        guard var group = groups.removeValue(forKey: input.groupID) else {
            answerSync(pending, SyncGroupResult(error: .unknownMemberId))
            return drain()
        }
        syncGroup(&group, input, pending: pending, now: now)
        put(group)
        return drain()
    }

    private mutating func syncGroup(
        _ group: inout ConsumerGroup, _ input: SyncGroupInput, pending: PendingID, now: TimestampMs
    ) {
        if let error = syncError(group, input) {
            answerSync(pending, SyncGroupResult(error: error))
            return
        }
        switch group.state {
        case .empty, .dead:
            answerSync(pending, SyncGroupResult(error: .unknownMemberId))
        case .preparingRebalance:
            answerSync(pending, SyncGroupResult(error: .rebalanceInProgress))
        case .completingRebalance:
            parkSync(&group, input, pending: pending, now: now)
        case .stable:
            group.removePendingSync(input.memberID)
            guard let member = group.members[input.memberID] else { preconditionFailure("a valid member exists") }
            answerSync(pending, SyncGroupResult(
                error: .noError, protocolType: group.protocolType, protocolName: group.protocolName,
                assignment: member.assignment))
            group.updateMember(input.memberID) { $0.refreshSession(now: now) }
        }
    }

    private func syncError(_ group: ConsumerGroup, _ input: SyncGroupInput) -> ErrorCode? {
        if let error = memberError(group, memberID: input.memberID, groupInstanceID: input.groupInstanceID) {
            return error
        }
        if input.generation != group.generation { return .illegalGeneration }
        if let protocolType = input.protocolType, protocolType != group.protocolType {
            return .inconsistentGroupProtocol
        }
        if let protocolName = input.protocolName, protocolName != group.protocolName {
            return .inconsistentGroupProtocol
        }
        return nil
    }

    /// Parks a SyncGroup during CompletingRebalance; the leader's also stores the assignment.
    private mutating func parkSync(
        _ group: inout ConsumerGroup, _ input: SyncGroupInput, pending: PendingID, now: TimestampMs
    ) {
        if let superseded = group.takeParkedSync(of: input.memberID) {
            // A repeated SyncGroup replaces the earlier one (Kafka overwrites its callback); the earlier is
            // answered so every call gets exactly one answer.
            answerSync(superseded, SyncGroupResult(error: .rebalanceInProgress))
        }
        group.updateMember(input.memberID) { $0.parkedSync = pending }
        group.removePendingSync(input.memberID)
        guard group.leaderID == input.memberID else { return }
        // Exactly the members of the generation: entries for others are ignored, missing ones get nothing.
        var assignments: [String: [UInt8]] = [:]
        for memberID in group.memberOrder { assignments[memberID] = input.assignments[memberID] ?? [] }
        persist(group, now: now, purpose: .assignment(generation: group.generation, assignments: assignments),
                assignments: assignments)
    }

    /// The outcome of the leader's assignment record. Applied only if the group still waits for it (same
    /// generation, still CompletingRebalance); a member joining meanwhile already sent everyone back to rejoin.
    /// Committed: the group is Stable and the parked SyncGroups get their shares. Failed: they get the error and
    /// the group rebalances.
    mutating func assignmentPersisted(
        _ group: inout ConsumerGroup, generation: Int32, assignments: [String: [UInt8]], error: ErrorCode,
        now: TimestampMs
    ) {
        guard group.state == .completingRebalance, group.generation == generation else { return }
        guard error == .noError else {
            resetAndPropagateAssignmentError(&group, error, now: now)
            maybePrepareRebalance(&group, now: now)
            return
        }
        setAndPropagateAssignment(&group, assignments, now: now)
        group.transition(to: .stable, now: now)
    }
}
