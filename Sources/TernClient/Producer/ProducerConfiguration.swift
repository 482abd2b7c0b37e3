public import TernWire

/// How a `KafkaProducer` sends: librdkafka's and the Java client's defaults where they agree.
public struct ProducerConfiguration: Sendable {
    public enum Acks: Int16, Sendable {
        /// No answer (fire and forget on the wire).
        case none = 0
        /// The leader's local append.
        case leader = 1
        /// Committed on a majority of the replicas (Tern: fsynced on a majority).
        case all = -1
    }

    public var client: ClientConfiguration
    public var acks: Acks = .all
    /// Idempotence (`enable.idempotence`): a producer id, per-partition sequences, at most five
    /// batches in flight per partition, retries that never duplicate or reorder. Needs acks=all.
    public var idempotence = true
    public var compression: CompressionCodec = .lz4
    /// How long a batch waits for more records before it is sent (`linger.ms`).
    public var linger: Duration = .milliseconds(5)
    /// Most bytes of records in one batch (`batch.size`); a single larger record gets a batch of
    /// its own.
    public var batchBytesMax = 1_000_000
    /// Most bytes of records buffered, sent or not (`buffer.memory`); `send` waits for room.
    public var bufferBytesMax = 64 * 1024 * 1024
    /// How long a record may take from `send` to its acknowledgement, retries included
    /// (`delivery.timeout.ms`).
    public var deliveryTimeout: Duration = .seconds(120)
    /// Batches per partition waiting for answers (`max.in.flight.requests.per.connection`); at
    /// most 5 with idempotence.
    public var inFlightPerPartitionMax = 5

    public init(client: ClientConfiguration) {
        self.client = client
    }

    /// Why the configuration cannot work, nil if it can.
    var problem: String? {
        if idempotence && acks != .all { return "idempotence needs acks=all" }
        if idempotence && !(1...5).contains(inFlightPerPartitionMax) {
            return "idempotence allows 1...5 batches in flight per partition, not \(inFlightPerPartitionMax)"
        }
        if inFlightPerPartitionMax < 1 { return "at least one batch must be allowed in flight" }
        if batchBytesMax < 1 || bufferBytesMax < batchBytesMax { return "the buffer must hold at least one batch" }
        if compression != .none && compression != .lz4 { return "only LZ4 compression is implemented" }
        return nil
    }
}
