/// Kafka's 128-bit `Uuid` (topic ids, directory ids), kept as two big-endian halves.
///
/// Not Foundation's `UUID`: TernWire avoids Foundation, and Kafka gives meaning to specific
/// values (all-zero is `ZERO_UUID`, "no topic id") that a random-UUID type does not model.
public struct KafkaUUID: Sendable, Hashable, CustomStringConvertible {
    /// The first 8 bytes on the wire (most significant bits).
    public var high: UInt64
    /// The last 8 bytes on the wire (least significant bits).
    public var low: UInt64

    /// A UUID from its two halves.
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Kafka's `Uuid.ZERO_UUID`: the default of every uuid field, meaning "none".
    public static let zero = KafkaUUID(high: 0, low: 0)

    /// The 16 bytes in wire order.
    public var bytes: [UInt8] {
        (0..<16).map { index in
            let half = index < 8 ? high : low
            return UInt8(truncatingIfNeeded: half >> UInt64(8 * (7 - index % 8)))
        }
    }

    /// 32 lowercase hex digits in the usual 8-4-4-4-12 grouping.
    public var description: String {
        let hex = bytes.map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }
        let groups = [0..<4, 4..<6, 6..<8, 8..<10, 10..<16]
        return groups.map { hex[$0].joined() }.joined(separator: "-")
    }
}
