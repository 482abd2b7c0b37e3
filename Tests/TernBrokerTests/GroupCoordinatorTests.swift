// Goal: a broker coordinates consumer groups end to end over its Kafka API: FindCoordinator
// names the leader of the group's `__consumer_offsets` partition; JoinGroup (with
// MEMBER_ID_REQUIRED), SyncGroup, Heartbeat, LeaveGroup drive the group through its states;
// OffsetCommit is visible to OffsetFetch once answered and survives a restart; DescribeGroups,
// ListGroups, DeleteGroups and OffsetDelete show and change what the coordinator holds; clients
// cannot write `__consumer_offsets`.
// Method: one `Broker` in process (a cluster of one), real request bodies through `handle`.
// The initial rebalance delay is 0 so a lone member's join completes at once.
import Foundation
import NIOCore
import TernBroker
import TernCoordination
import TernModel
import TernTransport
import TernWire
import Testing

@Suite struct GroupCoordinatorTests {
    static func adjust(_ configuration: inout BrokerConfiguration) {
        configuration.groupInitialRebalanceDelayMs = 0
        configuration.offsetsTopicPartitions = 4
    }

    /// ConsumerProtocolSubscription v0 for `topics` (what a Java/librdkafka consumer sends).
    static func subscription(_ topics: [String]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(Int16(0))
        buffer.writeInteger(Int32(topics.count))
        for topic in topics {
            buffer.writeInteger(Int16(topic.utf8.count))
            buffer.writeString(topic)
        }
        buffer.writeInteger(Int32(-1))
        return buffer
    }

    /// Waits until the group's coordinator is found (the cluster creates the offsets topic
    /// shortly after it is named, and its partitions elect themselves).
    static func awaitCoordinator(_ broker: TestBroker, group: String) async throws {
        let found = try await eventually {
            let response = try await broker.call(FindCoordinatorRequest(key: group, keyType: 0), version: 3)
            guard response.errorCode == 0 else { return false }
            // Found, and loaded: a heartbeat of an unknown member is then UNKNOWN_MEMBER_ID.
            let probe = try await broker.call(HeartbeatRequest(groupId: group, generationId: 1, memberId: "probe"), version: 3)
            return probe.errorCode == ErrorCode.unknownMemberId.rawValue
        }
        try #require(found, "the coordinator of \(group) is found and loaded")
    }

    static func join(_ broker: TestBroker, group: String, member: String, topics: [String]) async throws -> JoinGroupResponse {
        try await broker.call(
            JoinGroupRequest(
                groupId: group, sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 30_000, memberId: member,
                protocolType: "consumer",
                protocols: [JoinGroupRequest.JoinGroupRequestProtocol(name: "range", metadata: subscription(topics))]),
            version: 5)
    }

    static func commit(
        _ broker: TestBroker, group: String, generation: Int32, member: String, topic: String, offsets: [Int32: Int64],
        version: Int16 = 8
    ) async throws -> [Int16] {
        let response = try await broker.call(
            OffsetCommitRequest(
                groupId: group, generationIdOrMemberEpoch: generation, memberId: member,
                topics: [
                    OffsetCommitRequest.OffsetCommitRequestTopic(
                        name: topic,
                        partitions: offsets.keys.sorted().map {
                            OffsetCommitRequest.OffsetCommitRequestPartition(
                                partitionIndex: $0, committedOffset: offsets[$0] ?? 0, committedLeaderEpoch: 3,
                                committedMetadata: "m\($0)")
                        })
                ]),
            version: version)
        return response.topics.flatMap { $0.partitions.map(\.errorCode) }
    }

    static func fetch(_ broker: TestBroker, group: String, topic: String, partitions: [Int32]) async throws -> [Int32: Int64] {
        let response = try await broker.call(
            OffsetFetchRequest(
                groups: [
                    OffsetFetchRequest.OffsetFetchRequestGroup(
                        groupId: group, topics: [OffsetFetchRequest.OffsetFetchRequestTopics(name: topic, partitionIndexes: partitions)])
                ]),
            version: 8)
        let answer = try #require(response.groups.first)
        #expect(answer.errorCode == 0)
        var offsets: [Int32: Int64] = [:]
        for partition in answer.topics.flatMap(\.partitions) { offsets[partition.partitionIndex] = partition.committedOffset }
        return offsets
    }

