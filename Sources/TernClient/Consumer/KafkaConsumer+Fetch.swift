import NIOCore
import TernModel
import TernWire

/// Fetching and offset lookups.
extension KafkaConsumer {
    /// One Fetch per leader for every fetchable partition, concurrently; records at or past each
    /// position are buffered. Partitions whose leader moved get a metadata refresh; an offset
    /// out of range is reset by the policy.
    func fetchOnce() async throws(ClientError) {
        let (wanted, epoch) = fetchable()
        guard !wanted.isEmpty else {
            // Nothing to fetch (no assignment yet, or all paused): wait like a fetch would.
            try? await Task.sleep(for: configuration.fetchMaxWait)
            return
        }
        let metadata = try await cluster.refreshIfMissing(Set(wanted.keys.map(\.topic)))
        var byLeader: [NodeID: [TopicPartition: Int64]] = [:]
        var leaderless = false
        for (partition, offset) in wanted {
            if let leader = metadata.leader(of: partition.topic, partition: partition.partition)?.node {
                byLeader[leader, default: [:]][partition] = offset
            } else {
                leaderless = true
            }
        }
        if leaderless { _ = try? await cluster.refreshMetadata() }
        let configuration = self.configuration
        let cluster = self.cluster
        let outcomes = await withTaskGroup(of: FetchOutcome.self) { group in
            for (leader, partitions) in byLeader {
                group.addTask { await Self.fetch(partitions, from: leader, cluster: cluster, configuration: configuration) }
            }
            var all: [FetchOutcome] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        var refresh = false
        for outcome in outcomes {
            deliver(outcome.records, next: outcome.next, askedAt: epoch)
            if !outcome.stale.isEmpty { refresh = true }
            for partition in outcome.outOfRange { await resetPosition(partition) }
        }
        if refresh { _ = try? await cluster.refreshMetadata() }
    }

    /// What one Fetch gave.
    struct FetchOutcome: Sendable {
        var records: [ConsumerRecord] = []
        var next: [TopicPartition: Int64] = [:]
        /// Partitions whose leader is not the one asked (refresh metadata).
        var stale: [TopicPartition] = []
        var outOfRange: [TopicPartition] = []
    }

    private static func fetch(
        _ partitions: [TopicPartition: Int64], from leader: NodeID, cluster: KafkaCluster,
        configuration: ConsumerConfiguration
    ) async -> FetchOutcome {
        var outcome = FetchOutcome()
        var request = FetchRequest()
        request.replicaId = -1
        request.maxWaitMs = Int32(clamping: configuration.fetchMaxWait.components.seconds * 1000
            + configuration.fetchMaxWait.components.attoseconds / 1_000_000_000_000_000)
        request.minBytes = 1
        request.maxBytes = configuration.fetchMaxBytes
        request.sessionId = 0
        request.sessionEpoch = -1
        var byTopic: [String: [FetchRequest.FetchPartition]] = [:]
        for (partition, offset) in partitions {
            var entry = FetchRequest.FetchPartition()
            entry.partition = partition.partition
            entry.fetchOffset = offset
            entry.currentLeaderEpoch = -1
            entry.partitionMaxBytes = configuration.partitionFetchMaxBytes
            byTopic[partition.topic, default: []].append(entry)
        }
        request.topics = byTopic.sorted { $0.key < $1.key }.map { name, entries in
            var topic = FetchRequest.FetchTopic()
            topic.topic = name
            topic.partitions = entries
            return topic
        }
        let response: FetchResponse
        do throws(ClientError) {
            let connection = try await cluster.connection(to: leader)
            // v12 at most: later versions name topics by id only.
            let version = min(await connection.version(of: FetchRequest.self) ?? 4, 12)
            response = try await connection.call(
                request, version: version, timeout: configuration.client.requestTimeout + configuration.fetchMaxWait)
        } catch {
            outcome.stale = Array(partitions.keys)
            return outcome
        }
        for topic in response.responses {
            for data in topic.partitions {
                let partition = TopicPartition(topic.topic, data.partitionIndex)
                guard let position = partitions[partition] else { continue }
                switch ErrorCode(rawValue: data.errorCode) {
                case .noError:
                    let (records, next) = decode(data.records, partition: partition, from: position)
                    outcome.records += records
                    if let next { outcome.next[partition] = next }
                case .offsetOutOfRange:
                    outcome.outOfRange.append(partition)
                default:
                    outcome.stale.append(partition)
                }
            }
        }
        return outcome
    }

    /// The records at or past `position` in a fetched region, and the position after them
    /// (nil: nothing whole arrived). Control batches only move the position; a partial batch at
    /// the end (the broker's size limit) is left for the next fetch.
    static func decode(_ region: ByteBuffer?, partition: TopicPartition, from position: Int64)
        -> (records: [ConsumerRecord], next: Int64?)
    {
        guard var rest = region else { return ([], nil) }
        var records: [ConsumerRecord] = []
        var next: Int64?
        while rest.readableBytes >= RecordBatchHeader.size {
            guard let header = try? RecordBatchHeader(parsing: rest), header.totalSize <= rest.readableBytes,
                let bytes = rest.readSlice(length: header.totalSize)
            else { break }
            defer { next = max(next ?? position, header.nextOffset.rawValue) }
            guard !header.attributes.isControlBatch, header.lastOffset >= position else { continue }
            guard let batch = try? RecordBatch.decode(bytes) else { break }
            for record in batch.records {
                let offset = batch.offset(of: record)
                guard offset.rawValue >= position else { continue }
                let timestamp = TimestampMs(header.baseTimestamp + record.timestampDelta)
                records.append(ConsumerRecord(
                    topic: partition.topic, partition: partition.partition, offset: offset,
                    timestamp: header.attributes.timestampType == .logAppendTime ? TimestampMs(header.maxTimestamp) : timestamp,
                    key: record.key, value: record.value, headers: record.headers.map { ($0.key, $0.value) }))
            }
        }
        return (records, next)
    }

    /// The offset `position` names for `partition` (ListOffsets at its leader).
    func resolve(_ position: SeekPosition, for partition: TopicPartition) async throws(ClientError) -> Int64 {
        let timestamp: Int64
        switch position {
        case .offset(let offset): return offset
        case .beginning: timestamp = -2
        case .end: timestamp = -1
        case .timestamp(let time): timestamp = time.rawValue
        }
        var offset = try await cluster.listOffset(partition, timestamp: timestamp)
        if offset < 0, case .timestamp = position { offset = try await cluster.listOffset(partition, timestamp: -1) }
        return offset
    }
}

extension KafkaCluster {
    /// The metadata, refreshed first when it lacks one of `topics`.
    func refreshIfMissing(_ topics: Set<String>) async throws(ClientError) -> ClusterMetadata {
        if topics.contains(where: { metadata.topics[$0] == nil }) { return try await refreshMetadata(topics: Array(topics)) }
        return metadata
    }

