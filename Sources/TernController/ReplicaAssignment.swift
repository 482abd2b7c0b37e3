/// Where the replicas of new partitions go (Kafka's rack-unaware assignment, made balanced).
///
/// Replicas are spread round-robin over the live brokers; the first replica of each partition is
/// its preferred leader, so the round-robin start decides where leaders go. New partitions start
/// at the broker that is preferred leader of the fewest partitions so far, which keeps leaders
/// spread across topics, not just within one.
public enum ReplicaAssignment {
    /// Replica lists for `partitions` new partitions of `factor` replicas over `brokers`.
    /// - Precondition: 1 <= factor <= brokers.count, brokers distinct.
    public static func assign(
        partitions: Int, factor: Int, brokers: [Int32], existing image: MetadataImage
    ) -> [[Int32]] {
        precondition(factor >= 1 && factor <= brokers.count, "a replication factor the brokers can hold")
        precondition(Set(brokers).count == brokers.count, "distinct brokers")
        let sorted = brokers.sorted()
        var preferred: [Int32: Int] = Dictionary(uniqueKeysWithValues: sorted.map { ($0, 0) })
        for topic in image.topics.values {
            for list in topic.replicas { if let first = list.first, preferred[first] != nil { preferred[first]! += 1 } }
        }
        let least = preferred.min { $0.value != $1.value ? $0.value < $1.value : $0.key < $1.key }?.key ?? sorted[0]
        let start = sorted.firstIndex(of: least) ?? 0
        return (0..<partitions).map { partition in
            (0..<factor).map { replica in sorted[(start + partition + replica) % sorted.count] }
        }
    }
}
