// Goal: the broker advertises exactly the API ranges PROTOCOL.md §1.3 chose, and every advertised
// API answers a valid request at its lowest and highest advertised version with a body that
// decodes completely at that version; bodies that do not decode close the connection.
// Method: requests go through `Broker.handle`, the listener's entry point, on a fresh broker.
import NIOCore
import TernBroker
import TernModel
import TernTransport
import TernWire
import Testing

@Suite struct ApiVersionsDispatchTests {
    /// PROTOCOL.md §1.3 "Advertise" column as the broker implements it.
    static let expected: [Int16: ClosedRange<Int16>] = [
        0: 0...10, 1: 4...12, 2: 1...7, 3: 0...12, 8: 2...9, 9: 1...9, 10: 0...4, 11: 0...9, 12: 0...4, 13: 0...5,
        14: 0...5, 15: 0...5, 16: 0...5, 18: 0...4, 19: 2...7, 22: 0...4, 20: 1...6, 23: 2...4, 32: 1...4, 35: 1...4, 37: 0...3,
        42: 0...2, 44: 0...1, 47: 0...0, 60: 0...1,
    ]

    @Test("ApiVersions v0–v4 list exactly the advertised ranges, ordered by key")
    func advertisedRanges() async throws {
        try await withBroker { broker in
            for version: Int16 in 0...4 {
                let response = try await broker.call(
                    ApiVersionsRequest(clientSoftwareName: "tern-tests", clientSoftwareVersion: "1.0"), version: version)
                #expect(response.errorCode == 0)
                let keys = response.apiKeys.map(\.apiKey)
                #expect(keys == keys.sorted(), "v\(version): entries ordered by key")
                var ranges: [Int16: ClosedRange<Int16>] = [:]
                for entry in response.apiKeys { ranges[entry.apiKey] = entry.minVersion...entry.maxVersion }
                #expect(ranges == Self.expected, "v\(version)")
                if version >= 1 { #expect(response.throttleTimeMs == 0) }
            }
        }
    }

    @Test("every advertised API answers at its min and max version with a body that decodes")
    func everyApiAtItsBounds() async throws {
        try await withBroker { broker in
            try await broker.createTopic("bounds", partitions: 1)
            try await broker.createTopic("grow", partitions: 1)
            let advertised = try await broker.call(ApiVersionsRequest(), version: 0)
            #expect(advertised.apiKeys.count == Self.expected.count)
            for entry in advertised.apiKeys {
                let key = try #require(ApiKey(rawValue: entry.apiKey))
                // Produce v0–2 are advertised for old librdkafka feature detection only; the
                // lowest version Tern serves is 3 (checked separately below).
                let low = key == .produce ? 3 : entry.minVersion
                for version in Set([low, entry.maxVersion]).sorted() {
                    let request = try #require(Self.request(for: key, version: version), "\(key.name) has a request")
                    try await Self.expectAnswer(request, version: version, broker: broker)
                }
            }
        }
    }

    /// Sends `request` and checks that a response comes back and decodes at `version`.
    static func expectAnswer(_ request: some KafkaRequestMessage, version: Int16, broker: TestBroker) async throws {
        _ = try await broker.call(request, version: version)
    }

    /// A small valid request of `key` at `version`, touching the topics "bounds" and "grow".
    static func request(for key: ApiKey, version: Int16) -> (any KafkaRequestMessage)? {
        switch key {
        case .produce:
            return TestBroker.produceRequest("bounds", records: TestBatch.records(2, tag: "v\(version)"), acks: 1)
        case .fetch:
            return TestBroker.fetchRequest("bounds", offset: 0)
        case .listOffsets:
            return ListOffsetsRequest(
                replicaId: -1,
                topics: [
                    ListOffsetsRequest.ListOffsetsTopic(
                        name: "bounds", partitions: [ListOffsetsRequest.ListOffsetsPartition(partitionIndex: 0, timestamp: -1)])
                ])
        case .metadata:
            return MetadataRequest(topics: [MetadataRequest.MetadataRequestTopic(name: "bounds")])
        case .findCoordinator:
            return FindCoordinatorRequest(key: "group-1", keyType: 0, coordinatorKeys: ["group-1"])
        case .apiVersions:
            return ApiVersionsRequest(clientSoftwareName: "tern-tests", clientSoftwareVersion: "1.0")
        case .createTopics:
            return CreateTopicsRequest(
                topics: [CreateTopicsRequest.CreatableTopic(name: "created-v\(version)", numPartitions: 1, replicationFactor: 1)],
                timeoutMs: 30_000)
        case .deleteTopics:
            return version >= 6
                ? DeleteTopicsRequest(topics: [DeleteTopicsRequest.DeleteTopicState(name: "absent-v\(version)")], timeoutMs: 30_000)
                : DeleteTopicsRequest(topicNames: ["absent-v\(version)"], timeoutMs: 30_000)
        case .offsetForLeaderEpoch:
            return OffsetForLeaderEpochRequest(
                topics: [
                    OffsetForLeaderEpochRequest.OffsetForLeaderTopic(
                        topic: "bounds", partitions: [OffsetForLeaderEpochRequest.OffsetForLeaderPartition(partition: 0, leaderEpoch: 1)])
                ])
        case .describeConfigs:
            return DescribeConfigsRequest(
                resources: [DescribeConfigsRequest.DescribeConfigsResource(resourceType: 2, resourceName: "bounds")],
                includeSynonyms: true, includeDocumentation: true)
        case .describeLogDirs:
            return DescribeLogDirsRequest(topics: nil)
        case .createPartitions:
            return CreatePartitionsRequest(
                topics: [CreatePartitionsRequest.CreatePartitionsTopic(name: "grow", count: Int32(version) + 2)],
                timeoutMs: 30_000, validateOnly: false)
        case .incrementalAlterConfigs:
            return IncrementalAlterConfigsRequest(
                resources: [
                    IncrementalAlterConfigsRequest.AlterConfigsResource(
                        resourceType: 2, resourceName: "bounds",
                        configs: [
                            IncrementalAlterConfigsRequest.AlterableConfig(name: "retention.ms", configOperation: 0, value: "3600000")
                        ])
                ], validateOnly: false)
        case .describeCluster:
            return DescribeClusterRequest(includeClusterAuthorizedOperations: false, endpointType: 1)
        // Group calls name a member the coordinator does not know, so each is answered at once.
        case .joinGroup:
            return JoinGroupRequest(
                groupId: "bounds-group", sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: "unknown-member",
                protocolType: "consumer",
                protocols: [JoinGroupRequest.JoinGroupRequestProtocol(name: "range", metadata: ByteBuffer(bytes: [0, 0]))])
        case .syncGroup:
            return SyncGroupRequest(groupId: "bounds-group", generationId: 1, memberId: "unknown-member", assignments: [])
        case .heartbeat:
            return HeartbeatRequest(groupId: "bounds-group", generationId: 1, memberId: "unknown-member")
        case .leaveGroup:
            return LeaveGroupRequest(
                groupId: "bounds-group", memberId: "unknown-member",
                members: [LeaveGroupRequest.MemberIdentity(memberId: "unknown-member")])
        case .offsetCommit:
            return OffsetCommitRequest(
                groupId: "bounds-group", generationIdOrMemberEpoch: -1, memberId: "",
                topics: [
                    OffsetCommitRequest.OffsetCommitRequestTopic(
                        name: "bounds",
                        partitions: [OffsetCommitRequest.OffsetCommitRequestPartition(partitionIndex: 0, committedOffset: 1)])
                ])
        case .offsetFetch:
            return OffsetFetchRequest(
                groupId: "bounds-group",
                topics: [OffsetFetchRequest.OffsetFetchRequestTopic(name: "bounds", partitionIndexes: [0])],
                groups: [
                    OffsetFetchRequest.OffsetFetchRequestGroup(
                        groupId: "bounds-group",
                        topics: [OffsetFetchRequest.OffsetFetchRequestTopics(name: "bounds", partitionIndexes: [0])])
                ])
        case .describeGroups:
            return DescribeGroupsRequest(groups: ["bounds-group"])
        case .listGroups:
            return ListGroupsRequest()
        case .deleteGroups:
            return DeleteGroupsRequest(groupsNames: ["absent-group"])
        case .initProducerId:
            var request = InitProducerIdRequest()
            request.transactionTimeoutMs = 60_000
            return request
        case .offsetDelete:
            return OffsetDeleteRequest(
                groupId: "absent-group",
                topics: [
                    OffsetDeleteRequest.OffsetDeleteRequestTopic(
                        name: "bounds", partitions: [OffsetDeleteRequest.OffsetDeleteRequestPartition(partitionIndex: 0)])
                ])
        }
    }

    @Test("FindCoordinator v0–v4: the offsets partition's leader (this broker) for groups, COORDINATOR_NOT_AVAILABLE for transactions")
    func findCoordinator() async throws {
        try await withBroker { broker in
            let port = try #require(broker.broker.kafkaAddress?.port)
            // The cluster creates __consumer_offsets shortly after it is named.
            let ready = try await eventually {
                let batch = try await broker.call(
                    FindCoordinatorRequest(keyType: 0, coordinatorKeys: ["group-a", "g1", "g2"]), version: 4)
                return batch.coordinators.allSatisfy { $0.errorCode == 0 }
            }
            #expect(ready, "a group coordinator is found")
            for version: Int16 in 0...3 {
                let response = try await broker.call(FindCoordinatorRequest(key: "group-a", keyType: 0), version: version)
                #expect(response.errorCode == 0, "v\(version)")
                #expect(response.nodeId == 1)
                #expect(response.host == "127.0.0.1")
                #expect(Int(response.port) == port)
            }
            let transactions = try await broker.call(FindCoordinatorRequest(key: "tx", keyType: 1), version: 3)
            #expect(transactions.errorCode == 15)
            #expect(transactions.nodeId == -1)
            let batched = try await broker.call(FindCoordinatorRequest(keyType: 0, coordinatorKeys: ["g1", "g2"]), version: 4)
            #expect(batched.coordinators.map(\.key) == ["g1", "g2"])
            #expect(batched.coordinators.allSatisfy { $0.errorCode == 0 && $0.nodeId == 1 && Int($0.port) == port })
        }
    }

    @Test("Produce v0–v2 (message formats 0/1) close the connection, as 00_Produce.swift documents")
    func produceBelowV3Closes() async throws {
        try await withBroker { broker in
            try await broker.createTopic("old-produce")
            // A v2-shaped body: acks, timeout, one topic, one partition, empty message set.
            var body = ByteBuffer()
            body.writeInteger(Int16(1))
            body.writeInteger(Int32(1000))
            body.writeInteger(Int32(1))
            body.writeInteger(Int16(11))
            body.writeString("old-produce")
            body.writeInteger(Int32(1))
            body.writeInteger(Int32(0))
            body.writeInteger(Int32(0))
            for version: Int16 in 0...2 {
                guard case .closeConnection = await broker.action(.produce, version: version, body: body) else {
                    Issue.record("Produce v\(version) did not close the connection")
                    continue
                }
            }
        }
    }

    @Test("a truncated Metadata v1 body closes the connection; valid requests before and after are answered")
    func truncatedBodyCloses() async throws {
        try await withBroker { broker in
            let full = MetadataRequest(topics: [MetadataRequest.MetadataRequestTopic(name: "some-topic")]).encoded(version: 1)
            for cut in [1, 2, 5, full.readableBytes - 1] {
                let truncated = try #require(full.getSlice(at: full.readerIndex, length: full.readableBytes - cut))
                guard case .closeConnection = await broker.action(.metadata, version: 1, body: truncated) else {
                    Issue.record("Metadata v1 with \(cut) bytes cut was not refused")
                    continue
                }
            }
            // The same API still answers a whole body.
            let response = try await broker.call(
                MetadataRequest(topics: [MetadataRequest.MetadataRequestTopic(name: "some-topic")]), version: 1)
            #expect(response.topics.map(\.errorCode) == [3])
        }
    }

    @Test("garbage bodies for other APIs close the connection")
    func garbageBodiesClose() async throws {
        try await withBroker { broker in
            // An array count of two billion elements in a tiny body, for several APIs.
            var garbage = ByteBuffer()
            garbage.writeInteger(Int32(0x7FFF_FFFF))
            garbage.writeInteger(Int16(-5))
            let cases: [(ApiKey, Int16)] = [
                (.createTopics, 2), (.deleteTopics, 1), (.listOffsets, 1), (.describeConfigs, 1), (.createPartitions, 0),
                (.fetch, 4),
            ]
            for (key, version) in cases {
                guard case .closeConnection = await broker.action(key, version: version, body: garbage) else {
                    Issue.record("\(key.name) v\(version) garbage was not refused")
                    continue
                }
            }
        }
    }

    @Test("a Metadata v9 all-topics request with librdkafka's three stray bytes is answered")
    func trailingBytesAreIgnored() async throws {
        try await withBroker { broker in
            try await broker.createTopic("stray")
            var body = MetadataRequest(topics: nil, allowAutoTopicCreation: false).encoded(version: 9)
            body.writeBytes([0, 0, 0])
            // The offsets topic is created in the background; polled (60 s deadline) so a loaded
            // machine does not decide the outcome.
            let deadline = ContinuousClock.now.advanced(by: .seconds(60))
            var response: MetadataResponse
            repeat {
                guard case .response(let answer) = await broker.action(.metadata, version: 9, body: body) else {
                    Issue.record("Metadata v9 with trailing bytes was not answered")
                    return
                }
                response = try MetadataResponse.decode(from: answer, version: 9)
                if response.topics.contains(where: \.isInternal) { break }
                try await Task.sleep(for: .milliseconds(50))
            } while ContinuousClock.now < deadline
            // All topics: the client's, and the internal offsets topic Kafka lists too.
            #expect(response.topics.filter { !$0.isInternal }.compactMap(\.name) == ["stray"])
            #expect(response.topics.filter(\.isInternal).compactMap(\.name) == ["__consumer_offsets"])
        }
    }
}
