import TernCoordination
import Testing

@Suite struct GroupStateNameTests {
    /// DescribeGroups and ListGroups send these strings; Kafka tools (and the ListGroups v4
    /// state filter) match them exactly.
    @Test("group states are spelled as Kafka spells them")
    func kafkaNames() {
        #expect(GroupState.allCases.map(\.rawValue) == [
            "Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead",
        ])
    }
}
