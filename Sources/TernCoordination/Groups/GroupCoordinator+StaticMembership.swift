import TernModel
import TernWire

/// A static member's replacement waiting for its record (KIP-345): what to answer once it commits, and what to
/// put back if it fails.
struct StaticReplacement: Hashable, Sendable {
    let instanceID: String
    let oldMemberID: String
    let newMemberID: String
    /// The new process's JoinGroup.
    let pending: PendingID
    /// The leader before the replacement. The answer names it even when the replaced member was the leader
    /// (then the old id): a JoinGroup before v9 cannot tell a leader to skip the assignment, and a new process
    /// that believed itself leader of a Stable group would compute one that nobody would receive.
    let leaderBefore: String?
    let oldProtocols: [GroupProtocol]
    let oldRebalanceTimeoutMs: Int32
    let oldSessionTimeoutMs: Int32
}

extension GroupCoordinator {
    /// A known group.instance.id joined without a member id: a new process of a static member. It takes the old
    /// member's place under a new member id; the old member's parked calls are fenced. In a Stable group whose
    /// protocol and the member's metadata for it are unchanged there is no rebalance: the group is stored with
    /// the new id and the join answered with the current generation once that record commits. Otherwise the
    /// group rebalances (Kafka's `updateStaticMemberAndRebalance`).
    mutating func replaceStaticMember(
        _ group: inout ConsumerGroup, instanceID: String, oldMemberID: String, newMemberID: String,
        _ input: JoinGroupInput, pending: PendingID, now: TimestampMs
    ) {
        guard let old = group.members[oldMemberID] else { preconditionFailure("static member \(oldMemberID)") }
        let replacement = StaticReplacement(
            instanceID: instanceID, oldMemberID: oldMemberID, newMemberID: newMemberID, pending: pending,
            leaderBefore: group.leaderID, oldProtocols: old.protocols, oldRebalanceTimeoutMs: old.rebalanceTimeoutMs,
            oldSessionTimeoutMs: old.sessionTimeoutMs)
        fenceStaticMember(&group, memberID: oldMemberID)
        group.renameStaticMember(instanceID: instanceID, from: oldMemberID, to: newMemberID)
        group.updateMember(newMemberID) { member in
            member.protocols = input.protocols
            member.rebalanceTimeoutMs = input.rebalanceTimeoutMs
            member.sessionTimeoutMs = input.sessionTimeoutMs
            member.parkedJoin = pending
            member.refreshSession(now: now)
        }
        switch group.state {
        case .stable:
            guard let protocolName = group.protocolName else { preconditionFailure("Stable has a protocol") }
            let metadataUnchanged = old.metadata(for: protocolName) == input.protocols.first { $0.name == protocolName }?.metadata
            if group.selectProtocol() == protocolName && metadataUnchanged {
                persist(group, now: now, purpose: .staticReplacement(replacement))
            } else {
                prepareRebalance(&group, now: now)
            }
        case .completingRebalance:
            // The leader may be assigning to the old id already; only a new join phase gives the new id a share.
            prepareRebalance(&group, now: now)
        case .preparingRebalance:
            break
        case .empty, .dead:
            preconditionFailure("group \(group.groupID): a static member exists, so the group is not \(group.state)")
        }
    }

    /// Answers the replaced process's parked calls FENCED_INSTANCE_ID: it must shut down, another process owns
    /// its instance id now.
    private mutating func fenceStaticMember(_ group: inout ConsumerGroup, memberID: String) {
        if let pending = group.takeParkedJoin(of: memberID) {
            answerJoin(pending, JoinGroupResult(error: .fencedInstanceId, memberID: memberID))
        }
        if let pending = group.takeParkedSync(of: memberID) {
            answerSync(pending, SyncGroupResult(error: .fencedInstanceId))
        }
    }

    /// The outcome of a replacement's record. Applied only while the replacement is still what the group waits
    /// on (Stable, the new member's join still parked); once a rebalance took over, its answer settles the join.
    mutating func staticReplacementPersisted(
        _ group: inout ConsumerGroup, _ replacement: StaticReplacement, error: ErrorCode, now: TimestampMs
    ) {
        guard group.state == .stable, group.members[replacement.newMemberID]?.parkedJoin == replacement.pending
        else { return }
        _ = group.takeParkedJoin(of: replacement.newMemberID)
        guard error == .noError else {
            // The new id is not durable: put the old member back, so a failover and this coordinator agree.
            group.updateMember(replacement.newMemberID) { member in
                member.protocols = replacement.oldProtocols
                member.rebalanceTimeoutMs = replacement.oldRebalanceTimeoutMs
                member.sessionTimeoutMs = replacement.oldSessionTimeoutMs
            }
            group.renameStaticMember(
                instanceID: replacement.instanceID, from: replacement.newMemberID, to: replacement.oldMemberID)
            group.updateMember(replacement.oldMemberID) { $0.refreshSession(now: now) }
            answerJoin(replacement.pending, JoinGroupResult(
                error: error, generation: group.generation, protocolType: group.protocolType,
                protocolName: group.protocolName, leader: replacement.leaderBefore ?? ""))
            return
        }
        answerJoin(replacement.pending, JoinGroupResult(
            error: .noError, generation: group.generation, protocolType: group.protocolType,
            protocolName: group.protocolName, leader: replacement.leaderBefore ?? "",
            memberID: replacement.newMemberID))
    }
}
