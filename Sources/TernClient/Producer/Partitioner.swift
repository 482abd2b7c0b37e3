/// Kafka's default partitioner for keyed records: `toPositive(murmur2(key)) % partitions`, the
/// Java client's `BuiltInPartitioner` and librdkafka's `murmur2_random`, so the same key lands in
/// the same partition whichever client wrote it.
public enum Partitioner {
    /// Kafka's `Utils.murmur2` (seed 0x9747b28c) over the key bytes.
    public static func murmur2(_ data: some Collection<UInt8>) -> Int32 {
        let bytes = Array(data)
        let length = bytes.count
        let m: UInt32 = 0x5bd1_e995
        let r: UInt32 = 24
        var h: UInt32 = 0x9747_b28c ^ UInt32(truncatingIfNeeded: length)
        let quads = length / 4
        for index in 0..<quads {
            let start = index * 4
            var k = UInt32(bytes[start]) | UInt32(bytes[start + 1]) << 8 | UInt32(bytes[start + 2]) << 16
                | UInt32(bytes[start + 3]) << 24
            k = k &* m
            k ^= k >> r
            k = k &* m
            h = h &* m
            h ^= k
        }
        let tail = length & ~3
        let rest = length % 4
        if rest >= 3 { h ^= UInt32(bytes[tail + 2]) << 16 }
        if rest >= 2 { h ^= UInt32(bytes[tail + 1]) << 8 }
        if rest >= 1 {
            h ^= UInt32(bytes[tail])
            h = h &* m
        }
        h ^= h >> 13
        h = h &* m
        h ^= h >> 15
        return Int32(bitPattern: h)
    }

    /// The partition of `key` among `partitionCount`.
    /// - Precondition: `partitionCount` is positive.
    public static func partition(forKey key: some Collection<UInt8>, partitionCount: Int32) -> Int32 {
        precondition(partitionCount > 0, "a topic has at least one partition")
        return (murmur2(key) & 0x7fff_ffff) % partitionCount
    }
}
