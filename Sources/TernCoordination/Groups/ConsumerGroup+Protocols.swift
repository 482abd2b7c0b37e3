import TernModel
import TernWire

extension ConsumerGroup {
    /// Whether a member offering `names` under `protocolType` fits the group (Kafka's `supportsProtocols`): an
    /// Empty group takes any non-empty offer; otherwise the type must be the group's and one of the names must be
    /// supported by every member. The second rule keeps the invariant `selectProtocol` relies on: some protocol is
    /// always common to all members.
    func supportsProtocols(protocolType: String, names: [String]) -> Bool {
        if state == .empty { return !protocolType.isEmpty && !names.isEmpty }
        guard self.protocolType == protocolType else { return false }
        return names.contains { name in members.values.allSatisfy { $0.supports(name) } }
    }

    /// The protocol for the next generation: among those every member supports, the one most members name first
    /// (Kafka's vote). Kafka breaks a tie by hash order; here the earliest member's preference decides, so the
    /// choice is deterministic.
    func selectProtocol() -> String {
        guard let first = memberOrder.first, let firstMember = members[first] else {
            preconditionFailure("group \(groupID): no protocol to select without members")
        }
        let candidates = Set(firstMember.protocols.map(\.name).filter { name in
            members.values.allSatisfy { $0.supports(name) }
        })
        precondition(!candidates.isEmpty, "group \(groupID): members always share a protocol")
        var votes: [String: Int] = [:]
        for member in members.values {
            guard let vote = member.vote(among: candidates) else { preconditionFailure("a member votes") }
            votes[vote, default: 0] += 1
        }
        guard let most = votes.values.max() else { preconditionFailure("votes were cast") }
        guard let chosen = firstMember.protocols.first(where: { votes[$0.name] == most }) else {
            preconditionFailure("the winner is a candidate the first member supports")
        }
        return chosen.name
    }

    /// Every member with its metadata for the chosen protocol: what the leader's JoinGroup answer lists.
    func joinedMembers() -> [JoinedMember] {
        guard let protocolName else { preconditionFailure("group \(groupID): members listed before a protocol") }
        return memberOrder.compactMap { memberID in
            members[memberID].map {
                JoinedMember(memberID: memberID, groupInstanceID: $0.groupInstanceID, metadata: $0.metadata(for: protocolName))
            }
        }
    }

    /// The JoinGroup answer for `memberID` in the current generation (the leader's lists the members).
    func joinResult(for memberID: String) -> JoinGroupResult {
        precondition(state == .completingRebalance || state == .stable, "answers name a generation")
        return JoinGroupResult(
            error: .noError, generation: generation, protocolType: protocolType, protocolName: protocolName,
            leader: leaderID ?? "", memberID: memberID, members: memberID == leaderID ? joinedMembers() : [])
    }

    /// The group as `__consumer_offsets` stores it at `now`, with `assignments` in place of the members' own
    /// when given (the leader's SyncGroup is stored before it is applied).
    func storedValue(now: TimestampMs, assignments: [String: [UInt8]]? = nil) -> GroupMetadataValue {
        let stored: [StoredMember] = memberOrder.compactMap { memberID in
            guard let member = members[memberID] else { return nil }
            return StoredMember(
                memberID: memberID, groupInstanceID: member.groupInstanceID, clientID: member.clientID,
                clientHost: member.clientHost, rebalanceTimeoutMs: member.rebalanceTimeoutMs,
                sessionTimeoutMs: member.sessionTimeoutMs, subscription: member.metadata(for: protocolName ?? ""),
                assignment: assignments?[memberID] ?? member.assignment)
        }
        return GroupMetadataValue(
            protocolType: protocolType ?? "", generation: generation, protocolName: protocolName, leader: leaderID,
            currentStateTimestamp: now, members: stored)
    }
}