    @Test("a member joins (MEMBER_ID_REQUIRED first), syncs, heartbeats, commits, is described and listed, leaves")
    func memberLifecycle() async throws {
        try await withBroker(Self.adjust) { broker in
            try await broker.createTopic("orders", partitions: 2)
            try await Self.awaitCoordinator(broker, group: "billing")

            let first = try await Self.join(broker, group: "billing", member: "", topics: ["orders"])
            #expect(first.errorCode == ErrorCode.memberIdRequired.rawValue)
            #expect(!first.memberId.isEmpty)
            let joined = try await Self.join(broker, group: "billing", member: first.memberId, topics: ["orders"])
            #expect(joined.errorCode == 0)
            #expect(joined.generationId == 1)
            #expect(joined.leader == first.memberId)
            #expect(joined.protocolName == "range")
            #expect(joined.members.map(\.memberId) == [first.memberId])

            let assignment = ByteBuffer(bytes: [0, 0, 0, 0, 0, 1, 0, 6] + Array("orders".utf8))
            let synced = try await broker.call(
                SyncGroupRequest(
                    groupId: "billing", generationId: 1, memberId: first.memberId, protocolType: "consumer",
                    protocolName: "range",
                    assignments: [SyncGroupRequest.SyncGroupRequestAssignment(memberId: first.memberId, assignment: assignment)]),
                version: 5)
            #expect(synced.errorCode == 0)
            #expect(synced.assignment == assignment)

            let beat = try await broker.call(
                HeartbeatRequest(groupId: "billing", generationId: 1, memberId: first.memberId), version: 4)
            #expect(beat.errorCode == 0)
            let stale = try await broker.call(
                HeartbeatRequest(groupId: "billing", generationId: 0, memberId: first.memberId), version: 4)
            #expect(stale.errorCode == ErrorCode.illegalGeneration.rawValue)

            #expect(try await Self.commit(broker, group: "billing", generation: 1, member: first.memberId, topic: "orders", offsets: [0: 7, 1: 11]) == [0, 0])
            #expect(try await Self.fetch(broker, group: "billing", topic: "orders", partitions: [0, 1]) == [0: 7, 1: 11])
            #expect(
                try await Self.commit(broker, group: "billing", generation: 2, member: first.memberId, topic: "orders", offsets: [0: 9])
                    == [ErrorCode.illegalGeneration.rawValue])
            #expect(
                try await Self.commit(broker, group: "billing", generation: 1, member: "stranger", topic: "orders", offsets: [0: 9])
                    == [ErrorCode.unknownMemberId.rawValue])
            #expect(
                try await Self.commit(broker, group: "billing", generation: 1, member: first.memberId, topic: "absent", offsets: [0: 9])
                    == [ErrorCode.unknownTopicOrPartition.rawValue])

            let described = try await broker.call(DescribeGroupsRequest(groups: ["billing", "nobody"]), version: 5)
            let billing = try #require(described.groups.first)
            #expect(billing.errorCode == 0)
            #expect(billing.groupState == "Stable")
            #expect(billing.protocolType == "consumer")
            #expect(billing.protocolData == "range")
            #expect(billing.members.map(\.memberId) == [first.memberId])
            #expect(billing.members.first?.memberAssignment == assignment)
            #expect(described.groups.last?.groupState == "Dead")

            let listed = try await broker.call(ListGroupsRequest(), version: 5)
            #expect(listed.errorCode == 0)
            #expect(listed.groups.contains { $0.groupId == "billing" && $0.groupState == "Stable" && $0.protocolType == "consumer" })
            let emptyOnly = try await broker.call(ListGroupsRequest(statesFilter: ["empty"]), version: 4)
            #expect(!emptyOnly.groups.contains { $0.groupId == "billing" })

            let busy = try await broker.call(DeleteGroupsRequest(groupsNames: ["billing"]), version: 2)
            #expect(busy.results.first?.errorCode == ErrorCode.nonEmptyGroup.rawValue)
            let subscribed = try await broker.call(
                OffsetDeleteRequest(
                    groupId: "billing",
                    topics: [.init(name: "orders", partitions: [.init(partitionIndex: 0)])]),
                version: 0)
            #expect(subscribed.topics.first?.partitions.first?.errorCode == ErrorCode.groupSubscribedToTopic.rawValue)

            let left = try await broker.call(
                LeaveGroupRequest(groupId: "billing", members: [.init(memberId: first.memberId)]), version: 3)
            #expect(left.errorCode == 0)
            #expect(left.members.map(\.errorCode) == [0])
            let after = try await broker.call(DescribeGroupsRequest(groups: ["billing"]), version: 5)
            #expect(after.groups.first?.groupState == "Empty")

            let offsetDeleted = try await broker.call(
                OffsetDeleteRequest(groupId: "billing", topics: [.init(name: "orders", partitions: [.init(partitionIndex: 0)])]),
                version: 0)
            #expect(offsetDeleted.errorCode == 0)
            #expect(offsetDeleted.topics.first?.partitions.first?.errorCode == 0)
            #expect(try await Self.fetch(broker, group: "billing", topic: "orders", partitions: [0, 1]) == [0: -1, 1: 11])

            let deleted = try await broker.call(DeleteGroupsRequest(groupsNames: ["billing", "nobody"]), version: 2)
            #expect(deleted.results.map(\.errorCode) == [0, ErrorCode.groupIdNotFound.rawValue])
            #expect(try await Self.fetch(broker, group: "billing", topic: "orders", partitions: [1]) == [1: -1])
        }
    }

    @Test("two members share a generation: the follower's sync waits for the leader's assignment")
    func followerWaitsForLeader() async throws {
        try await withBroker(Self.adjust) { broker in
            try await broker.createTopic("shared", partitions: 2)
            try await Self.awaitCoordinator(broker, group: "pair")
            let a = try await Self.join(broker, group: "pair", member: "", topics: ["shared"]).memberId
            let aJoined = try await Self.join(broker, group: "pair", member: a, topics: ["shared"])
            #expect(aJoined.generationId == 1)
            _ = try await broker.call(
                SyncGroupRequest(groupId: "pair", generationId: 1, memberId: a, assignments: [.init(memberId: a, assignment: ByteBuffer(bytes: [1]))]),
                version: 3)
            let b = try await Self.join(broker, group: "pair", member: "", topics: ["shared"]).memberId
            // b's join starts a rebalance; a learns of it from its heartbeat and rejoins.
            async let bJoin = Self.join(broker, group: "pair", member: b, topics: ["shared"])
            let told = try await eventually {
                try await broker.call(HeartbeatRequest(groupId: "pair", generationId: 1, memberId: a), version: 3).errorCode
                    == ErrorCode.rebalanceInProgress.rawValue
            }
            #expect(told, "the first member hears of the rebalance")
            let aRejoin = try await Self.join(broker, group: "pair", member: a, topics: ["shared"])
            let bJoined = try await bJoin
            #expect(aRejoin.generationId == 2)
            #expect(bJoined.generationId == 2)
            #expect(aRejoin.leader == a)
            #expect(aRejoin.members.count == 2)
            #expect(bJoined.members.isEmpty)

            async let bSync = broker.call(SyncGroupRequest(groupId: "pair", generationId: 2, memberId: b, assignments: []), version: 3)
            let aSync = try await broker.call(
                SyncGroupRequest(
                    groupId: "pair", generationId: 2, memberId: a,
                    assignments: [.init(memberId: a, assignment: ByteBuffer(bytes: [0xA])), .init(memberId: b, assignment: ByteBuffer(bytes: [0xB]))]),
                version: 3)
            #expect(aSync.errorCode == 0)
            #expect(aSync.assignment == ByteBuffer(bytes: [0xA]))
            let bSynced = try await bSync
            #expect(bSynced.errorCode == 0)
            #expect(bSynced.assignment == ByteBuffer(bytes: [0xB]))
        }
    }

    @Test("a simple consumer's commits survive a restart; clients cannot write __consumer_offsets")
    func commitsSurviveRestart() async throws {
        let directory = try makeTemporaryDirectory("tern-groups-restart")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configuration = TestBroker.configuration(directory: directory, Self.adjust)
        try await withLifetime(configuration) { broker in
            try await broker.createTopic("ledger", partitions: 3)
            try await Self.awaitCoordinator(broker, group: "audit")
            #expect(try await Self.commit(broker, group: "audit", generation: -1, member: "", topic: "ledger", offsets: [0: 5, 2: 42], version: 2) == [0, 0])
            let response = try await broker.call(
                TestBroker.produceRequest("__consumer_offsets", records: TestBatch.records(1, tag: "x"), acks: -1), version: 9)
            #expect(response.responses.first?.partitionResponses.first?.errorCode == ErrorCode.invalidTopicException.rawValue)
        }
        try await withLifetime(configuration) { broker in
            try await Self.awaitCoordinator(broker, group: "audit")
            #expect(try await Self.fetch(broker, group: "audit", topic: "ledger", partitions: [0, 1, 2]) == [0: 5, 1: -1, 2: 42])
            let v3 = try await broker.call(
                OffsetFetchRequest(groupId: "audit", topics: nil), version: 3)
            #expect(v3.errorCode == 0)
            #expect(v3.topics.map(\.name) == ["ledger"])
            #expect(v3.topics.first?.partitions.map(\.partitionIndex) == [0, 2])
            #expect(v3.topics.first?.partitions.map(\.metadata) == ["m0", "m2"])
            let listed = try await broker.call(ListGroupsRequest(), version: 4)
            #expect(listed.groups.contains { $0.groupId == "audit" && $0.groupState == "Empty" })
        }
    }
}
