import NIOCore
import TernModel
import TernWire

/// Where a partition's records go.
struct PartitionKey: Hashable, Sendable, CustomStringConvertible {
    var topic: String
    var partition: Int32
    var description: String { "\(topic)-\(partition)" }
}

/// Who is told when a record is acknowledged or given up on.
enum Delivery: Sendable {
    case awaiting(CheckedContinuation<RecordMetadata, any Error>)
    case callback(@Sendable (Result<RecordMetadata, ClientError>) -> Void)

    func complete(_ result: Result<RecordMetadata, ClientError>) {
        switch self {
        case .awaiting(let continuation): continuation.resume(with: result.mapError { $0 as any Error })
        case .callback(let report): report(result)
        }
    }
}

/// A record waiting in a batch.
struct PendingRecord: Sendable {
    var key: ByteBuffer?
    var value: ByteBuffer?
    var headers: [RecordHeader]
    var timestamp: TimestampMs
    /// Its share of the buffer (`Record.encodedSize`-like estimate).
    var bytes: Int
    var delivery: Delivery
}

/// A batch for one partition: filled while open, then sent (and resent, with the same sequence)
/// until it is acknowledged, refused, or its delivery timeout passes.
struct ProducerBatch: Sendable {
    /// Creation order in the producer; a partition sends and resends its batches in this order.
    let number: UInt64
    let key: PartitionKey
    let createdAt: ContinuousClock.Instant
    var records: [PendingRecord] = []
    var bytes = 0
    /// Assigned when the batch is first sent (idempotence); kept across retries.
    var sequence: Sequence?
    /// The encoded batch, kept so a retry sends the same bytes.
    var encoded: ByteBuffer?
    var attempts = 0
    var retryNotBefore: ContinuousClock.Instant?
    /// The error of the last failed attempt, reported if the batch times out.
    var lastError: ClientError?

    init(number: UInt64, key: PartitionKey, createdAt: ContinuousClock.Instant) {
        self.number = number
        self.key = key
        self.createdAt = createdAt
    }

    /// The batch's bytes, encoded once for `producer`/`epoch` (an epoch bump clears them).
    mutating func encode(compression: CompressionCodec, producer: ProducerID, epoch: ProducerEpoch) -> ByteBuffer {
        if let encoded { return encoded }
        precondition(!records.isEmpty, "a batch holds at least one record")
        let base = records[0].timestamp
        let list = records.enumerated().map { index, record in
            Record(
                timestampDelta: record.timestamp.rawValue - base.rawValue, offsetDelta: Int32(index), key: record.key,
                value: record.value, headers: record.headers)
        }
        let batch = RecordBatch(
            compression: compression, baseTimestamp: base, producer: producer, epoch: epoch,
            baseSequence: sequence ?? .none, records: list)
        let bytes = batch.encoded()
        encoded = bytes
        return bytes
    }

    /// Tells every record's sender.
    func complete(baseOffset: Offset?) {
        for (index, record) in records.enumerated() {
            let offset = baseOffset.map { Offset($0.rawValue + Int64(index)) } ?? Offset(-1)
            record.delivery.complete(
                .success(RecordMetadata(topic: key.topic, partition: key.partition, offset: offset, timestamp: record.timestamp)))
        }
    }

    func fail(_ error: ClientError) {
        for record in records { record.delivery.complete(.failure(error)) }
    }
}

/// One partition's batches: the open one, those waiting to be sent (in creation order, retries
/// included), and those in flight.
struct PartitionQueue: Sendable {
    var open: ProducerBatch?
    var waiting: [ProducerBatch] = []
    var inFlight: [UInt64: ProducerBatch] = [:]
    /// The sequence the next new batch gets.
    var nextSequence = Sequence(0)
    /// After a retriable failure nothing new is sent until every batch in flight has answered,
    /// then the failed ones go again first, in order: the broker sees the sequences in order.
    var recovering = false

    var isEmpty: Bool { open == nil && waiting.isEmpty && inFlight.isEmpty }

    /// Puts a batch back to be resent, keeping creation order.
    mutating func requeue(_ batch: ProducerBatch) {
        let index = waiting.firstIndex { $0.number > batch.number } ?? waiting.endIndex
        waiting.insert(batch, at: index)
    }

    /// Whether `batch` is the oldest batch of the partition not yet acknowledged.
    func isOldestUnacknowledged(_ batch: ProducerBatch) -> Bool {
        let older = waiting.contains { $0.number < batch.number } || inFlight.keys.contains { $0 < batch.number }
        return !older
    }
}
