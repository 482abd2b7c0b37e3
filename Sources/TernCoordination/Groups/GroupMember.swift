import TernModel

/// One member of a live group (Kafka's `MemberMetadata`).
///
/// A member is in at most one of three waits: a parked JoinGroup (`parkedJoin`), a parked SyncGroup
/// (`parkedSync`), or neither, when it must heartbeat before `sessionDeadline`.
struct GroupMember: Sendable {
    /// Changes only when a static member is replaced by a new process (KIP-345).
    var memberID: String
    /// The static member id (KIP-345), or nil for a dynamic member.
    let groupInstanceID: String?
    var clientID: String
    var clientHost: String
    var rebalanceTimeoutMs: Int32
    var sessionTimeoutMs: Int32
    /// The protocols the member supports, in its order of preference, with its metadata for each.
    var protocols: [GroupProtocol]
    /// What the leader assigned the member for the current generation (empty until the group is Stable).
    var assignment: [UInt8]
    /// The JoinGroup the member waits on, answered when the join phase completes.
    var parkedJoin: PendingID?
    /// The SyncGroup the member waits on, answered when the leader's assignment is stored.
    var parkedSync: PendingID?
    /// Joined but not yet through a completed join phase. Such a member has no generation to heartbeat with,
    /// and a client that timed out and retried would leave it behind forever, so it lapses at `sessionDeadline`
    /// even while its JoinGroup is parked (Kafka's `isNew` with `NewMemberJoinTimeoutMs`).
    var isNew: Bool
    /// When the member is dropped unless a heartbeat, commit or answer moves it.
    var sessionDeadline: TimestampMs

    /// The metadata the member sent for `protocolName` (empty if it does not support it).
    func metadata(for protocolName: String) -> [UInt8] {
        protocols.first { $0.name == protocolName }?.metadata ?? []
    }

    func supports(_ protocolName: String) -> Bool {
        protocols.contains { $0.name == protocolName }
    }

    /// The member's most preferred protocol among `candidates` (Kafka's `vote`).
    func vote(among candidates: Set<String>) -> String? {
        protocols.first { candidates.contains($0.name) }?.name
    }

    /// When the session lapses, or nil while it cannot: a member that went through a join phase and is parked
    /// in a JoinGroup or SyncGroup is waiting on the group, not failing it (Kafka's `hasSatisfiedHeartbeat`).
    var expiryDeadline: TimestampMs? {
        if isNew { return sessionDeadline }
        if parkedJoin != nil || parkedSync != nil { return nil }
        return sessionDeadline
    }

    func hasExpired(at now: TimestampMs) -> Bool {
        guard let deadline = expiryDeadline else { return false }
        return now >= deadline
    }

    /// A heartbeat (or anything that counts as one) at `now`.
    mutating func refreshSession(now: TimestampMs) {
        sessionDeadline = now.advanced(by: Int64(sessionTimeoutMs))
    }
}
