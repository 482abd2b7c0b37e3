import DequeModule
import Foundation
public import Logging
public import NIOCore
public import NIOPosix
import TernModel
import TernWire

/// Sends records to a Kafka-protocol cluster: batched per partition, LZ4-compressed,
/// idempotent by default, retried across leader changes within the delivery timeout.
///
/// ```swift
/// let producer = try KafkaProducer(configuration: ProducerConfiguration(
///     client: ClientConfiguration(bootstrap: [BrokerAddress(host: "127.0.0.1", port: 9092)])))
/// let stored = try await producer.send(ProducerRecord(topic: "events", key: "user-7", value: "signed in"))
/// await producer.close()
/// ```
///
/// Order and idempotence: a partition's batches get consecutive sequence numbers when first
/// sent and keep them across retries; after a retriable failure the partition sends nothing new
/// until every batch in flight has answered, then resends the failed ones in order, so the
/// broker sees each producer's sequences in order and answers a batch it already stored with
/// its original offset. An OUT_OF_ORDER_SEQUENCE_NUMBER or UNKNOWN_PRODUCER_ID for a partition's
/// oldest unacknowledged batch (the broker lost the producer's state) bumps the epoch once
/// nothing is in flight, and sequences start again at 0.
public actor KafkaProducer {
    public nonisolated let configuration: ProducerConfiguration
    public nonisolated let cluster: KafkaCluster
    let logger: Logger
    private var queues: [PartitionKey: PartitionQueue] = [:]
    private var producer = ProducerID.none
    private var epoch = ProducerEpoch.none
    private var initializing: Task<(ProducerID, ProducerEpoch), any Error>?
    private var bufferedBytes = 0
    /// `send` calls waiting for room in the buffer, oldest first (each one a caller).
    private var spaceWaiters = Deque<(bytes: Int, continuation: CheckedContinuation<Void, Never>)>()
    private var flushWaiters: [CheckedContinuation<Void, Never>] = []
    /// The sticky partition per topic for records without a key or partition.
    private var sticky: [String: Int32] = [:]
    private var nextBatchNumber: UInt64 = 0
    private var inFlightTotal = 0
    private var needsEpochBump = false
    private var wake: (at: ContinuousClock.Instant, task: Task<Void, Never>)?
    private var isClosed = false
    private var flushing = 0
    /// Per leader, the requests to write, in order: one task per leader writes them one after
    /// the other (pipelined, not waiting for answers), so a partition's batches reach the
    /// broker in sequence order.
    private var senders: [NodeID: AsyncStream<[ProducerBatch]>.Continuation] = [:]
    /// Partition counts by topic, from the cluster's metadata, so a send does not ask the
    /// cluster actor each time; refreshed when older than `metadataMaxAge`.
    private var partitionCounts: [String: (count: Int32, at: ContinuousClock.Instant)] = [:]

    /// A producer with its own `KafkaCluster`.
    /// - Throws: `.invalidArgument` for a configuration that cannot work (idempotence without
    ///   acks=all, more than five in flight with idempotence, a codec other than LZ4 or none).
    public init(
        configuration: ProducerConfiguration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "tern.producer")
    ) throws(ClientError) {
        if let problem = configuration.problem { throw ClientError(.invalidArgument, problem) }
        self.configuration = configuration
        self.cluster = KafkaCluster(configuration: configuration.client, group: group, logger: logger)
        self.logger = logger
    }

    /// Sends `record` and waits for its acknowledgement (or the delivery timeout).
    public func send(_ record: ProducerRecord) async throws(ClientError) -> RecordMetadata {
        do {
            return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<RecordMetadata, any Error>) in
                Task { await self.enqueue(record, delivery: .awaiting(continuation)) }
            }
        } catch let error as ClientError {
            throw error
        } catch {
            throw ClientError(.invalidArgument, "\(error)")
        }
    }

    /// Buffers `record` (waiting for room when the buffer is full) and returns; `onDelivery`
    /// hears once whether it was stored, and where.
    public func send(
        _ record: ProducerRecord, onDelivery: @escaping @Sendable (Result<RecordMetadata, ClientError>) -> Void
    ) async {
        await enqueue(record, delivery: .callback(onDelivery))
    }

    /// Sends everything buffered now and waits until every record sent before the call is
    /// acknowledged or given up on.
    public func flush() async {
        flushing += 1
        defer { flushing -= 1 }
        for key in Array(queues.keys) { closeOpenBatch(key) }
        await dispatch()
        guard !queues.values.allSatisfy(\.isEmpty) else { return }
        await withCheckedContinuation { flushWaiters.append($0) }
    }

    /// Flushes, then closes the connections; later sends fail with `.closed`.
    public func close() async {
        guard !isClosed else { return }
        await flush()
        isClosed = true
        wake?.task.cancel()
        wake = nil
        for sender in senders.values { sender.finish() }
        senders = [:]
        await cluster.close()
    }

    // MARK: - Buffering

    private func enqueue(_ record: ProducerRecord, delivery: Delivery) async {
        guard !isClosed else { return delivery.complete(.failure(ClientError(.closed, "the producer was closed"))) }
        let key: PartitionKey
        do throws(ClientError) {
            if configuration.idempotence { try await ensureProducerID() }
            key = try await partition(for: record)
        } catch {
            return delivery.complete(.failure(error))
        }
        let headers = record.headers.map { RecordHeader(key: $0.key, value: $0.value) }
        let timestamp = record.timestamp ?? TimestampMs(Int64((Date.now.timeIntervalSince1970 * 1000).rounded(.down)))
        let size = Record(offsetDelta: 0, key: record.key, value: record.value, headers: headers).encodedSize + 8
        guard size <= configuration.bufferBytesMax else {
            return delivery.complete(.failure(ClientError(
                .invalidArgument, "a record of \(size) bytes exceeds the buffer of \(configuration.bufferBytesMax)")))
        }
        // Backpressure: bounded memory, callers wait in order.
        if bufferedBytes + size > configuration.bufferBytesMax || !spaceWaiters.isEmpty {
            await withCheckedContinuation { spaceWaiters.append((size, $0)) }
        }
        guard !isClosed else { return delivery.complete(.failure(ClientError(.closed, "the producer was closed"))) }
        bufferedBytes += size
        let pending = PendingRecord(
            key: record.key, value: record.value, headers: headers, timestamp: timestamp, bytes: size, delivery: delivery)
        // Taken out of the dictionary while it changes: a copy left behind would make every
        // append copy the open batch's records (quadratic in the batch size).
        var queue = queues.removeValue(forKey: key) ?? PartitionQueue()
        if let open = queue.open, open.bytes + size > configuration.batchBytesMax {
            queue.waiting.append(open)
            queue.open = nil
            if record.partition == nil && record.key == nil { sticky[key.topic] = nil }
        }
        if queue.open == nil {
            queue.open = ProducerBatch(number: nextBatchNumber, key: key, createdAt: .now)
            nextBatchNumber += 1
        }
        queue.open?.records.append(pending)
        queue.open?.bytes += size
        queues[key] = queue
        if let open = queue.open, open.bytes >= configuration.batchBytesMax {
            closeOpenBatch(key)
            await dispatch()
        } else if let open = queue.open, open.records.count == 1 {
            // A new batch: sent when its linger ends (or sooner, when it fills up).
            schedule(at: open.createdAt.advanced(by: configuration.linger))
        }
    }

    /// The partition of `record`: given, by the key's murmur2 hash, or sticky.
    private func partition(for record: ProducerRecord) async throws(ClientError) -> PartitionKey {
        let count: Int32
        if let known = partitionCounts[record.topic], ContinuousClock.now - known.at < configuration.client.metadataMaxAge {
            count = known.count
        } else {
            let topic = try await cluster.metadata(for: record.topic)
            guard topic.error == .noError, !topic.partitions.isEmpty else {
                throw ClientError(.broker(topic.error), "topic \(record.topic): \(topic.error)")
            }
            count = Int32(topic.partitions.count)
            partitionCounts[record.topic] = (count, .now)
        }
        if let partition = record.partition {
            guard partition >= 0 && partition < count else {
                throw ClientError(.invalidArgument, "topic \(record.topic) has no partition \(partition) (it has \(count))")
            }
            return PartitionKey(topic: record.topic, partition: partition)
        }
        if let key = record.key {
            return PartitionKey(topic: record.topic, partition: Partitioner.partition(forKey: key.readableBytesView, partitionCount: count))
        }
        if let chosen = sticky[record.topic], chosen < count { return PartitionKey(topic: record.topic, partition: chosen) }
        let chosen = Int32.random(in: 0..<count)
        sticky[record.topic] = chosen
        return PartitionKey(topic: record.topic, partition: chosen)
    }

    private func closeOpenBatch(_ key: PartitionKey) {
        guard let open = queues[key]?.open else { return }
        queues[key]?.waiting.append(open)
        queues[key]?.open = nil
        if sticky[key.topic] == key.partition { sticky[key.topic] = nil }
    }

    // MARK: - Sending

    /// Closes lingered batches and sends what may be sent: per partition at most
    /// `inFlightPerPartitionMax` batches, in order, none while the partition recovers; one
    /// Produce request per leader.
    private func dispatch() async {
        guard !needsEpochBump else { return bumpEpochIfQuiet() }
        let now = ContinuousClock.now
        var byLeader: [NodeID: [[ProducerBatch]]] = [:]
        var missingLeader = false
        let metadata = await cluster.metadata
        for key in Array(queues.keys) {
            guard var queue = queues.removeValue(forKey: key) else { continue }
            if let open = queue.open {
                let due = open.createdAt.advanced(by: configuration.linger)
                if flushing > 0 || now >= due {
                    queue.waiting.append(open)
                    queue.open = nil
                    if sticky[key.topic] == key.partition { sticky[key.topic] = nil }
                } else {
                    schedule(at: due)
                }
            }
            expireWaiting(&queue, now: now)
            if queue.recovering && queue.inFlight.isEmpty { queue.recovering = false }
            defer { queues[key] = queue }
            guard !queue.recovering else { continue }
            guard let leader = metadata.leader(of: key.topic, partition: key.partition)?.node else {
                if !queue.waiting.isEmpty { missingLeader = true }
                continue
            }
            var round = 0
            while queue.inFlight.count < configuration.inFlightPerPartitionMax, var batch = queue.waiting.first {
                if let notBefore = batch.retryNotBefore, notBefore > now {
                    schedule(at: notBefore)
                    break
                }
                queue.waiting.removeFirst()
                if configuration.idempotence && batch.sequence == nil {
                    batch.sequence = queue.nextSequence
                    queue.nextSequence = queue.nextSequence.advanced(by: Int32(batch.records.count))
                }
                _ = batch.encode(compression: configuration.compression, producer: producer, epoch: epoch)
                batch.attempts += 1
                queue.inFlight[batch.number] = batch
                // One batch per partition per request (Kafka's rule): the n-th batch of each
                // partition goes into the n-th request.
                var rounds = byLeader[leader, default: []]
                if rounds.count <= round { rounds.append([]) }
                rounds[round].append(batch)
                byLeader[leader] = rounds
                round += 1
            }
        }
        if missingLeader {
            schedule(at: now.advanced(by: configuration.client.retryBackoff))
            Task { try? await self.cluster.refreshMetadata() }
        }
        for (leader, rounds) in byLeader {
            for batches in rounds {
                inFlightTotal += batches.count
                sender(for: leader).yield(batches)
            }
        }
    }

    /// The ordered request stream to `leader`, started on first use.
    private func sender(for leader: NodeID) -> AsyncStream<[ProducerBatch]>.Continuation {
        if let existing = senders[leader] { return existing }
        // Unbounded in type, bounded in fact: at most `inFlightPerPartitionMax` batches per
        // partition are ever in flight.
        let (stream, continuation) = AsyncStream<[ProducerBatch]>.makeStream()
        senders[leader] = continuation
        Task {
            for await batches in stream { await self.write(batches, to: leader) }
        }
        return continuation
    }

    /// Fails the waiting batches (never sent, or waiting for a retry) whose delivery timeout passed.
    private func expireWaiting(_ queue: inout PartitionQueue, now: ContinuousClock.Instant) {
        guard queue.waiting.contains(where: { now >= $0.createdAt.advanced(by: configuration.deliveryTimeout) }) else {
            return
        }
        var kept: [ProducerBatch] = []
        for batch in queue.waiting {
            guard now >= batch.createdAt.advanced(by: configuration.deliveryTimeout) else {
                kept.append(batch)
                continue
            }
            release(batch)
            let reason = batch.lastError.map { "last error \($0)" } ?? "no leader to send to"
            batch.fail(ClientError(.timedOut, "\(batch.key): not acknowledged within the delivery timeout; \(reason)"))
        }
        queue.waiting = kept
    }

    /// Writes one Produce request for `batches` (one per partition) to `leader` and returns
    /// once it is written; its answer is handled when it comes.
    private func write(_ batches: [ProducerBatch], to leader: NodeID) async {
        var request = ProduceRequest()
        request.acks = configuration.acks.rawValue
        request.timeoutMs = Int32(clamping: configuration.client.requestTimeout.components.seconds * 1000)
        var topics: [String: [ProduceRequest.PartitionProduceData]] = [:]
        for batch in batches {
            var data = ProduceRequest.PartitionProduceData()
            data.index = batch.key.partition
            data.records = batch.encoded
            topics[batch.key.topic, default: []].append(data)
        }
        request.topicData = topics.sorted { $0.key < $1.key }.map { name, partitions in
            var topic = ProduceRequest.TopicProduceData()
            topic.name = name
            topic.partitionData = partitions
            return topic
        }
        do throws(ClientError) {
            let connection = try await cluster.connection(to: leader)
            if configuration.acks == .none {
                guard let version = await connection.version(of: ProduceRequest.self) else {
                    throw ClientError(.unsupportedVersion, "\(connection.address) serves no Produce version this client speaks")
                }
                try await connection.post(request, version: version)
                for batch in batches { finish(batch, error: .noError, baseOffset: nil) }
                await dispatch()
                return
            }
            let pending = try await connection.submit(request, timeout: configuration.client.requestTimeout)
            Task {
                let result: Result<ProduceResponse, ClientError>
                do throws(ClientError) {
                    result = .success(try await pending.response())
                } catch {
                    result = .failure(error)
                }
                await self.answered(batches, result)
            }
        } catch {
            for batch in batches { failAttempt(batch, error) }
            await dispatch()
        }
    }

    /// The answer to one Produce request.
    private func answered(_ batches: [ProducerBatch], _ result: Result<ProduceResponse, ClientError>) async {
        switch result {
        case .success(let response):
            for batch in batches {
                let answer = response.responses.first { $0.name == batch.key.topic }?
                    .partitionResponses.first { $0.index == batch.key.partition }
                guard let answer else {
                    finish(batch, error: .unknownServerError, baseOffset: nil, detail: "no answer for \(batch.key)")
                    continue
                }
                let error = ErrorCode(rawValue: answer.errorCode)
                finish(batch, error: error, baseOffset: Offset(answer.baseOffset), detail: answer.errorMessage)
            }
        case .failure(let error):
            for batch in batches { failAttempt(batch, error) }
        }
        await dispatch()
    }

    /// A partition's answer for `batch`.
    private func finish(_ batch: ProducerBatch, error: ErrorCode, baseOffset: Offset?, detail: String? = nil) {
        switch error {
        case .noError:
            settle(batch)
            batch.complete(baseOffset: configuration.acks == .none ? nil : baseOffset)
        case .duplicateSequenceNumber:
            // Legacy brokers: stored before, offset unknown.
            settle(batch)
            batch.complete(baseOffset: nil)
        case .outOfOrderSequenceNumber where configuration.idempotence, .unknownProducerId where configuration.idempotence:
            let oldest = queues[batch.key]?.isOldestUnacknowledged(batch) ?? true
            if oldest { needsEpochBump = true }
            failAttempt(batch, ClientError(.broker(error), "\(batch.key): \(detail ?? "\(error)")"))
        default:
            let failure = ClientError(.broker(error), "\(batch.key): \(detail ?? "\(error)")")
            if error.isRetriable {
                failAttempt(batch, failure)
            } else {
                settle(batch)
                batch.fail(failure)
            }
        }
    }

    /// An attempt that may be retried: back in the queue (first, in order) unless its delivery
    /// timeout passed; the partition recovers first.
    private func failAttempt(_ batch: ProducerBatch, _ error: ClientError) {
        guard var queue = queues[batch.key], queue.inFlight.removeValue(forKey: batch.number) != nil else { return }
        inFlightTotal -= 1
        var retry = batch
        retry.lastError = error
        if ContinuousClock.now >= batch.createdAt.advanced(by: configuration.deliveryTimeout) {
            queues[batch.key] = queue
            release(batch)
            batch.fail(ClientError(.timedOut, "\(batch.key): not acknowledged within the delivery timeout; last error \(error)"))
            checkFlushed()
            return
        }
        let backoff = min(
            configuration.client.retryBackoff * (1 << min(retry.attempts - 1, 10)), configuration.client.retryBackoffMax)
        retry.retryNotBefore = ContinuousClock.now.advanced(by: backoff)
        queue.requeue(retry)
        queue.recovering = true
        queues[batch.key] = queue
        schedule(at: ContinuousClock.now.advanced(by: backoff))
        if case .broker(let code) = error.kind, code == .outOfOrderSequenceNumber || code == .unknownProducerId {
            return
        }
        Task { try? await self.cluster.refreshMetadata() }
    }

    /// Takes an answered batch out of flight and frees its buffer share.
    private func settle(_ batch: ProducerBatch) {
        guard queues[batch.key]?.inFlight.removeValue(forKey: batch.number) != nil else { return }
        inFlightTotal -= 1
        release(batch)
        checkFlushed()
    }

    private func release(_ batch: ProducerBatch) {
        bufferedBytes -= batch.bytes
        precondition(bufferedBytes >= 0, "the buffer count never goes negative")
        while let first = spaceWaiters.first, bufferedBytes + first.bytes <= configuration.bufferBytesMax {
            spaceWaiters.removeFirst()
            first.continuation.resume()
        }
    }

    private func checkFlushed() {
        guard !flushWaiters.isEmpty, queues.values.allSatisfy(\.isEmpty) else { return }
        let waiters = flushWaiters
        flushWaiters = []
        for waiter in waiters { waiter.resume() }
    }

    // MARK: - Producer id

    private func ensureProducerID() async throws(ClientError) {
        guard producer == .none else { return }
        let attempt = initializing ?? Task { try await self.initProducerID(bumping: false) }
        initializing = attempt
        do {
            let (id, epoch) = try await attempt.value
            if initializing == attempt { initializing = nil }
            if producer == .none {
                producer = id
                self.epoch = epoch
            }
        } catch let error as ClientError {
            if initializing == attempt { initializing = nil }
            throw error
        } catch {
            if initializing == attempt { initializing = nil }
            throw ClientError(.unreachable, "InitProducerId: \(error)")
        }
    }

    /// InitProducerId, retried on retriable errors within the delivery timeout; with `bumping`,
    /// names the current id and epoch (v3+) so the broker bumps the epoch.
    private func initProducerID(bumping: Bool) async throws(ClientError) -> (ProducerID, ProducerEpoch) {
        let deadline = ContinuousClock.now.advanced(by: configuration.deliveryTimeout)
        var backoff = configuration.client.retryBackoff
        var last = ClientError(.timedOut, "InitProducerId")
        // Bounded by the deadline.
        while ContinuousClock.now < deadline {
            do throws(ClientError) {
                let connection = try await cluster.anyConnection()
                var request = InitProducerIdRequest()
                request.transactionTimeoutMs = 60_000
                let version = await connection.version(of: InitProducerIdRequest.self)
                if bumping, let version, version >= 3 {
                    request.producerId = producer.rawValue
                    request.producerEpoch = epoch.rawValue
                }
                let response = try await connection.call(request, timeout: configuration.client.requestTimeout)
                let error = ErrorCode(rawValue: response.errorCode)
                guard error == .noError else {
                    throw ClientError(.broker(error), "InitProducerId at \(connection.address)")
                }
                return (ProducerID(response.producerId), ProducerEpoch(response.producerEpoch))
            } catch {
                guard error.isRetriable else { throw error }
                last = error
            }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, configuration.client.retryBackoffMax)
        }
        throw last
    }

    /// Once nothing is in flight: a new epoch, and every partition's sequences start at 0.
    private func bumpEpochIfQuiet() {
        guard needsEpochBump, inFlightTotal == 0, initializing == nil else { return }
        let attempt = Task { try await self.initProducerID(bumping: true) }
        initializing = attempt
        Task {
            let result = await attempt.result
            await self.bumped(result, attempt: attempt)
        }
    }

    private func bumped(_ result: Result<(ProducerID, ProducerEpoch), any Error>, attempt: Task<(ProducerID, ProducerEpoch), any Error>) async {
        if initializing == attempt { initializing = nil }
        switch result {
        case .success(let (id, newEpoch)):
            logger.info("producer epoch bumped", metadata: ["producer": "\(id)", "epoch": "\(newEpoch)"])
            producer = id
            epoch = newEpoch
            for key in Array(queues.keys) {
                queues[key]?.nextSequence = Sequence(0)
                for index in queues[key]?.waiting.indices ?? (0..<0) {
                    queues[key]?.waiting[index].sequence = nil
                    queues[key]?.waiting[index].encoded = nil
                }
            }
            needsEpochBump = false
        case .failure(let error):
            logger.warning("cannot bump the producer epoch; retrying", metadata: ["error": "\(error)"])
            schedule(at: ContinuousClock.now.advanced(by: configuration.client.retryBackoffMax))
        }
        await dispatch()
    }

    // MARK: - Timer

    /// Makes sure `dispatch` runs at `instant` (one timer: the earliest asked for).
    private func schedule(at instant: ContinuousClock.Instant) {
        if let wake, wake.at <= instant { return }
        wake?.task.cancel()
        let task = Task {
            try? await Task.sleep(until: instant, clock: .continuous)
            guard !Task.isCancelled else { return }
            await self.woke()
        }
        wake = (instant, task)
    }

    private func woke() async {
        wake = nil
        await dispatch()
        checkFlushed()
    }
}
