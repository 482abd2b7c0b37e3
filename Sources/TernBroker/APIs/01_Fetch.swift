// Fetch (key 1): v4–v12, sessionless.
//
// Behaviour:
// - Reads committed batches (below the high watermark = Raft commit index + 1) from each
//   partition's leader, whole batches as stored (LZ4 stays compressed; the first batch may start
//   below FetchOffset and clients skip the records before it). Control batches (the
//   LEADER_CHANGE a new leader writes) are returned like transaction markers; consumers step
//   over them.
// - Limits: MaxBytes for the response and PartitionMaxBytes per partition; the first batch of
//   the first partition with data is returned whole even if larger (KIP-74), later partitions
//   only within the remaining budget.
// - Long poll: while fewer than MinBytes are available and MaxWaitMs has not passed, the request
//   waits for any of its partitions' high watermark to move (woken by the partition, never by
//   polling), then reads again. Errors answer at once.
// - Per partition: HighWatermark, LastStableOffset (= HighWatermark: no transactions),
//   LogStartOffset (v5+), PreferredReadReplica -1 (v11+), no aborted transactions. Records are
//   empty, never null, when there is nothing to return (librdkafka refuses a null record set).
// - Errors: UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE,
//   OFFSET_OUT_OF_RANGE (below the log start or above the high watermark),
//   FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH (v9+ CurrentLeaderEpoch older / newer than ours),
//   KAFKA_STORAGE_ERROR (damaged bytes are never served).
// - Zero-copy: record sets are file ranges of the segments, sent with sendfile
//   (`01_Fetch+Parts.swift` splices them into the generated encoding).
// - v7+ sessions: SessionId 0, error 0: Tern never creates a session, so clients send full
//   requests (legal per KIP-227). Follower fetches (ReplicaId >= 0) are served like consumers:
//   Tern replicates through Raft, not Fetch.
import NIOCore
import NIOPosix
import Synchronization
import TernModel
import TernTransport
import TernWire
import TernController

extension Broker {
    func fetch(_ request: FetchRequest, _ head: KafkaRequestHead) async -> KafkaResponseAction {
        let maxWaitMs = Int64(max(0, min(request.maxWaitMs, 60_000)))
        let deadline = clock.now().advanced(by: maxWaitMs)
        var responses = await readFetch(request)
        // Bounded by the deadline and by `fetchLongPollRoundsMax` wakes.
        for _ in 0..<Limits.fetchLongPollRoundsMax {
            let bytes = responses.totalBytes
            let remaining = deadline - clock.now()
            guard bytes < Int(request.minBytes), !responses.hasError, remaining > 0 else { break }
            let wakeup = FetchWakeup()
            for (partition, highWatermark) in responses.servedHighWatermarks {
                guard let replica = replica(partition) else {
                    // Gone since the read (topic deleted): read again now rather than wait.
                    wakeup.fire()
                    break
                }
                await replica.register(wakeup, seen: highWatermark)
            }
            await wakeup.wait(timeout: .milliseconds(remaining), on: networkGroup.next())
            if Task.isCancelled { break }
            responses = await readFetch(request)
        }
        let topics = responses.topics
        if let parts = FetchResponseParts.encode(topics: topics, version: head.apiVersion) {
            return .responseParts(parts)
        }
        // Tagged fields set somewhere: the plain encoding, with the records in memory.
        let plain = topics.map { topic in
            FetchResponse.FetchableTopicResponse(
                topic: topic.name,
                partitions: topic.partitions.map { partition in
                    var data = partition.data
                    data.records = partition.records.flatMap { KafkaResponseAction.responseParts($0.parts).flattenedBody() }
                        ?? ByteBuffer()
                    return data
                })
        }
        let response = FetchResponse(throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses: plain)
        return .response(response.encoded(version: head.apiVersion))
    }

    /// One pass over every requested partition, in request order, within the byte budgets.
    private func readFetch(_ request: FetchRequest) async -> FetchRead {
        var read = FetchRead()
        var budget = Int(max(0, request.maxBytes))
        for topic in request.topics {
            var partitions: [FetchAnswerPartition] = []
            for wanted in topic.partitions {
                let partition = TopicPartition(topic: topic.topic, partition: PartitionID(wanted.partition))
                let result = await readPartition(
                    partition, wanted, budget: budget, minOneBatch: read.totalBytes == 0)
                let size = result.records?.byteCount ?? 0
                budget = max(0, budget - size)
                read.totalBytes += size
                if result.error != .noError { read.hasError = true }
                if result.error == .noError { read.servedHighWatermarks.append((partition, result.highWatermark)) }
                let data = FetchResponse.PartitionData(
                    partitionIndex: wanted.partition, errorCode: result.error.rawValue,
                    highWatermark: result.highWatermark.rawValue, lastStableOffset: result.highWatermark.rawValue,
                    logStartOffset: result.logStartOffset.rawValue, abortedTransactions: nil, preferredReadReplica: -1,
                    records: nil)
                partitions.append(FetchAnswerPartition(data: data, records: result.records))
            }
            read.topics.append((topic.topic, partitions))
        }
        return read
    }

    private func readPartition(
        _ partition: TopicPartition, _ wanted: FetchRequest.FetchPartition, budget: Int, minOneBatch: Bool
    ) async -> PartitionRead {
        guard let topic = state.withLock({ $0.image.topics[partition.topic] }), wanted.partition >= 0,
            wanted.partition < topic.partitionCount
        else {
            return .failed(.unknownTopicOrPartition)
        }
        guard let replica = replica(partition) else { return .failed(.notLeaderOrFollower) }
        let limit = min(Int(max(0, wanted.partitionMaxBytes)), budget)
        return await replica.read(
            from: Offset(wanted.fetchOffset), maxBytes: limit, minOneBatch: minOneBatch,
            currentLeaderEpoch: wanted.currentLeaderEpoch)
    }
}

/// What one pass of a Fetch read.
private struct FetchRead {
    var topics: [(name: String, partitions: [FetchAnswerPartition])] = []
    var totalBytes = 0
    var hasError = false
    /// Partitions read without error and their high watermark then (long-poll registration).
    var servedHighWatermarks: [(TopicPartition, Offset)] = []
}
