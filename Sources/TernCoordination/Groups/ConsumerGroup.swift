import TernModel

/// A live classic group (Kafka's `GroupMetadata`): state, generation, chosen protocol, leader, members, and the
/// bookkeeping of the rebalance in flight.
///
/// It produces no outputs: the coordinator (GroupCoordinator+*.swift) decides what each change means for parked
/// calls and records, so the protocol's rules sit in one place, and this type keeps only its own invariants
/// (`checkInvariants`, ConsumerGroup+Invariants.swift). Parked calls are taken out with `takeParkedJoin` /
/// `takeParkedSync` before a member is removed or renamed, so no parked call is ever lost.
struct ConsumerGroup: Sendable {
    let groupID: String
    /// Tells this group from an earlier one of the same id (deleted and made again), so the outcome of a record
    /// the earlier one asked for is never applied to this one.
    let incarnation: UInt64
    private(set) var state: GroupState
    /// When the group entered `state`.
    private(set) var stateTimestamp: TimestampMs
    /// +1 each time a join phase completes (into CompletingRebalance, or into Empty when nobody is left).
    var generation: Int32
    /// Set by the first member; kept while Empty, as Kafka does; nil for a group that never had a member.
    private(set) var protocolType: String?
    /// The protocol chosen for `generation`; nil while Empty or before the first generation.
    var protocolName: String?
    /// Nil exactly when there are no members.
    private(set) var leaderID: String?
    private(set) var members: [String: GroupMember] = [:]
    /// Member ids in join order: the leader fallback and the order of every list the group hands out (Kafka uses
    /// a hash map; an order keeps the coordinator deterministic).
    private(set) var memberOrder: [String] = []
    /// group.instance.id → member id, for the static members.
    private(set) var staticMembers: [String: String] = [:]
    /// Member ids handed out with MEMBER_ID_REQUIRED and not yet used, with when each lapses. A join phase waits
    /// for them too (Kafka's `hasAllMembersJoined`): they are consumers about to join.
    private(set) var pendingMembers: [String: TimestampMs] = [:]
    /// Members of `generation` that have not sent their SyncGroup yet, dropped at `syncDeadline` (Kafka's
    /// pending-sync expiry: a member that joined but never syncs would otherwise hold the group forever).
    private(set) var pendingSyncMembers: Set<String> = []
    private(set) var syncDeadline: TimestampMs?
    /// The timer of the join phase; set exactly while PreparingRebalance.
    var joinTimer: JoinTimer?
    /// A new member joined during the initial delay, which extends the delay once more (Kafka's `newMemberAdded`).
    var newMemberAdded = false
    /// `earliestDeadline()` as of the last change, kept by the coordinator so `tick` reads one value per group.
    var nextDeadline: TimestampMs?

    /// A group nobody has joined yet.
    init(groupID: String, incarnation: UInt64, now: TimestampMs) {
        self.groupID = groupID
        self.incarnation = incarnation
        self.state = .empty
        self.stateTimestamp = now
        self.generation = 0
    }

    /// A group rebuilt on a new coordinator from its last stored record. With members and a protocol it is
    /// Stable with them, their sessions starting at `now` (Kafka's `loadGroup`); otherwise Empty with the stored
    /// generation. A record is not trusted to be well formed: a member repeating an id or an instance id, or with
    /// an empty id, is dropped, and a leader that is not a member is replaced by the first member.
    init(groupID: String, incarnation: UInt64, loaded value: GroupMetadataValue, now: TimestampMs) {
        self.init(groupID: groupID, incarnation: incarnation, now: now)
        generation = value.generation
        protocolType = value.protocolType.isEmpty ? nil : value.protocolType
        guard let protocolName = value.protocolName, !protocolName.isEmpty, protocolType != nil else { return }
        for stored in value.members where !stored.memberID.isEmpty && !knows(stored.memberID) {
            if let instanceID = stored.groupInstanceID {
                guard staticMembers[instanceID] == nil else { continue }
                staticMembers[instanceID] = stored.memberID
            }
            members[stored.memberID] = GroupMember(
                memberID: stored.memberID, groupInstanceID: stored.groupInstanceID, clientID: stored.clientID,
                clientHost: stored.clientHost, rebalanceTimeoutMs: stored.rebalanceTimeoutMs,
                sessionTimeoutMs: stored.sessionTimeoutMs,
                protocols: [GroupProtocol(name: protocolName, metadata: stored.subscription)],
                assignment: stored.assignment, parkedJoin: nil, parkedSync: nil, isNew: false,
                sessionDeadline: now.advanced(by: Int64(stored.sessionTimeoutMs)))
            memberOrder.append(stored.memberID)
        }
        guard !members.isEmpty else { return }
        self.protocolName = protocolName
        leaderID = value.leader.flatMap { members[$0] == nil ? nil : $0 } ?? memberOrder.first
        state = .stable
    }

    var hasMembers: Bool { !members.isEmpty }

    /// Empty with nobody about to join: nothing a fresh group would not also be.
    var isVacant: Bool { state == .empty && members.isEmpty && pendingMembers.isEmpty }

    /// Whether `memberID` is taken (by a member or a pending member id).
    func knows(_ memberID: String) -> Bool { members[memberID] != nil || pendingMembers[memberID] != nil }

    mutating func transition(to target: GroupState, now: TimestampMs) {
        precondition(
            target.validPreviousStates.contains(state),
            "group \(groupID): \(state.rawValue) → \(target.rawValue) is not a classic-protocol transition")
        state = target
        stateTimestamp = now
    }

