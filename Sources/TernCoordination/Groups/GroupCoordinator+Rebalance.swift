import TernModel
import TernWire

extension GroupCoordinator {
    /// Starts a join phase unless one runs (Kafka's `maybePrepareRebalance`).
    mutating func maybePrepareRebalance(_ group: inout ConsumerGroup, now: TimestampMs) {
        guard GroupState.preparingRebalance.validPreviousStates.contains(group.state) else { return }
        prepareRebalance(&group, now: now)
    }

    /// Enters PreparingRebalance (Kafka's `prepareRebalance`): parked SyncGroups are sent back to rejoin, and the
    /// join phase gets its timer: from Empty the initial delay, else the longest rebalance timeout.
    mutating func prepareRebalance(_ group: inout ConsumerGroup, now: TimestampMs) {
        if group.state == .completingRebalance {
            resetAndPropagateAssignmentError(&group, .rebalanceInProgress, now: now)
        }
        group.clearPendingSync()
        let rebalanceTimeoutMs = group.rebalanceTimeoutMs
        let delayMs = configuration.initialRebalanceDelayMs
        if group.state == .empty && delayMs > 0 {
            group.joinTimer = .initialDelay(
                deadline: now.advanced(by: delayMs), delayMs: delayMs,
                remainingMs: max(rebalanceTimeoutMs - delayMs, 0))
        } else {
            group.joinTimer = .rebalance(deadline: now.advanced(by: rebalanceTimeoutMs))
        }
        group.transition(to: .preparingRebalance, now: now)
        tryCompleteJoin(&group, now: now)
    }

    /// Completes the join phase if nobody is left to wait for (Kafka's `tryCompleteJoin`). The initial delay
    /// never completes early: waiting for members nobody knows of yet is its point.
    mutating func tryCompleteJoin(_ group: inout ConsumerGroup, now: TimestampMs) {
        guard group.state == .preparingRebalance, case .rebalance = group.joinTimer else { return }
        guard group.hasAllMembersJoined else { return }
        completeJoin(&group, now: now)
    }

    /// The initial delay ran out: extend it once more if a member joined meanwhile and the rebalance timeout
    /// allows, else complete the join phase (Kafka's `InitialDelayedJoin.onComplete`).
    mutating func initialDelayExpired(_ group: inout ConsumerGroup, delayMs: Int64, remainingMs: Int64, now: TimestampMs) {
        precondition(group.state == .preparingRebalance, "the initial delay runs while preparing")
        guard group.newMemberAdded && remainingMs != 0 else {
            completeJoin(&group, now: now)
            return
        }
        group.newMemberAdded = false
        let nextDelayMs = min(configuration.initialRebalanceDelayMs, remainingMs)
        group.joinTimer = .initialDelay(
            deadline: now.advanced(by: nextDelayMs), delayMs: nextDelayMs, remainingMs: max(remainingMs - delayMs, 0))
    }

    /// Ends the join phase (Kafka's `onCompleteJoin`). Dynamic members that did not rejoin are dropped; static
    /// ones stay (their session decides). With nobody rejoined but static members left, the phase waits another
    /// rebalance timeout. Then the generation advances: to CompletingRebalance with a protocol and every parked
    /// JoinGroup answered, or to Empty, stored at once.
    mutating func completeJoin(_ group: inout ConsumerGroup, now: TimestampMs) {
        precondition(group.state == .preparingRebalance, "a join phase completes from PreparingRebalance")
        for memberID in group.memberOrder {
            guard let member = group.members[memberID], member.parkedJoin == nil, member.groupInstanceID == nil
            else { continue }
            dropMember(&group, memberID)
        }
        if !group.electJoinedLeader() && group.hasMembers {
            group.joinTimer = .rebalance(deadline: now.advanced(by: group.rebalanceTimeoutMs))
            return
        }
        group.joinTimer = nil
        group.newMemberAdded = false
        precondition(group.generation < Int32.max, "generations do not run out")
        group.generation += 1
        guard group.hasMembers else {
            group.protocolName = nil
            group.transition(to: .empty, now: now)
            // Kafka stores the empty generation without waiting: a failure only means a failover resurrects
            // the previous generation, whose members will all have expired.
            persist(group, now: now, purpose: nil)
            return
        }
        group.protocolName = group.selectProtocol()
        group.transition(to: .completingRebalance, now: now)
        for memberID in group.memberOrder {
            if let pending = group.takeParkedJoin(of: memberID) { answerJoin(pending, group.joinResult(for: memberID)) }
            group.updateMember(memberID) { member in
                member.refreshSession(now: now)
                member.isNew = false
            }
        }
        group.beginPendingSync(deadline: now.advanced(by: group.rebalanceTimeoutMs))
    }

    /// Removes a member that leaves, expires or is shed, answering its parked calls UNKNOWN_MEMBER_ID (so a client
    /// still there rejoins afresh), and lets the group react: a settled group rebalances, a join phase may now
    /// be complete (Kafka's `removeMemberAndUpdateGroup`).
    mutating func removeMemberAndUpdateGroup(_ group: inout ConsumerGroup, _ memberID: String, now: TimestampMs) {
        dropMember(&group, memberID)
        switch group.state {
        case .stable, .completingRebalance: maybePrepareRebalance(&group, now: now)
        case .preparingRebalance: tryCompleteJoin(&group, now: now)
        case .empty, .dead: break
        }
    }

    /// Removes a member, answering its parked calls UNKNOWN_MEMBER_ID, without reacting to its absence.
    mutating func dropMember(_ group: inout ConsumerGroup, _ memberID: String) {
        if let pending = group.takeParkedJoin(of: memberID) {
            answerJoin(pending, JoinGroupResult(error: .unknownMemberId))
        }
        if let pending = group.takeParkedSync(of: memberID) {
            answerSync(pending, SyncGroupResult(error: .unknownMemberId))
        }
        group.remove(memberID)
    }

    /// The assignment of a CompletingRebalance generation will not come: every parked SyncGroup gets `error`.
    mutating func resetAndPropagateAssignmentError(_ group: inout ConsumerGroup, _ error: ErrorCode, now: TimestampMs) {
        precondition(group.state == .completingRebalance, "assignments are pending only while completing")
        precondition(error != .noError, "a reset carries an error")
        for memberID in group.memberOrder {
            group.updateMember(memberID) { $0.assignment = [] }
            if let pending = group.takeParkedSync(of: memberID) {
                answerSync(pending, SyncGroupResult(error: error))
                group.updateMember(memberID) { $0.refreshSession(now: now) }
            }
        }
    }

    /// Sets the stored assignment and answers every parked SyncGroup with its share; the session restarts for
    /// each, since it did not run while the call was parked.
    mutating func setAndPropagateAssignment(
        _ group: inout ConsumerGroup, _ assignments: [String: [UInt8]], now: TimestampMs
    ) {
        precondition(group.state == .completingRebalance, "assignments are pending only while completing")
        for memberID in group.memberOrder {
            group.updateMember(memberID) { $0.assignment = assignments[memberID] ?? [] }
            guard let pending = group.takeParkedSync(of: memberID), let member = group.members[memberID] else {
                continue
            }
            answerSync(pending, SyncGroupResult(
                error: .noError, protocolType: group.protocolType, protocolName: group.protocolName,
                assignment: member.assignment))
            group.updateMember(memberID) { $0.refreshSession(now: now) }
        }
    }
}
