/// Which `__consumer_offsets` partition holds a group, and so which broker coordinates it
/// (the partition's leader).
///
/// Kafka's formula exactly (`Utils.abs(groupId.hashCode()) % offsets.topic.num.partitions`):
/// clients and tools that predict the coordinator, and a cluster migrated from or compared with
/// Kafka, then agree with Tern.
public enum GroupPartitioner {
    /// The partition of `group` among `partitionCount` offsets partitions.
    ///
    /// - Precondition: `partitionCount` is positive.
    public static func partition(of group: String, partitionCount: Int32) -> Int32 {
        precondition(partitionCount > 0, "the offsets topic has at least one partition")
        return javaAbs(javaHashCode(group)) % partitionCount
    }

    /// Java's `String.hashCode()`: `s[0]*31^(n-1) + … + s[n-1]` over the UTF-16 code units (not
    /// the characters or the UTF-8 bytes: a character outside the BMP counts as its two
    /// surrogates), in Int32 arithmetic that wraps around.
    public static func javaHashCode(_ string: String) -> Int32 {
        var hash: Int32 = 0
        for unit in string.utf16 {
            hash = 31 &* hash &+ Int32(unit)
        }
        return hash
    }

    /// Kafka's `Utils.abs`: the absolute value, except that `Int32.min` (whose absolute value
    /// does not fit) maps to 0 instead of staying negative as Java's `Math.abs` leaves it.
    static func javaAbs(_ value: Int32) -> Int32 {
        value == Int32.min ? 0 : abs(value)
    }
}
