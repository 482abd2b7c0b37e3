import TernModel

/// What ends a group's join phase (Kafka's rebalance purgatory operations).
enum JoinTimer: Hashable, Sendable {
    /// Kafka's `InitialDelayedJoin`, for a group leaving Empty: never completes early; when it fires, a new member
    /// having joined meanwhile extends it by up to `delayMs` more while `remainingMs` (of the rebalance timeout)
    /// lasts, so consumers starting together land in one generation.
    case initialDelay(deadline: TimestampMs, delayMs: Int64, remainingMs: Int64)
    /// Kafka's `DelayedJoin`: completes as soon as every member rejoined, or at the deadline (the rebalance
    /// timeout) without the members that did not.
    case rebalance(deadline: TimestampMs)

    var deadline: TimestampMs {
        switch self {
        case .initialDelay(let deadline, _, _), .rebalance(let deadline): deadline
        }
    }
}

extension ConsumerGroup {
    /// The earliest moment `tick` has something to do for this group: a join timer, the pending-sync deadline,
    /// a pending member id lapsing, or a member's session.
    func earliestDeadline() -> TimestampMs? {
        var earliest = joinTimer?.deadline
        func consider(_ deadline: TimestampMs?) {
            guard let deadline else { return }
            earliest = earliest.map { min($0, deadline) } ?? deadline
        }
        consider(syncDeadline)
        for deadline in pendingMembers.values { consider(deadline) }
        for member in members.values { consider(member.expiryDeadline) }
        return earliest
    }

    /// The pending member ids lapsed at `now`, in a fixed order.
    func lapsedPendingMembers(at now: TimestampMs) -> [String] {
        pendingMembers.filter { now >= $0.value }.map(\.key).sorted()
    }
}
