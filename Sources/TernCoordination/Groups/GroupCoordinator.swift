public import TernModel
public import TernWire

/// The classic consumer-group coordinator of one `__consumer_offsets` partition (Kafka's `GroupCoordinator` and
/// `GroupMetadata`s, PROTOCOL.md §3), as a pure state machine.
///
/// No I/O, clock or randomness: every call brings the time, member ids come from the seeded generator given at
/// init, and the effects come back as `GroupOutput`s for the shell to carry out:
/// - `.join(id, result)` / `.sync(id, result)` answer a JoinGroup or SyncGroup by the `PendingID` the shell gave
///   it: an answer to the call at hand comes back this way too, so the shell resumes every call the same way.
///   Every `PendingID` is answered exactly once: when the group settles, when the member leaves, is fenced or
///   expires, or with NOT_COORDINATOR by `abandonAll`.
/// - `.persist(p)`: append a group metadata record to the partition. With a token, the coordinator waits for
///   `persisted(token, error:, now:)` before acting on it (a generation becomes Stable only once its assignment
///   is durable, so a new coordinator after failover rebuilds the same group).
///
/// `tick(now:)` fires the timers (sessions, join phases, the initial delay, pending-sync and pending-member-id
/// expiry); the shell calls it periodically, e.g. every 100–500 ms. Outputs across groups come in group-id order
/// and within a group in member join order, so a seed and a script replay exactly.
public struct GroupCoordinator: Sendable {
    /// How long a member that joined but has not been through a completed join phase may wait for it (Kafka's
    /// `NewMemberJoinTimeoutMs`): its client cannot heartbeat yet, and a client that gave up and retried would
    /// otherwise leave a member behind that holds every later join phase until the rebalance timeout.
    static let newMemberJoinTimeoutMs: Int64 = 300_000
    /// Rounds of timer firing per group and tick: a fired timer can only set later deadlines, except with a
    /// zero rebalance timeout, where a few rounds settle the group and anything left waits for the next tick.
    static let timerRoundsMax = 4

    let configuration: GroupConfiguration
    /// Every live group. While a call works on a group it is taken out and put back with `put`.
    var groups: [String: ConsumerGroup] = [:]
    var memberIDs: MemberIDGenerator
    /// The records with a token that have not reported back yet, with what each was for.
    var persists: [UInt64: PersistPurpose] = [:]
    var nextToken: UInt64 = 1
    var nextIncarnation: UInt64 = 1
    /// Outputs of the call in progress; every public call starts with it empty and returns it drained.
    var outbox: [GroupOutput] = []

    /// `loaded`: the last stored GroupMetadataValue of every group of this offsets partition (a new coordinator
    /// after failover). A group with stored members starts Stable with those members, their session deadlines
    /// starting at `now`; one without members starts Empty (a group that only has offsets can be passed as an
    /// Empty value with protocolType "", so ListGroups shows it as Kafka does). A group loaded with more members
    /// than `maxGroupSize` starts a rebalance right away, as Kafka does, so its members can rejoin up to the limit.
    ///
    /// `seed` must differ between coordinators that may serve the same groups (mix in the node id and the
    /// partition's leader epoch): member ids are drawn from it, and a repeated seed repeats ids.
    public init(configuration: GroupConfiguration, seed: UInt64, loaded: [String: GroupMetadataValue], now: TimestampMs) {
        precondition(configuration.isValid, "group configuration \(configuration)")
        self.configuration = configuration
        self.memberIDs = MemberIDGenerator(seed: seed)
        for groupID in loaded.keys.sorted() {
            guard let value = loaded[groupID] else { continue }
            var group = ConsumerGroup(groupID: groupID, incarnation: takeIncarnation(), loaded: value, now: now)
            if group.members.count > configuration.maxGroupSize { prepareRebalance(&group, now: now) }
            put(group)
        }
        precondition(outbox.isEmpty, "loading answers nobody")
    }

    /// DescribeGroups: nil for an unknown group (Kafka describes it as Dead with no members). The chosen protocol
    /// and the members' metadata for it show while CompletingRebalance or Stable, assignments only while Stable.
    public func describe(_ groupID: String) -> GroupDescription? {
        guard let group = groups[groupID] else { return nil }
        let settled = group.state == .stable || group.state == .completingRebalance
        let protocolName = settled ? group.protocolName ?? "" : ""
        let members: [MemberDescription] = group.memberOrder.compactMap { memberID in
            guard let member = group.members[memberID] else { return nil }
            return MemberDescription(
                memberID: memberID, groupInstanceID: member.groupInstanceID, clientID: member.clientID,
                clientHost: member.clientHost, metadata: settled ? member.metadata(for: protocolName) : [],
                assignment: group.state == .stable ? member.assignment : [])
        }
        return GroupDescription(
            groupID: groupID, state: group.state, protocolType: group.protocolType ?? "", protocolName: protocolName,
            members: members)
    }

