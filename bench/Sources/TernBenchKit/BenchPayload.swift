public import NIOCore

/// The value of every record tern-bench sends: who sent it and when, so the read-back can tell
/// this run's records from any others, count copies and check order, and a consumer can
/// measure end-to-end latency. Big-endian, then padding up to the record size:
///
///     "TBv1"  run (8)  producer (4)  sequence (8)  sent at, µs since 1970 (8)  padding
public struct BenchPayload: Sendable, Hashable {
    public static let headerBytes = 32
    static let magic: UInt32 = 0x5442_7631  // "TBv1"
    /// Sequence numbers per producer start at 0 and count every send.
    public var run: UInt64
    public var producer: UInt32
    public var sequence: UInt64
    /// Wall clock at the (intended) send, microseconds since 1970: tern-bench and its consumer
    /// run on one machine, so one clock.
    public var sentAtMicros: Int64

    public init(run: UInt64, producer: UInt32, sequence: UInt64, sentAtMicros: Int64) {
        self.run = run
        self.producer = producer
        self.sequence = sequence
        self.sentAtMicros = sentAtMicros
    }

    /// The value, `size` bytes in all (`size` ≥ `headerBytes`), padded from `padding`
    /// (taken from `paddingStart`, wrapping) or with "x" when it is empty.
    public func encoded(
        size: Int, padding: [UInt8] = [], paddingStart: Int = 0, allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) -> ByteBuffer {
        precondition(size >= Self.headerBytes, "a payload holds its header")
        var buffer = allocator.buffer(capacity: size)
        buffer.writeInteger(Self.magic)
        buffer.writeInteger(run)
        buffer.writeInteger(producer)
        buffer.writeInteger(sequence)
        buffer.writeInteger(sentAtMicros)
        var remaining = size - Self.headerBytes
        guard !padding.isEmpty else {
            buffer.writeRepeatingByte(UInt8(ascii: "x"), count: remaining)
            return buffer
        }
        var start = paddingStart % padding.count
        // Bounded: each pass writes at least one byte.
        while remaining > 0 {
            let take = min(remaining, padding.count - start)
            buffer.writeBytes(padding[start..<(start + take)])
            remaining -= take
            start = 0
        }
        return buffer
    }

    /// Random letters and digits, as Kafka's producer-perf-test writes: values that LZ4
    /// cannot shrink much, so MB/s are not flattered by compression. 4 MiB, far more than
    /// LZ4's 64 KiB window, so neighbouring records of a batch never repeat each other.
    public static func randomPadding(count: Int = 4 << 20) -> [UInt8] {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
    }

    /// The payload in `value`, nil when it is not one (another tool's record, or too short).
    public init?(decoding value: ByteBuffer) {
        var copy = value
        guard let magic = copy.readInteger(as: UInt32.self), magic == Self.magic,
            let run = copy.readInteger(as: UInt64.self), let producer = copy.readInteger(as: UInt32.self),
            let sequence = copy.readInteger(as: UInt64.self), let sentAt = copy.readInteger(as: Int64.self)
        else { return nil }
        self.init(run: run, producer: producer, sequence: sequence, sentAtMicros: sentAt)
    }

    /// The identity of a record: one producer's sequence number.
    public var id: RecordID { RecordID(producer: producer, sequence: sequence) }
}

/// One producer's n-th record of a run.
public struct RecordID: Sendable, Hashable, Comparable {
    public var producer: UInt32
    public var sequence: UInt64

    public init(producer: UInt32, sequence: UInt64) {
        self.producer = producer
        self.sequence = sequence
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.producer, lhs.sequence) < (rhs.producer, rhs.sequence) }
}
