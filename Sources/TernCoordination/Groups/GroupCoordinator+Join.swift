public import TernModel
import TernWire

extension GroupCoordinator {
    /// JoinGroup, any version (Kafka's `handleJoinGroup`).
    ///
    /// Errors answer at once: INVALID_GROUP_ID, INVALID_SESSION_TIMEOUT, UNKNOWN_MEMBER_ID (a member id the group
    /// does not know, or an unknown group with a member id), INCONSISTENT_GROUP_PROTOCOL, FENCED_INSTANCE_ID,
    /// GROUP_MAX_SIZE_REACHED, COORDINATOR_NOT_AVAILABLE (`maxGroups` reached). v4+ with no member id gets
    /// MEMBER_ID_REQUIRED and an id to come back with (KIP-394); v0–v3 get their new id with the join. A member
    /// that joins is parked until the join phase completes (every known member rejoined, or the rebalance
    /// timeout); a follower rejoining a settled group unchanged is answered at once with the current generation.
    public mutating func join(_ input: JoinGroupInput, pending: PendingID, now: TimestampMs) -> [GroupOutput] {
        precondition(outbox.isEmpty, "an earlier call left outputs behind")
        if let error = joinRequestError(input) {
            answerJoin(pending, JoinGroupResult(error: error, memberID: input.memberID))
            return drain()
        }
        var created = false
        var group: ConsumerGroup
        if let existing = groups.removeValue(forKey: input.groupID) {
            group = existing
        } else if !input.memberID.isEmpty {
            answerJoin(pending, JoinGroupResult(error: .unknownMemberId, memberID: input.memberID))
            return drain()
        } else if groups.count >= configuration.maxGroups {
            answerJoin(pending, JoinGroupResult(error: .coordinatorNotAvailable, memberID: input.memberID))
            return drain()
        } else {
            group = ConsumerGroup(groupID: input.groupID, incarnation: takeIncarnation(), now: now)
            created = true
        }
        joinGroup(&group, input, pending: pending, now: now)
        // A group this call made and nobody ended up in is not kept: a failed first join leaves nothing behind.
        if !(created && group.isVacant) { put(group) }
        return drain()
    }

    private func joinRequestError(_ input: JoinGroupInput) -> ErrorCode? {
        if input.groupID.isEmpty { return .invalidGroupId }
        if input.sessionTimeoutMs < configuration.minSessionTimeoutMs { return .invalidSessionTimeout }
        if input.sessionTimeoutMs > configuration.maxSessionTimeoutMs { return .invalidSessionTimeout }
        return nil
    }

    private mutating func joinGroup(
        _ group: inout ConsumerGroup, _ input: JoinGroupInput, pending: PendingID, now: TimestampMs
    ) {
        if !acceptsJoiningMember(group, input.memberID) {
            // Kafka sheds a member that is over the limit and has not rejoined.
            if group.members[input.memberID] != nil {
                removeMemberAndUpdateGroup(&group, input.memberID, now: now)
            } else {
                group.remove(input.memberID)
            }
            answerJoin(pending, JoinGroupResult(error: .groupMaxSizeReached))
        } else if input.memberID.isEmpty {
            joinNewMember(&group, input, pending: pending, now: now)
        } else {
            joinKnownMember(&group, input, pending: pending, now: now)
        }
        tryCompleteJoin(&group, now: now)
    }

    /// Room for the member (Kafka's `acceptJoiningMember`). While preparing, the members that rejoined are
    /// counted: the group may hold more than the limit (a lowered limit, a loaded group) and those who come
    /// last are the ones turned away.
    private func acceptsJoiningMember(_ group: ConsumerGroup, _ memberID: String) -> Bool {
        switch group.state {
        case .empty, .dead:
            return true
        case .preparingRebalance:
            if let member = group.members[memberID], member.parkedJoin != nil { return true }
            return group.awaitingJoinCount < configuration.maxGroupSize
        case .completingRebalance, .stable:
            return group.members[memberID] != nil || group.members.count < configuration.maxGroupSize
        }
    }

    /// A join without a member id: a new dynamic member, a new static member, or a static member's new process.
    private mutating func joinNewMember(
        _ group: inout ConsumerGroup, _ input: JoinGroupInput, pending: PendingID, now: TimestampMs
    ) {
        guard group.supportsProtocols(protocolType: input.protocolType, names: input.protocols.map(\.name)) else {
            answerJoin(pending, JoinGroupResult(error: .inconsistentGroupProtocol))
            return
        }
        if let instanceID = input.groupInstanceID {
            let memberID = newMemberID(prefix: instanceID, in: group)
            if let oldMemberID = group.staticMembers[instanceID] {
                replaceStaticMember(&group, instanceID: instanceID, oldMemberID: oldMemberID,
                                    newMemberID: memberID, input, pending: pending, now: now)
            } else {
                addMemberAndRebalance(&group, memberID: memberID, input, pending: pending, now: now)
            }
        } else if input.requireKnownMemberID {
            // The pending ids are bounded like the members: each is a consumer about to join.
            guard group.pendingMembers.count < configuration.maxGroupSize else {
                answerJoin(pending, JoinGroupResult(error: .groupMaxSizeReached))
                return
            }
            let memberID = newMemberID(prefix: input.clientID, in: group)
            group.addPendingMember(memberID, lapsesAt: now.advanced(by: Int64(input.sessionTimeoutMs)))
            answerJoin(pending, JoinGroupResult(error: .memberIdRequired, memberID: memberID))
        } else {
            let memberID = newMemberID(prefix: input.clientID, in: group)
            addMemberAndRebalance(&group, memberID: memberID, input, pending: pending, now: now)
        }
    }

