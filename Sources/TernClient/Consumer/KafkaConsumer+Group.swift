import Logging
import NIOCore
import TernModel
import TernWire

/// The classic group protocol, from the member's side.
extension KafkaConsumer {
    /// Most JoinGroup/SyncGroup rounds one rejoin tries before giving up (each answers an error
    /// that sends the member back: MEMBER_ID_REQUIRED, REBALANCE_IN_PROGRESS, a coordinator move).
    static let joinRoundsMax = 20

    /// Leaves the old generation (revoking its partitions) and joins the next one.
    func rejoin() async throws(ClientError) {
        guard let groupID = configuration.groupID else { return }
        await revokeAll()
        var last: ClientError?
        for _ in 0..<Self.joinRoundsMax {
            do throws(ClientError) {
                if try await joinAndSync(groupID) {
                    needsJoin = false
                    startHeartbeats()
                    return
                }
            } catch {
                last = error
                guard error.isRetriable else { throw error }
                coordinator = nil
                try? await Task.sleep(for: configuration.client.retryBackoff)
            }
        }
        throw last ?? ClientError(.timedOut, "group \(groupID): no generation after \(Self.joinRoundsMax) join rounds")
    }

    /// One JoinGroup (and SyncGroup). True: a generation with an assignment; false: try again
    /// (MEMBER_ID_REQUIRED, REBALANCE_IN_PROGRESS, an unknown member id).
    private func joinAndSync(_ groupID: String) async throws(ClientError) -> Bool {
        let metadata = ConsumerProtocol.subscription(topics: currentSubscription)
        var join = JoinGroupRequest()
        join.groupId = groupID
        join.sessionTimeoutMs = Int32(clamping: configuration.sessionTimeout.components.seconds * 1000)
        join.rebalanceTimeoutMs = Int32(clamping: configuration.rebalanceTimeout.components.seconds * 1000)
        join.memberId = memberID
        join.protocolType = "consumer"
        join.protocols = configuration.assignors.map { assignor in
            var offered = JoinGroupRequest.JoinGroupRequestProtocol()
            offered.name = assignor.rawValue
            offered.metadata = metadata
            return offered
        }
        // The join waits for the whole group: as long as the rebalance timeout, plus slack.
        let joined = try await callCoordinator(
            join, what: "JoinGroup", timeout: configuration.rebalanceTimeout + .seconds(5))
        let joinError = ErrorCode(rawValue: joined.errorCode)
        switch joinError {
        case .noError: break
        case .memberIdRequired:
            memberID = joined.memberId
            return false
        case .unknownMemberId, .illegalGeneration:
            memberID = ""
            return false
        case .rebalanceInProgress:
            return false
        case .notCoordinator, .coordinatorNotAvailable, .coordinatorLoadInProgress:
            coordinator = nil
            throw ClientError(.broker(joinError), "JoinGroup for group \(groupID)")
        default:
            throw ClientError(.broker(joinError), "JoinGroup for group \(groupID)")
        }
        memberID = joined.memberId
        generation = joined.generationId
        var assignments: [SyncGroupRequest.SyncGroupRequestAssignment] = []
        if joined.leader == joined.memberId {
            assignments = try await leaderAssignments(joined)
        }
        var sync = SyncGroupRequest()
        sync.groupId = groupID
        sync.generationId = generation
        sync.memberId = memberID
        sync.protocolType = "consumer"
        sync.protocolName = joined.protocolName
        sync.assignments = assignments
        let synced = try await callCoordinator(sync, what: "SyncGroup", timeout: configuration.rebalanceTimeout + .seconds(5))
        let syncError = ErrorCode(rawValue: synced.errorCode)
        switch syncError {
        case .noError: break
        case .rebalanceInProgress: return false
        case .unknownMemberId, .illegalGeneration:
            memberID = ""
            return false
        case .notCoordinator, .coordinatorNotAvailable:
            coordinator = nil
            throw ClientError(.broker(syncError), "SyncGroup for group \(groupID)")
        default:
            throw ClientError(.broker(syncError), "SyncGroup for group \(groupID)")
        }
        guard let partitions = ConsumerProtocol.partitions(inAssignment: synced.assignment) else {
            throw ClientError(.malformedResponse, "SyncGroup for group \(groupID): the assignment does not decode")
        }
        try await adopt(partitions)
        announce(.assigned(assignment, generation: generation))
        logger.info(
            "joined group", metadata: ["group": "\(groupID)", "generation": "\(generation)", "partitions": "\(assignment)"])
        return true
    }

