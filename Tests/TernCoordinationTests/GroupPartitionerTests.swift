// Goal: groups land on the `__consumer_offsets` partition Kafka would pick, so tools that
// predict the coordinator agree with Tern. Method: Java's String.hashCode values computed
// independently of this code: "hello" is Java's documented 99162322; the others come from a
// small Python implementation of Java's hash (UTF-16 code units, 32-bit wrap-around),
// `h = (31*h + unit) & 0xFFFFFFFF` over `s.encode("utf-16-be")`, read as signed.
// "polygenelubricants" is the well-known string whose hash is Integer.MIN_VALUE, the case
// Kafka's `Utils.abs` maps to 0 (Java's Math.abs would leave it negative).
import TernCoordination
import Testing

@Suite struct GroupPartitionerTests {
    @Test("Java's String.hashCode, including non-ASCII and characters outside the BMP", arguments: [
        ("hello", Int32(99_162_322)),
        ("", 0),
        ("a", 97),
        ("my-group", -1_906_497_762),
        ("consumer-group-1", 147_483_020),
        ("grüppe", -1_233_264_812),  // ü is U+00FC, one UTF-16 unit
        ("group-😀", 508_083_057),  // the emoji is two UTF-16 units (a surrogate pair)
        ("日本語グループ", -305_235_731),
        ("polygenelubricants", Int32.min),
    ])
    func javaHashCode(text: String, hash: Int32) {
        #expect(GroupPartitioner.javaHashCode(text) == hash)
    }

    @Test("the partition is Utils.abs(hashCode) % count", arguments: [
        ("hello", Int32(50), Int32(22)), ("hello", 16, 2), ("grüppe", 50, 12), ("group-😀", 50, 7),
        ("group-😀", 16, 1), ("my-group", 50, 12), ("consumer-group-1", 16, 12), ("日本語グループ", 50, 31),
        ("a", 1, 0),
    ])
    func partition(group: String, count: Int32, expected: Int32) {
        #expect(GroupPartitioner.partition(of: group, partitionCount: count) == expected)
    }

    @Test("a hash of Int32.min goes to partition 0 for any partition count")
    func minimumHash() {
        for count in [Int32(1), 3, 7, 16, 50, 1_000, Int32.max] {
            #expect(GroupPartitioner.partition(of: "polygenelubricants", partitionCount: count) == 0)
        }
    }

    @Test("every group lands inside the partition range")
    func inRange() {
        for index in 0..<2_000 {
            let partition = GroupPartitioner.partition(of: "group-\(index)", partitionCount: 50)
            #expect((0..<50).contains(partition))
        }
    }
}
