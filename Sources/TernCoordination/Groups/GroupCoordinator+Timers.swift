public import TernModel
import TernWire

extension GroupCoordinator {
    /// Fires every timer due at `now`: pending (MEMBER_ID_REQUIRED) member ids lapse, members whose session
    /// ran out are removed (the group rebalances or empties), members that never sent their SyncGroup within the
    /// rebalance timeout are removed, the initial delay and join phases end. Groups are visited in id order.
    public mutating func tick(now: TimestampMs) -> [GroupOutput] {
        precondition(outbox.isEmpty, "an earlier call left outputs behind")
        var due: [String] = []
        for (groupID, group) in groups {
            guard let deadline = group.nextDeadline, deadline <= now else { continue }
            due.append(groupID)
        }
        due.sort()
        for groupID in due {
            guard var group = groups.removeValue(forKey: groupID) else { continue }
            for _ in 0..<Self.timerRoundsMax {
                guard let deadline = group.earliestDeadline(), deadline <= now else { break }
                fireTimers(&group, now: now)
            }
            put(group)
        }
        return drain()
    }

    /// One round over the group's timers, each re-checked after the one before (an expiry can end a join phase,
    /// a rebalance can clear the sync deadline).
    private mutating func fireTimers(_ group: inout ConsumerGroup, now: TimestampMs) {
        for memberID in group.lapsedPendingMembers(at: now) {
            group.remove(memberID)
            tryCompleteJoin(&group, now: now)
        }
        for memberID in group.memberOrder {
            guard let member = group.members[memberID], member.hasExpired(at: now) else { continue }
            removeMemberAndUpdateGroup(&group, memberID, now: now)
        }
        if let deadline = group.syncDeadline, now >= deadline {
            expirePendingSync(&group, now: now)
        }
        if let timer = group.joinTimer, now >= timer.deadline {
            switch timer {
            case .initialDelay(_, let delayMs, let remainingMs):
                initialDelayExpired(&group, delayMs: delayMs, remainingMs: remainingMs, now: now)
            case .rebalance:
                completeJoin(&group, now: now)
            }
        }
    }

    /// Members that joined a generation but sent no SyncGroup within the rebalance timeout are removed and the
    /// group rebalances without them (Kafka's `onExpirePendingSync`).
    private mutating func expirePendingSync(_ group: inout ConsumerGroup, now: TimestampMs) {
        precondition(group.state == .completingRebalance || group.state == .stable, "syncs are owed after a join")
        for memberID in group.memberOrder where group.pendingSyncMembers.contains(memberID) {
            dropMember(&group, memberID)
        }
        prepareRebalance(&group, now: now)
    }
}