    /// The topics this member subscribes to.
    private var currentSubscription: [String] { subscriptionTopics }

    /// The leader's assignment for every member, by the protocol the group chose.
    private func leaderAssignments(_ joined: JoinGroupResponse) async throws(ClientError)
        -> [SyncGroupRequest.SyncGroupRequestAssignment]
    {
        let assignor = ConsumerConfiguration.Assignor(rawValue: joined.protocolName ?? "") ?? .range
        var subscriptions: [String: [String]] = [:]
        for member in joined.members {
            subscriptions[member.memberId] = ConsumerProtocol.topics(inSubscription: member.metadata) ?? []
        }
        let topics = Set(subscriptions.values.flatMap { $0 }).sorted()
        let metadata = try await cluster.refreshMetadata(topics: topics)
        var counts: [String: Int32] = [:]
        for topic in topics {
            if let info = metadata.topics[topic], info.error == .noError { counts[topic] = Int32(info.partitions.count) }
        }
        let plan = Assignment.assign(assignor, subscriptions: subscriptions, partitionCounts: counts)
        return plan.sorted { $0.key < $1.key }.map { member, partitions in
            var entry = SyncGroupRequest.SyncGroupRequestAssignment()
            entry.memberId = member
            entry.assignment = ConsumerProtocol.assignment(partitions)
            return entry
        }
    }

    /// One heartbeat; an answer that means the group moved on makes the next poll rejoin.
    func heartbeat() async {
        guard let groupID = configuration.groupID, !memberID.isEmpty, !needsJoin, !closed else { return }
        var request = HeartbeatRequest()
        request.groupId = groupID
        request.generationId = generation
        request.memberId = memberID
        do throws(ClientError) {
            let response = try await callCoordinator(request, what: "Heartbeat")
            switch ErrorCode(rawValue: response.errorCode) {
            case .noError: break
            case .rebalanceInProgress: needsJoin = true
            case .unknownMemberId, .illegalGeneration, .fencedInstanceId:
                memberID = ""
                needsJoin = true
            case .notCoordinator, .coordinatorNotAvailable: coordinator = nil
            default: break
            }
        } catch {
            coordinator = nil
        }
    }

    /// LeaveGroup (best effort: the session timeout removes the member anyway).
    func leaveGroup() async {
        guard let groupID = configuration.groupID else { return }
        var request = LeaveGroupRequest()
        request.groupId = groupID
        request.memberId = memberID
        var identity = LeaveGroupRequest.MemberIdentity()
        identity.memberId = memberID
        request.members = [identity]
        _ = try? await callCoordinator(request, what: "LeaveGroup")
        memberID = ""
        generation = -1
    }

    /// Sends `request` to the group's coordinator (found with FindCoordinator, found again after
    /// it moves), at the highest version both sides speak (at most `versionMax`).
    func callCoordinator<Request: KafkaRequestMessage>(
        _ request: Request, what: String, versionMax: Int16 = .max, timeout: Duration? = nil
    ) async throws(ClientError) -> Request.Response {
        let node = try await findCoordinator()
        let connection: KafkaConnection
        do throws(ClientError) {
            connection = try await cluster.connection(to: node)
        } catch {
            coordinator = nil
            throw error
        }
        guard let highest = await connection.version(of: Request.self) else {
            throw ClientError(.unsupportedVersion, "\(connection.address) serves no \(what) version this client speaks")
        }
        do throws(ClientError) {
            return try await connection.call(
                request, version: min(highest, versionMax), timeout: timeout ?? configuration.client.requestTimeout)
        } catch {
            coordinator = nil
            throw ClientError(error.kind, "\(what) to coordinator \(node): \(error.detail)")
        }
    }

    /// The coordinator of this consumer's group (cached until a call to it fails).
    func findCoordinator() async throws(ClientError) -> NodeID {
        if let coordinator { return coordinator }
        guard let groupID = configuration.groupID else { throw ClientError(.invalidArgument, "no group id") }
        let node = try await cluster.coordinator(ofGroup: groupID)
        coordinator = node
        return node
    }
}
