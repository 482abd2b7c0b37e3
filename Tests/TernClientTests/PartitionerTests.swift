// Goal: TernClient's key partitioner is Kafka's: murmur2 with Kafka's seed and the positive mask,
// so keys land where the Java client and librdkafka's murmur2_random put them.
// Method: Kafka's own test vectors (UtilsTest.testMurmur2) and the partition formula on them.
import TernClient
import Testing

@Suite struct PartitionerTests {
    static let vectors: [(String, Int32)] = [
        ("21", -973_932_308), ("foobar", -790_332_482), ("a-little-bit-long-string", -985_981_536),
        ("a-little-bit-longer-string", -1_486_304_829),
        ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58_897_971), ("abc", 479_470_107),
    ]

    @Test("murmur2 gives Kafka's values for Kafka's test vectors (every tail length 0-3)")
    func murmur2Vectors() {
        for (text, expected) in Self.vectors {
            #expect(Partitioner.murmur2(Array(text.utf8)) == expected, "\(text)")
        }
    }

    @Test("the partition is (murmur2 & 0x7fffffff) % partitions, never negative")
    func partitionFormula() {
        for (text, hash) in Self.vectors {
            for count: Int32 in [1, 3, 6, 16, 1000] {
                let partition = Partitioner.partition(forKey: Array(text.utf8), partitionCount: count)
                #expect(partition == (hash & 0x7fff_ffff) % count)
                #expect((0..<count).contains(partition))
            }
        }
    }
}
