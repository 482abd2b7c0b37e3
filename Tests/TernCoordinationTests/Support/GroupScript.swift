import TernCoordination
import TernModel
import TernWire
import Testing

/// A scripted coordinator for the scenario tests: it owns the clock and the PendingIDs, feeds every call's
/// outputs into one record, and checks the shell's contract on the way: every answer is for a call that was
/// made, and no call is answered twice.
struct GroupScript {
    var coordinator: GroupCoordinator
    let configuration: GroupConfiguration
    private(set) var now: TimestampMs
    private var nextPending: UInt64 = 1
    private(set) var asked: Set<PendingID> = []
    private(set) var joinAnswers: [PendingID: JoinGroupResult] = [:]
    private(set) var syncAnswers: [PendingID: SyncGroupResult] = [:]
    /// Every record asked for, in order.
    private(set) var persists: [GroupPersist] = []

    static let start = TimestampMs(1_700_000_000_000)

    init(
        configuration: GroupConfiguration = GroupConfiguration(), seed: UInt64 = 7,
        loaded: [String: GroupMetadataValue] = [:]
    ) {
        self.configuration = configuration
        coordinator = GroupCoordinator(configuration: configuration, seed: seed, loaded: loaded, now: Self.start)
        now = Self.start
    }

    // MARK: calls

    mutating func join(_ input: JoinGroupInput) -> PendingID {
        let pending = takePending()
        record(coordinator.join(input, pending: pending, now: now))
        return pending
    }

    mutating func sync(_ input: SyncGroupInput) -> PendingID {
        let pending = takePending()
        record(coordinator.sync(input, pending: pending, now: now))
        return pending
    }

    /// A join and its answer, if it was answered at once. (Two steps: in `joinAnswers[join(…)]` Swift reads
    /// `joinAnswers` before the call runs, so the answer would never be seen.)
    mutating func joinAnswer(_ input: JoinGroupInput) -> JoinGroupResult? {
        let pending = join(input)
        return joinAnswers[pending]
    }

    /// A sync and its answer, if it was answered at once.
    mutating func syncAnswer(_ input: SyncGroupInput) -> SyncGroupResult? {
        let pending = sync(input)
        return syncAnswers[pending]
    }

    mutating func heartbeat(_ memberID: String, generation: Int32, group: String = "g", instance: String? = nil)
        -> ErrorCode
    {
        coordinator.heartbeat(
            GroupMemberRef(groupID: group, memberID: memberID, generation: generation, groupInstanceID: instance),
            now: now)
    }

    mutating func commit(_ memberID: String, generation: Int32, group: String = "g", instance: String? = nil)
        -> ErrorCode
    {
        coordinator.validateCommit(
            GroupMemberRef(groupID: group, memberID: memberID, generation: generation, groupInstanceID: instance),
            now: now)
    }

    mutating func leave(_ members: [LeavingMember], group: String = "g") -> LeaveGroupResult {
        let result = coordinator.leave(groupID: group, members: members, now: now)
        record(result.outputs)
        return result
    }

    mutating func persisted(_ token: UInt64?, error: ErrorCode = .noError) {
        guard let token else {
            Issue.record("no token to report on")
            return
        }
        record(coordinator.persisted(token, error: error, now: now))
    }

    mutating func delete(_ group: String = "g") -> ErrorCode {
        let (error, outputs) = coordinator.delete(group, now: now)
        record(outputs)
        return error
    }

    mutating func abandonAll() { record(coordinator.abandonAll()) }

    /// Moves the clock and fires the timers.
    mutating func advance(by milliseconds: Int64) {
        now = now.advanced(by: milliseconds)
        record(coordinator.tick(now: now))
    }

    /// Moves the clock through the initial rebalance delay until `group`'s join phase ends. Kafka runs the delay
    /// once more after a round in which new members joined (`newMemberAdded`), so members that join together
    /// take two rounds; the rounds are bounded (the delay never outlasts the rebalance timeout).
    mutating func passInitialDelay(_ group: String = "g") {
        let roundsMax = 20
        for _ in 0..<roundsMax {
            advance(by: configuration.initialRebalanceDelayMs)
            if state(group) != .preparingRebalance { return }
        }
        Issue.record("\(group) still preparing after \(roundsMax) rounds of the initial delay")
    }

    // MARK: looking

    func state(_ group: String = "g") -> GroupState? { coordinator.describe(group)?.state }

