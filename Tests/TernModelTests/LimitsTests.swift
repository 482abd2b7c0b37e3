// Goal: the relationships between limits hold (Swift has no static_assert), and the typed
// integers behave as their Kafka meanings require (wrap-around of sequences, ordering).
import Testing
import TernModel

@Suite struct LimitsTests {
    @Test func wireLimitsNest() {
        #expect(Limits.bytesFieldBytesMax <= Limits.frameBytesMax)
        #expect(Limits.stringBytesMax <= Limits.frameBytesMax)
        #expect(Limits.batchBytesMax <= Limits.frameBytesMax)
        #expect(Limits.batchBytesMax <= Limits.decompressedBatchBytesMax)
    }

    @Test func coordinationLimitsNest() {
        #expect(Limits.offsetsRecordsPerBatchMax <= Limits.recordsPerBatchMax)
        #expect(Limits.offsetsRecordsPerBatchMax <= Limits.offsetsSnapshotRecordsMax)
    }

    @Test func sequenceWrapsAtInt32Max() {
        #expect(Sequence(Int32.max).advanced(by: 1) == Sequence(0))
        #expect(Sequence(Int32.max - 1).advanced(by: 3) == Sequence(1))
        #expect(Sequence(5).advanced(by: 10) == Sequence(15))
    }

    @Test func typedIntegersOrderByValue() {
        #expect(Offset(3) < Offset(4))
        #expect(Term(2).next == Term(3))
        #expect(Offset(10) - Offset(4) == 6)
        #expect(TopicPartition(topic: "a", partition: PartitionID(2)).description == "a-2")
        #expect(TopicPartition(topic: "a", partition: PartitionID(9)) < TopicPartition(topic: "b", partition: PartitionID(0)))
    }
}