    /// A join naming a member id: a pending id coming back, or a member rejoining (Kafka's
    /// `doCurrentMemberJoinGroup`).
    private mutating func joinKnownMember(
        _ group: inout ConsumerGroup, _ input: JoinGroupInput, pending: PendingID, now: TimestampMs
    ) {
        let memberID = input.memberID
        guard group.supportsProtocols(protocolType: input.protocolType, names: input.protocols.map(\.name)) else {
            answerJoin(pending, JoinGroupResult(error: .inconsistentGroupProtocol, memberID: memberID))
            return
        }
        // Pending ids are only handed to dynamic members; one coming back with an instance id is checked as a
        // static member (and refused) below.
        if group.pendingMembers[memberID] != nil && input.groupInstanceID == nil {
            addMemberAndRebalance(&group, memberID: memberID, input, pending: pending, now: now)
            return
        }
        if let error = memberError(group, memberID: memberID, groupInstanceID: input.groupInstanceID) {
            answerJoin(pending, JoinGroupResult(error: error, memberID: memberID))
            return
        }
        guard let member = group.members[memberID] else { preconditionFailure("a valid member exists") }
        let unchanged = member.protocols == input.protocols
        switch group.state {
        case .preparingRebalance:
            updateMemberAndRebalance(&group, input, pending: pending, now: now)
        case .completingRebalance where unchanged:
            // Most likely the member missed the answer: hand it the generation again, the leader with the list.
            answerJoin(pending, group.joinResult(for: memberID))
        case .stable where unchanged && group.leaderID != memberID:
            answerJoin(pending, group.joinResult(for: memberID))
        case .completingRebalance, .stable:
            // Changed metadata, or the leader asking for a new assignment (topic metadata it saw change).
            updateMemberAndRebalance(&group, input, pending: pending, now: now)
        case .empty, .dead:
            answerJoin(pending, JoinGroupResult(error: .unknownMemberId, memberID: memberID))
        }
    }

    /// Adds a member with its JoinGroup parked and starts (or joins) the join phase (Kafka's
    /// `addMemberAndRebalance`).
    mutating func addMemberAndRebalance(
        _ group: inout ConsumerGroup, memberID: String, _ input: JoinGroupInput, pending: PendingID,
        now: TimestampMs
    ) {
        let member = GroupMember(
            memberID: memberID, groupInstanceID: input.groupInstanceID, clientID: input.clientID,
            clientHost: input.clientHost, rebalanceTimeoutMs: input.rebalanceTimeoutMs,
            sessionTimeoutMs: input.sessionTimeoutMs, protocols: input.protocols, assignment: [], parkedJoin: pending,
            parkedSync: nil, isNew: true, sessionDeadline: now.advanced(by: Self.newMemberJoinTimeoutMs))
        if group.state == .preparingRebalance && group.generation == 0 { group.newMemberAdded = true }
        group.add(member, protocolType: input.protocolType)
        maybePrepareRebalance(&group, now: now)
    }

    /// Takes a known member's new protocols and timeouts with its JoinGroup parked, and starts the join phase if
    /// none runs (Kafka's `updateMemberAndRebalance`).
    mutating func updateMemberAndRebalance(
        _ group: inout ConsumerGroup, _ input: JoinGroupInput, pending: PendingID, now: TimestampMs
    ) {
        parkJoin(&group, memberID: input.memberID, pending: pending)
        group.updateMember(input.memberID) { member in
            member.protocols = input.protocols
            member.rebalanceTimeoutMs = input.rebalanceTimeoutMs
            member.sessionTimeoutMs = input.sessionTimeoutMs
        }
        maybePrepareRebalance(&group, now: now)
    }

    /// Parks a member's JoinGroup. One it had parked already is answered REBALANCE_IN_PROGRESS (Kafka drops the
    /// older callback; every call here is answered once, and that error makes a client still waiting rejoin).
    mutating func parkJoin(_ group: inout ConsumerGroup, memberID: String, pending: PendingID) {
        if let superseded = group.takeParkedJoin(of: memberID) {
            answerJoin(superseded, JoinGroupResult(error: .rebalanceInProgress, memberID: memberID))
        }
        group.updateMember(memberID) { $0.parkedJoin = pending }
    }
}
