// Produce (key 0): v3–v10 (v0–v2 advertised for librdkafka 2.0.2's feature detection, then
// refused by closing the connection: message formats 0 and 1 do not exist in Tern).
//
// Behaviour:
// - acks 0 (no response at all), 1 (after the leader's local append), -1 (after the Raft
//   commit: fsynced on a majority of the voters); anything else: INVALID_REQUIRED_ACKS.
// - Each partition's records must be exactly one RecordBatch v2 (Kafka's rule since v3),
//   checked before anything is written: magic, batchLength, CRC-32C, codec (LZ4 or none; gzip,
//   snappy and zstd get UNSUPPORTED_COMPRESSION_TYPE), record count and offset deltas, size
//   against the topic's `max.message.bytes` (MESSAGE_TOO_LARGE), no control batches.
//   CORRUPT_MESSAGE / INVALID_RECORD name the problem in ErrorMessage (v8+).
// - The leader assigns the offsets and stamps its term as the partition leader epoch; the
//   batch is stored as received otherwise (LZ4 stays compressed). Topics with
//   `message.timestamp.type=LogAppendTime` get the broker's time (LogAppendTimeMs answered).
// - Unknown topic or partition: UNKNOWN_TOPIC_OR_PARTITION (or auto-created when enabled);
//   not the leader: NOT_LEADER_OR_FOLLOWER; leader still committing its LEADER_CHANGE batch:
//   LEADER_NOT_AVAILABLE; commit not reached within TimeoutMs: REQUEST_TIMED_OUT. All retriable.
// - Idempotent batches (a producer id from InitProducerId) are checked by the partition leader
//   in log order, before they are proposed, against the partition's producer state
//   (TernCoordination's `ProducerStateTable`, batches in flight included): a retry of one of the
//   producer's last five batches is answered with its original offset and not written again;
//   an older epoch gets INVALID_PRODUCER_EPOCH; a sequence that does not follow (or a new epoch
//   not starting at 0) gets OUT_OF_ORDER_SEQUENCE_NUMBER; a producer without state may start
//   anywhere. A producer id with a negative epoch or sequence: INVALID_RECORD.
// - Transactional requests and batches are refused (Tern has no transactions).
// - A partition named twice in one request: INVALID_RECORD for both, nothing written.
// - acks=0: no response; a failure closes the connection (Kafka's way of telling such a client).
// - Order: the batches of a connection's produce requests are proposed in the order the
//   requests arrived (Kafka handles a connection's requests one at a time, and clients without
//   idempotence rely on that); only the wait for the acknowledgement overlaps the next request.
//   Many requests to one partition share one fsync (group commit on the partition's executor).
import NIOCore
import NIOPosix
import Synchronization
import TernModel
import TernTransport
import TernWire
import TernController
import TernCoordination

extension Broker {
    func produce(_ request: ProduceRequest, _ head: KafkaRequestHead, admission: Admission) async -> ProduceResponse {
        let version = head.apiVersion
        let refusal: (ErrorCode, String)? =
            if RequiredAcks(kafkaValue: request.acks) == nil {
                (.invalidRequiredAcks, "acks must be 0, 1 or -1, not \(request.acks)")
            } else if request.transactionalId != nil {
                (.transactionalIdAuthorizationFailed, "Tern has no transactions")
            } else {
                nil
            }
        if let (error, message) = refusal {
            return ProduceResponse(
                responses: request.topicData.map { topic in
                    ProduceResponse.TopicProduceResponse(
                        name: topic.name,
                        partitionResponses: topic.partitionData.map {
                            Self.produceFailure($0.index, error, message, version: version)
                        })
                })
        }
        let acks = RequiredAcks(kafkaValue: request.acks) ?? .all
        if configuration.autoCreateTopics {
            let image = state.withLock { $0.image }
            let unknown = Set(request.topicData.map(\.name).filter { image.topics[$0] == nil })
            if !unknown.isEmpty { await autoCreate(unknown.sorted()) }
        }
        let now = clock.now()
        // Phase 1, in the connection's order: validate and propose every batch.
        var pending: [[PendingProduce]] = []
        for topic in request.topicData {
            let repeated = Self.repeated(topic.partitionData.map(\.index))
            var slots: [PendingProduce] = []
            for data in topic.partitionData {
                if repeated.contains(data.index) {
                    slots.append(.done(Self.produceFailure(
                        data.index, .invalidRecord, "partition \(data.index) is named twice in one request",
                        version: version)))
                    continue
                }
                slots.append(
                    propose(topic: topic.name, data: data, acks: acks, timeoutMs: request.timeoutMs, now: now,
                        version: version))
            }
            pending.append(slots)
        }
        // Phase 2: the next request of this connection may propose while these wait.
        admission.release()
        var responses: [ProduceResponse.TopicProduceResponse] = []
        for (topic, slots) in zip(request.topicData, pending) {
            var partitions: [ProduceResponse.PartitionProduceResponse] = []
            for slot in slots {
                switch slot {
                case .done(let response):
                    partitions.append(response)
                case .waiting(let index, let ticket, let appendTime, let records, let bytes):
                    let outcome = await ticket.outcome()
                    if case .appended = outcome { metrics.countProduced(records: records, bytes: bytes) }
                    partitions.append(Self.produceAnswer(index, outcome, appendTime, version: version))
                }
            }
            responses.append(ProduceResponse.TopicProduceResponse(name: topic.name, partitionResponses: partitions))
        }
        var response = ProduceResponse(responses: responses, throttleTimeMs: 0)
        if version >= 10 { pointToCurrentLeaders(&response) }
        return response
    }

