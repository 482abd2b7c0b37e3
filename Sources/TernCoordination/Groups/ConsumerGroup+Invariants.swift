extension ConsumerGroup {
    /// The group's invariants, checked after every coordinator call that changed it. O(members), so `assert`:
    /// on in debug and test builds, where the scripted scenarios exercise every path.
    func checkInvariants() {
        assert(memberOrder.count == members.count, "member order lists every member once")
        assert(Set(memberOrder).count == memberOrder.count, "member order has no duplicates")
        assert(memberOrder.allSatisfy { members[$0]?.memberID == $0 }, "members are keyed by their ids")
        assert(staticMembers.allSatisfy { members[$0.value]?.groupInstanceID == $0.key }, "static map is exact")
        assert(members.values.allSatisfy { member in
            member.groupInstanceID.map { staticMembers[$0] == member.memberID } ?? true
        }, "every static member is in the static map")
        assert(pendingMembers.keys.allSatisfy { members[$0] == nil }, "a pending id is not a member yet")
        assert(pendingSyncMembers.isSubset(of: Set(memberOrder)), "only members owe a SyncGroup")
        assert((leaderID == nil) == members.isEmpty, "a group has a leader exactly when it has members")
        assert(leaderID.map { members[$0] != nil } ?? true, "the leader is a member")
        assert(syncDeadline == nil || !pendingSyncMembers.isEmpty, "a sync deadline waits for someone")
        checkStateInvariants()
    }

    private func checkStateInvariants() {
        let parkedJoins = members.values.contains { $0.parkedJoin != nil }
        let parkedSyncs = members.values.contains { $0.parkedSync != nil }
        switch state {
        case .empty:
            assert(members.isEmpty && protocolName == nil && joinTimer == nil, "Empty has no members or protocol")
        case .preparingRebalance:
            assert(joinTimer != nil && !parkedSyncs && pendingSyncMembers.isEmpty, "only joins wait while preparing")
        case .completingRebalance:
            assert(protocolName != nil && !members.isEmpty && joinTimer == nil && !parkedJoins, "syncs wait")
        case .stable:
            // A parked JoinGroup in Stable is a static member's replacement waiting for its record.
            assert(protocolName != nil && !members.isEmpty && joinTimer == nil && !parkedSyncs, "Stable settled")
        case .dead:
            assert(members.isEmpty, "a Dead group is gone")
        }
    }
}