    /// ListOffsets for one partition at its leader: -2 the log start, -1 the end, else the first
    /// offset at or after the timestamp (-1 if none). Retried once after a metadata refresh.
    public func listOffset(_ partition: TopicPartition, timestamp: Int64) async throws(ClientError) -> Int64 {
        var last: ClientError?
        for attempt in 0..<2 {
            if attempt > 0 || metadata.leader(of: partition.topic, partition: partition.partition) == nil {
                try await refreshMetadata(topics: [partition.topic])
            }
            guard let leader = metadata.leader(of: partition.topic, partition: partition.partition)?.node else {
                last = ClientError(.broker(.leaderNotAvailable), "\(partition) has no leader")
                continue
            }
            var entry = ListOffsetsRequest.ListOffsetsPartition()
            entry.partitionIndex = partition.partition
            entry.currentLeaderEpoch = -1
            entry.timestamp = timestamp
            var topic = ListOffsetsRequest.ListOffsetsTopic()
            topic.name = partition.topic
            topic.partitions = [entry]
            var request = ListOffsetsRequest()
            request.replicaId = -1
            request.topics = [topic]
            do throws(ClientError) {
                let connection = try await connection(to: leader)
                let response = try await connection.call(request, timeout: configuration.requestTimeout)
                guard let answer = response.topics.first?.partitions.first else {
                    throw ClientError(.malformedResponse, "ListOffsets \(partition): no answer")
                }
                let code = ErrorCode(rawValue: answer.errorCode)
                guard code == .noError else { throw ClientError(.broker(code), "ListOffsets \(partition) at broker \(leader)") }
                return answer.offset
            } catch {
                last = error
                guard error.isRetriable else { throw error }
            }
        }
        throw last ?? ClientError(.broker(.leaderNotAvailable), "ListOffsets \(partition)")
    }
}