    /// Validates one partition's batch and proposes it to the partition's leader.
    private func propose(
        topic name: String, data: ProduceRequest.PartitionProduceData, acks: RequiredAcks, timeoutMs: Int32,
        now: TimestampMs, version: Int16
    ) -> PendingProduce {
        let partition = TopicPartition(topic: name, partition: PartitionID(data.index))
        guard let topic = state.withLock({ $0.image.topics[name] }), data.index >= 0, data.index < topic.partitionCount
        else {
            return .done(Self.produceFailure(
                data.index, .unknownTopicOrPartition, "This server does not host this topic-partition.", version: version))
        }
        guard name != Self.offsetsTopic else {
            // Kafka's rule: only the coordinator writes the groups' records.
            return .done(Self.produceFailure(
                data.index, .invalidTopicException, "Cannot append to internal topic \(name)", version: version))
        }
        guard let replica = replica(partition) else {
            return .done(Self.produceFailure(data.index, .notLeaderOrFollower, nil, version: version))
        }
        var batch: ByteBuffer
        let header: RecordBatchHeader
        switch Self.checkedBatch(data.records, maxMessageBytes: TopicConfig.maxMessageBytes(topic.configs)) {
        case .failure(let refusal):
            return .done(Self.produceFailure(data.index, refusal.error, refusal.message, version: version))
        case .success(let checked):
            (batch, header) = checked
        }
        var producer = ProducerAppend(header: header)
        var appendTime = TimestampMs.none
        if TopicConfig.usesLogAppendTime(topic.configs) {
            appendTime = now
            RecordBatchHeader.stampLogAppendTime(now, in: &batch)
            producer?.timestamp = now
        }
        if let producer, !producer.isWellFormed {
            return .done(Self.produceFailure(
                data.index, .invalidRecord, "\(producer): a producer id needs an epoch and a sequence of at least 0",
                version: version))
        }
        let records = Int(header.recordCount)
        let bytes = batch.readableBytes
        if configuration.unsafeDropAcknowledgedEvery > 0,
            droppedSwitchCount.wrappingAdd(1, ordering: .relaxed).newValue % configuration.unsafeDropAcknowledgedEvery == 0
        {
            // The test-only switch: answered as stored, never stored.
            return .done(ProduceResponse.PartitionProduceResponse(
                index: data.index, errorCode: 0, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1))
        }
        let ticket = replica.submit(batch, producer: producer, acks: acks, timeoutMs: timeoutMs)
        return .waiting(index: data.index, ticket: ticket, appendTime: appendTime, records: records, bytes: bytes)
    }

    /// The answer for a decided ticket.
    static func produceAnswer(
        _ index: Int32, _ outcome: ProduceOutcome, _ appendTime: TimestampMs, version: Int16
    ) -> ProduceResponse.PartitionProduceResponse {
        switch outcome {
        case .appended(let baseOffset, let logStart):
            return ProduceResponse.PartitionProduceResponse(
                index: index, errorCode: 0, baseOffset: baseOffset.rawValue, logAppendTimeMs: appendTime.rawValue,
                logStartOffset: logStart.rawValue)
        case .failed(let error):
            return produceFailure(index, error, nil, version: version)
        }
    }