    /// Adds a member that joined with `protocolType` (the caller checked `supportsProtocols`).
    mutating func add(_ member: GroupMember, protocolType: String) {
        precondition(!knowsMember(member.memberID), "member \(member.memberID) added twice")
        precondition(supportsProtocols(protocolType: protocolType, names: member.protocols.map(\.name)))
        if let instanceID = member.groupInstanceID {
            precondition(staticMembers[instanceID] == nil, "instance \(instanceID) has a member already")
            staticMembers[instanceID] = member.memberID
        }
        if members.isEmpty { self.protocolType = protocolType }
        precondition(self.protocolType == protocolType, "members of one group share the protocol type")
        if leaderID == nil { leaderID = member.memberID }
        members[member.memberID] = member
        memberOrder.append(member.memberID)
        pendingMembers[member.memberID] = nil
    }

    private func knowsMember(_ memberID: String) -> Bool { members[memberID] != nil }

    /// Removes a member, or forgets a pending member id. A removed leader is succeeded by the earliest remaining
    /// member (Kafka: the first key left).
    /// - Precondition: the member's parked calls were taken out and answered.
    mutating func remove(_ memberID: String) {
        pendingMembers[memberID] = nil
        removePendingSync(memberID)
        guard let member = members.removeValue(forKey: memberID) else { return }
        precondition(member.parkedJoin == nil, "a removed member's JoinGroup is answered first")
        precondition(member.parkedSync == nil, "a removed member's SyncGroup is answered first")
        memberOrder.removeAll { $0 == memberID }
        if let instanceID = member.groupInstanceID { staticMembers[instanceID] = nil }
        if leaderID == memberID { leaderID = memberOrder.first }
    }

    /// Gives the static member of `instanceID` a new member id, keeping everything else (its place in the join
    /// order, its assignment, the leadership); KIP-345's replacement of a restarted static member.
    /// - Precondition: the old member's parked calls were taken out and answered (they are fenced).
    mutating func renameStaticMember(instanceID: String, from oldID: String, to newID: String) {
        precondition(staticMembers[instanceID] == oldID, "instance \(instanceID) is member \(oldID)")
        precondition(!knows(newID), "member id \(newID) is fresh")
        guard var member = members.removeValue(forKey: oldID) else { preconditionFailure("member \(oldID)") }
        precondition(member.parkedJoin == nil && member.parkedSync == nil, "the replaced member is fenced first")
        member.memberID = newID
        members[newID] = member
        guard let position = memberOrder.firstIndex(of: oldID) else { preconditionFailure("member order") }
        memberOrder[position] = newID
        if leaderID == oldID { leaderID = newID }
        staticMembers[instanceID] = newID
        // The new process will sync for the generation it is handed; dropping it for the old id's silence would
        // rebalance for nothing.
        if pendingSyncMembers.remove(oldID) != nil { pendingSyncMembers.insert(newID) }
    }

    /// Changes a member's fields in place; the member id is not one of them (`renameStaticMember`).
    mutating func updateMember(_ memberID: String, _ change: (inout GroupMember) -> Void) {
        guard var member = members.removeValue(forKey: memberID) else { preconditionFailure("member \(memberID)") }
        change(&member)
        precondition(member.memberID == memberID, "updateMember keeps the member id")
        members[memberID] = member
    }

    mutating func takeParkedJoin(of memberID: String) -> PendingID? {
        guard let pending = members[memberID]?.parkedJoin else { return nil }
        updateMember(memberID) { $0.parkedJoin = nil }
        return pending
    }

    mutating func takeParkedSync(of memberID: String) -> PendingID? {
        guard let pending = members[memberID]?.parkedSync else { return nil }
        updateMember(memberID) { $0.parkedSync = nil }
        return pending
    }

    mutating func addPendingMember(_ memberID: String, lapsesAt deadline: TimestampMs) {
        precondition(!knows(memberID), "pending member id \(memberID) is fresh")
        pendingMembers[memberID] = deadline
    }

    /// Every member owes a SyncGroup for the generation that just began.
    mutating func beginPendingSync(deadline: TimestampMs) {
        pendingSyncMembers = Set(memberOrder)
        syncDeadline = pendingSyncMembers.isEmpty ? nil : deadline
    }

    mutating func removePendingSync(_ memberID: String) {
        pendingSyncMembers.remove(memberID)
        if pendingSyncMembers.isEmpty { syncDeadline = nil }
    }

    mutating func clearPendingSync() {
        pendingSyncMembers.removeAll()
        syncDeadline = nil
    }

    /// Keeps the leader if it rejoined, else hands leadership to the earliest member that did. False when
    /// nobody rejoined (or there is no one), so the join phase cannot complete (Kafka's
    /// `maybeElectNewJoinedLeader`).
    mutating func electJoinedLeader() -> Bool {
        guard let leaderID, let leader = members[leaderID] else { return false }
        if leader.parkedJoin != nil { return true }
        guard let joined = memberOrder.first(where: { members[$0]?.parkedJoin != nil }) else { return false }
        self.leaderID = joined
        return true
    }

    /// Every member has rejoined and every pending member id has been used or has lapsed.
    var hasAllMembersJoined: Bool {
        pendingMembers.isEmpty && members.values.allSatisfy { $0.parkedJoin != nil }
    }

    var awaitingJoinCount: Int { members.values.count(where: { $0.parkedJoin != nil }) }

    /// The longest rebalance timeout of the members: how long the join phase waits (Kafka's `rebalanceTimeoutMs`).
    var rebalanceTimeoutMs: Int64 {
        Int64(max(members.values.map(\.rebalanceTimeoutMs).max() ?? 0, 0))
    }
}
