public import NIOCore
public import TernModel

/// One record to send.
public struct ProducerRecord: Sendable {
    public var topic: String
    /// The partition; nil: chosen by the key (murmur2, as the Java client and librdkafka's
    /// `murmur2_random`) or, without a key, by the sticky partitioner.
    public var partition: Int32?
    public var key: ByteBuffer?
    public var value: ByteBuffer?
    public var headers: [(key: String, value: ByteBuffer?)]
    /// The record's timestamp; nil: the time of `send`.
    public var timestamp: TimestampMs?

    public init(
        topic: String, partition: Int32? = nil, key: ByteBuffer? = nil, value: ByteBuffer?,
        headers: [(key: String, value: ByteBuffer?)] = [], timestamp: TimestampMs? = nil
    ) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
    }

    /// A record with string key and value (UTF-8).
    public init(topic: String, key: String?, value: String?, partition: Int32? = nil) {
        self.init(
            topic: topic, partition: partition, key: key.map { ByteBuffer(string: $0) },
            value: value.map { ByteBuffer(string: $0) })
    }
}

/// Where a record was stored.
public struct RecordMetadata: Sendable, Equatable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32
    /// Its offset; -1 when the broker acknowledged without one (acks=0, or a legacy
    /// DUPLICATE_SEQUENCE_NUMBER answer).
    public var offset: Offset
    public var timestamp: TimestampMs

    public var description: String { "\(topic)-\(partition)@\(offset)" }
}