    /// Exactly one valid producer batch, or the error that refuses it.
    static func checkedBatch(
        _ records: ByteBuffer?, maxMessageBytes: Int
    ) -> Result<(ByteBuffer, RecordBatchHeader), TopicOutcome> {
        guard let records, records.readableBytes > 0 else {
            return .failure(.refused(.invalidRecord, "a produce request must carry one record batch per partition"))
        }
        // Kafka's ProduceRequest.validateRecords: v3+ carry magic 2 only, an INVALID_RECORD
        // (a stored batch with another magic, by contrast, is corruption).
        if let magic = records.getInteger(at: records.readerIndex + 16, as: Int8.self), magic != 2 {
            return .failure(.refused(
                .invalidRecord, "Produce v3+ carries record batches of magic 2 only, not magic \(magic)"))
        }
        if let header = try? RecordBatchHeader(parsing: records), header.totalSize < records.readableBytes,
            records.readableBytes - header.totalSize >= RecordBatchHeader.size
        {
            return .failure(.refused(.invalidRecord, "a produce request must carry exactly one record batch per partition"))
        }
        let header: RecordBatchHeader
        do throws(RecordBatchError) {
            let options = RecordBatchValidationOptions(batchBytesMax: maxMessageBytes, producerRules: true)
            header = try RecordBatch.validate(records, options: options)
        } catch {
            return .failure(.refused(ErrorCode(error.kafkaErrorCode), "\(error)"))
        }
        guard !header.attributes.isTransactional else {
            return .failure(.refused(.invalidRecord, "Tern has no transactions: a transactional batch is refused"))
        }
        // No copy here: the partition copies the batch into its Raft entry when it proposes it,
        // and the request frame this slice keeps alive lives only until then.
        return .success((records, header))
    }

    static func produceFailure(
        _ index: Int32, _ error: ErrorCode, _ message: String?, version: Int16
    ) -> ProduceResponse.PartitionProduceResponse {
        var response = ProduceResponse.PartitionProduceResponse(
            index: index, errorCode: error.rawValue, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1)
        if version >= 8, let message {
            response.errorMessage = message
            if error == .corruptMessage || error == .invalidRecord || error == .messageTooLarge {
                response.recordErrors = [
                    ProduceResponse.BatchIndexAndErrorMessage(
                        batchIndex: 0, batchIndexErrorMessage: message)
                ]
            }
        }
        return response
    }
}

/// One partition of a produce request after phase 1.
enum PendingProduce {
    /// Answered already (refused before proposing).
    case done(ProduceResponse.PartitionProduceResponse)
    /// Proposed; the ticket gives the acknowledgement.
    case waiting(index: Int32, ticket: ProduceTicket, appendTime: TimestampMs, records: Int, bytes: Int)
}

extension Broker {
    /// KIP-951 (Produce v10): a partition answered NOT_LEADER_OR_FOLLOWER names the leader this
    /// broker knows in CurrentLeader, and the response carries that leader's address, so the
    /// client moves without a Metadata round trip.
    func pointToCurrentLeaders(_ response: inout ProduceResponse) {
        var leaders = Set<Int32>()
        for topicIndex in response.responses.indices {
            let name = response.responses[topicIndex].name
            for partitionIndex in response.responses[topicIndex].partitionResponses.indices {
                let answer = response.responses[topicIndex].partitionResponses[partitionIndex]
                guard answer.errorCode == ErrorCode.notLeaderOrFollower.rawValue else { continue }
                let partition = TopicPartition(topic: name, partition: PartitionID(answer.index))
                guard let known = liveLeadership(of: partition), let leader = known.leader, leader != nodeID
                else { continue }
                response.responses[topicIndex].partitionResponses[partitionIndex].currentLeader =
                    ProduceResponse.LeaderIdAndEpoch(leaderId: leader.rawValue, leaderEpoch: known.epoch)
                leaders.insert(leader.rawValue)
            }
        }
        guard !leaders.isEmpty else { return }
        response.nodeEndpoints = knownBrokers.filter { leaders.contains($0.id) }.map {
            ProduceResponse.NodeEndpoint(nodeId: $0.id, host: $0.host, port: $0.port, rack: nil)
        }
    }
}