    var lastPersist: GroupPersist? { persists.last }

    func isAnswered(_ pending: PendingID) -> Bool { joinAnswers[pending] != nil || syncAnswers[pending] != nil }

    // MARK: scenarios

    /// A v4+ member's first join: MEMBER_ID_REQUIRED, then the join with the id it was given. Returns the id and
    /// the second join (usually parked).
    mutating func joinNew(
        client: String, group: String = "g", session: Int32 = 10_000, rebalance: Int32 = 30_000,
        protocols: [GroupProtocol] = Request.range
    ) -> (memberID: String, pending: PendingID) {
        let first = join(Request.join(group: group, client: client, session: session, rebalance: rebalance,
                                      protocols: protocols))
        let memberID = joinAnswers[first]?.memberID ?? ""
        #expect(joinAnswers[first]?.error == .memberIdRequired)
        let second = join(Request.join(group: group, member: memberID, client: client, session: session,
                                       rebalance: rebalance, protocols: protocols))
        return (memberID, second)
    }

    /// Members join within the initial delay, the delay passes, the leader (the first) assigns
    /// `assignment(memberID)` to each, everyone syncs and the record commits: a Stable group. Returns the member
    /// ids in join order and the generation.
    mutating func formStableGroup(clients: [String], group: String = "g", session: Int32 = 10_000,
                                  rebalance: Int32 = 30_000) -> (members: [String], generation: Int32) {
        let joined = clients.map { joinNew(client: $0, group: group, session: session, rebalance: rebalance) }
        passInitialDelay(group)
        let answers = joined.compactMap { joinAnswers[$0.pending] }
        #expect(answers.count == clients.count, "every join answered after the initial delay")
        let generation = answers.first?.generation ?? -1
        let members = joined.map(\.memberID)
        var assignments: [String: [UInt8]] = [:]
        for memberID in members { assignments[memberID] = Request.assignment(memberID) }
        var syncs = [sync(Request.sync(group: group, member: members[0], generation: generation,
                                       assignments: assignments))]
        for memberID in members.dropFirst() {
            syncs.append(sync(Request.sync(group: group, member: memberID, generation: generation)))
        }
        persisted(lastPersist?.token)
        #expect(syncs.allSatisfy { syncAnswers[$0]?.error == .noError })
        #expect(state(group) == .stable)
        return (members, generation)
    }

    private mutating func takePending() -> PendingID {
        defer { nextPending += 1 }
        let pending = PendingID(nextPending)
        asked.insert(pending)
        return pending
    }

    private mutating func record(_ outputs: [GroupOutput]) {
        for output in outputs {
            switch output {
            case .join(let pending, let result):
                #expect(asked.contains(pending), "an answer for a call that was made")
                #expect(!isAnswered(pending), "call \(pending) answered twice")
                joinAnswers[pending] = result
            case .sync(let pending, let result):
                #expect(asked.contains(pending), "an answer for a call that was made")
                #expect(!isAnswered(pending), "call \(pending) answered twice")
                syncAnswers[pending] = result
            case .persist(let persist):
                persists.append(persist)
            }
        }
    }
}

/// Request builders with the defaults most scenarios share.
enum Request {
    static let range = [GroupProtocol(name: "range", metadata: [1, 1])]

    static func join(
        group: String = "g", member: String = "", instance: String? = nil, client: String = "client",
        session: Int32 = 10_000, rebalance: Int32 = 30_000, type: String = "consumer",
        protocols: [GroupProtocol] = range, requireKnown: Bool = true
    ) -> JoinGroupInput {
        JoinGroupInput(
            groupID: group, memberID: member, groupInstanceID: instance, clientID: client, clientHost: "/10.0.0.1",
            sessionTimeoutMs: session, rebalanceTimeoutMs: rebalance, protocolType: type, protocols: protocols,
            requireKnownMemberID: requireKnown)
    }

    static func sync(
        group: String = "g", member: String, generation: Int32, instance: String? = nil,
        type: String? = nil, name: String? = nil, assignments: [String: [UInt8]] = [:]
    ) -> SyncGroupInput {
        SyncGroupInput(
            groupID: group, memberID: member, generation: generation, groupInstanceID: instance, protocolType: type,
            protocolName: name, assignments: assignments)
    }

    /// A recognisable assignment per member.
    static func assignment(_ memberID: String) -> [UInt8] { Array(memberID.utf8.prefix(12)) }
}