    /// ListGroups, sorted by group id.
    public func listGroups() -> [GroupListing] {
        groups.keys.sorted().compactMap { groupID in
            groups[groupID].map { GroupListing(groupID: groupID, protocolType: $0.protocolType ?? "", state: $0.state) }
        }
    }

    /// Whether the group has members (the shell uses it for offset expiry: only offsets of groups without members
    /// expire).
    public func hasMembers(_ groupID: String) -> Bool {
        groups[groupID]?.hasMembers ?? false
    }

    /// DeleteGroups: NON_EMPTY_GROUP if it has members, GROUP_ID_NOT_FOUND if unknown; else the group is removed
    /// and a tombstone persist (token nil) is output. The shell also calls this for an Empty group whose offsets
    /// all expired, as Kafka's cleanup drops such groups.
    public mutating func delete(_ groupID: String, now: TimestampMs) -> (error: ErrorCode, outputs: [GroupOutput]) {
        precondition(outbox.isEmpty, "an earlier call left outputs behind")
        guard var group = groups.removeValue(forKey: groupID) else { return (.groupIdNotFound, []) }
        guard group.state == .empty else {
            put(group)
            return (.nonEmptyGroup, [])
        }
        precondition(!group.hasMembers, "an Empty group has no members")
        group.transition(to: .dead, now: now)
        outbox.append(.persist(GroupPersist(groupID: groupID, value: nil, token: nil)))
        return (.noError, drain())
    }

    /// Leadership of the offsets partition was lost: every parked JoinGroup and SyncGroup is answered
    /// NOT_COORDINATOR (clients look the coordinator up again) and every group is dropped, as Kafka unloads them.
    /// The coordinator is empty afterwards; outcomes of records still in flight are ignored.
    public mutating func abandonAll() -> [GroupOutput] {
        precondition(outbox.isEmpty, "an earlier call left outputs behind")
        for groupID in groups.keys.sorted() {
            guard var group = groups.removeValue(forKey: groupID) else { continue }
            for memberID in group.memberOrder {
                if let pending = group.takeParkedJoin(of: memberID) {
                    answerJoin(pending, JoinGroupResult(error: .notCoordinator, memberID: memberID))
                }
                if let pending = group.takeParkedSync(of: memberID) {
                    answerSync(pending, SyncGroupResult(error: .notCoordinator))
                }
            }
        }
        precondition(groups.isEmpty, "every group is unloaded")
        persists.removeAll()
        return drain()
    }
}

extension GroupCoordinator {
    mutating func answerJoin(_ pending: PendingID, _ result: JoinGroupResult) {
        outbox.append(.join(pending, result))
    }

    mutating func answerSync(_ pending: PendingID, _ result: SyncGroupResult) {
        outbox.append(.sync(pending, result))
    }

    /// Outputs a record of `group` as it is at `now`; with `purpose`, a token to wait on.
    mutating func persist(_ group: ConsumerGroup, now: TimestampMs, purpose: PersistPurpose.Kind?,
                          assignments: [String: [UInt8]]? = nil) {
        var token: UInt64?
        if let purpose {
            let next = nextToken
            nextToken += 1
            persists[next] = PersistPurpose(groupID: group.groupID, incarnation: group.incarnation, kind: purpose)
            token = next
        }
        let value = group.storedValue(now: now, assignments: assignments)
        outbox.append(.persist(GroupPersist(groupID: group.groupID, value: value, token: token)))
    }

    mutating func drain() -> [GroupOutput] {
        defer { outbox.removeAll() }
        return outbox
    }

    mutating func takeIncarnation() -> UInt64 {
        defer { nextIncarnation += 1 }
        return nextIncarnation
    }

    /// Puts a group back after a call changed it, with its timers' next deadline refreshed.
    mutating func put(_ group: consuming ConsumerGroup) {
        precondition(group.state != .dead, "a Dead group is dropped, not kept")
        group.checkInvariants()
        group.nextDeadline = group.earliestDeadline()
        groups[group.groupID] = group
    }

    /// A member id no member or pending member of `group` has. The generator repeats only when seeds repeat, which
    /// the init's contract rules out; a few draws make a repeat within one group harmless anyway.
    mutating func newMemberID(prefix: String, in group: ConsumerGroup) -> String {
        for _ in 0..<8 {
            let memberID = memberIDs.next(prefix: prefix)
            if !group.knows(memberID) { return memberID }
        }
        preconditionFailure("the member id generator keeps repeating ids")
    }
}
