import Logging
import NIOCore
import NIOPosix
import Synchronization
import TernModel
public import TernTransport
import TernWire

extension Broker: KafkaRequestHandling {
    /// Decodes the body for its API and version, runs the API's handler (`APIs/NN_Name.swift`)
    /// and encodes the answer at the same version. A body that does not decode closes the
    /// connection, as Kafka does: the client and we disagree about the bytes, and nothing later
    /// on that connection can be trusted.
    public func handle(_ request: KafkaRequest, connection: KafkaConnectionInfo) async -> KafkaResponseAction {
        let head = request.head
        metrics.countRequest(head.apiKey)
        // Only Produce depends on the order of a connection's requests (its batches are appended
        // in the order sent, as Kafka does); everything else lets the next request start now.
        if head.apiKey != .produce { request.admission.release() }
        defer { request.admission.release() }
        do {
            switch head.apiKey {
            case .apiVersions: return try answer(request, ApiVersionsRequest.self) { self.apiVersions($0, head) }
            case .metadata: return try await answerAsync(request, MetadataRequest.self) { await self.metadata($0, head) }
            case .produce: return try await produceAction(request)
            case .fetch:
                let decoded = try Self.decodeBody(FetchRequest.self, request)
                return await fetch(decoded, head)
            case .listOffsets:
                return try await answerAsync(request, ListOffsetsRequest.self) { await self.listOffsets($0, head) }
            case .findCoordinator:
                return try answer(request, FindCoordinatorRequest.self) { self.findCoordinator($0, head) }
            case .createTopics:
                return try await answerAsync(request, CreateTopicsRequest.self) { await self.createTopics($0, head) }
            case .deleteTopics:
                return try await answerAsync(request, DeleteTopicsRequest.self) { await self.deleteTopics($0, head) }
            case .createPartitions:
                return try await answerAsync(request, CreatePartitionsRequest.self) {
                    await self.createPartitions($0, head)
                }
            case .offsetForLeaderEpoch:
                return try await answerAsync(request, OffsetForLeaderEpochRequest.self) {
                    await self.offsetForLeaderEpoch($0, head)
                }
            case .describeConfigs:
                return try answer(request, DescribeConfigsRequest.self) { self.describeConfigs($0, head) }
            case .incrementalAlterConfigs:
                return try await answerAsync(request, IncrementalAlterConfigsRequest.self) {
                    await self.incrementalAlterConfigs($0, head)
                }
            case .describeLogDirs:
                return try await answerAsync(request, DescribeLogDirsRequest.self) {
                    await self.describeLogDirs($0, head)
                }
            case .joinGroup:
                let decoded = try Self.decodeBody(JoinGroupRequest.self, request)
                return .response(await joinGroup(decoded, head, connection: connection).encoded(version: head.apiVersion))
            case .syncGroup:
                return try await answerAsync(request, SyncGroupRequest.self) { await self.syncGroup($0, head) }
            case .heartbeat:
                return try await answerAsync(request, HeartbeatRequest.self) { await self.heartbeat($0, head) }
            case .leaveGroup:
                return try await answerAsync(request, LeaveGroupRequest.self) { await self.leaveGroup($0, head) }
            case .offsetCommit:
                return try await answerAsync(request, OffsetCommitRequest.self) { await self.offsetCommit($0, head) }
            case .offsetFetch:
                return try await answerAsync(request, OffsetFetchRequest.self) { await self.offsetFetch($0, head) }
            case .describeGroups:
                return try await answerAsync(request, DescribeGroupsRequest.self) { await self.describeGroups($0, head) }
            case .listGroups:
                return try await answerAsync(request, ListGroupsRequest.self) { await self.listGroups($0, head) }
            case .deleteGroups:
                return try await answerAsync(request, DeleteGroupsRequest.self) { await self.deleteGroups($0, head) }
            case .offsetDelete:
                return try await answerAsync(request, OffsetDeleteRequest.self) { await self.offsetDelete($0, head) }
            case .initProducerId:
                return try await answerAsync(request, InitProducerIdRequest.self) { await self.initProducerId($0, head) }
            case .describeCluster:
                return try answer(request, DescribeClusterRequest.self) { self.describeCluster($0, head) }
            // No default: every API with a generated definition has a handler, and the compiler
            // makes a new definition get one.
            }
        } catch {
            logger.notice(
                "closing a connection: request body does not decode",
                metadata: [
                    "api": "\(head.apiKey.name)", "version": "\(head.apiVersion)", "client": "\(head.clientID ?? "-")",
                    "remote": "\(connection.remoteAddress.map { "\($0)" } ?? "-")", "error": "\(error)",
                ])
            return .closeConnection(reason: "\(head.apiKey.name) v\(head.apiVersion) body does not decode: \(error)")
        }
    }

    /// Decodes a request body the way Kafka does: bytes after the last field are ignored.
    /// librdkafka ≥ 2.x sends Metadata v9+ "all topics" requests with a 4-byte placeholder where
    /// the one-byte compact null array count goes (`rd_kafka_buf_write_arraycnt_pos`), i.e. three
    /// stray bytes at the end; Kafka reads the fields it knows and stops, and so must we.
    static func decodeBody<Request: KafkaRequestMessage>(_ type: Request.Type, _ request: KafkaRequest) throws -> Request {
        var reader = WireReader(buffer: request.body)
        return try Request(from: &reader, version: request.head.apiVersion)
    }

    private func answer<Request: KafkaRequestMessage>(
        _ request: KafkaRequest, _ type: Request.Type, _ body: (Request) -> Request.Response
    ) throws -> KafkaResponseAction {
        let decoded = try Self.decodeBody(Request.self, request)
        return .response(body(decoded).encoded(version: request.head.apiVersion))
    }

    private func answerAsync<Request: KafkaRequestMessage>(
        _ request: KafkaRequest, _ type: Request.Type, _ body: (Request) async -> Request.Response
    ) async throws -> KafkaResponseAction {
        let decoded = try Self.decodeBody(Request.self, request)
        return .response(await body(decoded).encoded(version: request.head.apiVersion))
    }

    /// Produce v0–2 are advertised for librdkafka 2.0.2's feature detection only (PROTOCOL.md
    /// §1.2) and have no codec: such a request closes the connection. acks=0 gets no response.
    private func produceAction(_ request: KafkaRequest) async throws -> KafkaResponseAction {
        let version = request.head.apiVersion
        guard ProduceRequest.versions.contains(version) else {
            return .closeConnection(reason: "Produce v\(version) (message format 0/1) is not supported")
        }
        let decoded = try Self.decodeBody(ProduceRequest.self, request)
        let response = await produce(decoded, request.head, admission: request.admission)
        guard decoded.acks != 0 else {
            // Kafka closes an acks=0 connection whose produce failed: closing is the only way
            // such a client learns of the failure (it refreshes metadata and reconnects).
            let failed = response.responses.contains { $0.partitionResponses.contains { $0.errorCode != 0 } }
            return failed ? .closeConnection(reason: "an acks=0 produce failed") : .noResponse
        }
        return .response(response.encoded(version: version))
    }
}
