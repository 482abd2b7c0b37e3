import TernCoordination
import TernModel
import TernWire
import Testing

/// How the coordinator picks the assignment strategy: only protocols every member supports are candidates,
/// each member votes for its most preferred candidate, the most votes win (Kafka's `selectProtocol`), and a tie
/// goes to the earliest member's preference so the choice is deterministic.
@Suite struct ProtocolSelectionTests {
    static func protocols(_ names: String...) -> [GroupProtocol] {
        names.map { GroupProtocol(name: $0, metadata: Array($0.utf8)) }
    }

    /// Joins members with the given protocol lists within the initial delay and returns the leader's answer.
    static func leaderAnswer(_ lists: [[GroupProtocol]]) -> JoinGroupResult? {
        var script = GroupScript()
        let joined = lists.enumerated().map { index, protocols in
            script.joinNew(client: "c\(index)", protocols: protocols)
        }
        script.passInitialDelay()
        return joined.first.flatMap { script.joinAnswers[$0.pending] }
    }

    @Test("the candidate most members prefer wins, and the leader's list carries its metadata")
    func majorityVote() {
        let answer = Self.leaderAnswer([
            Self.protocols("range", "roundrobin"),
            Self.protocols("roundrobin", "range"),
            Self.protocols("roundrobin", "range", "sticky"),
        ])
        #expect(answer?.protocolName == "roundrobin")
        #expect(answer?.members.allSatisfy { $0.metadata == Array("roundrobin".utf8) } == true)
    }

    @Test("a protocol not every member supports is no candidate, however preferred")
    func onlyCommonProtocols() {
        let answer = Self.leaderAnswer([
            Self.protocols("sticky", "range"),
            Self.protocols("sticky", "range"),
            Self.protocols("range"),
        ])
        #expect(answer?.protocolName == "range")
    }

    @Test("a tie goes to the earliest member's preference")
    func tieBreak() {
        #expect(Self.leaderAnswer([Self.protocols("range", "roundrobin"), Self.protocols("roundrobin", "range")])?
            .protocolName == "range")
        #expect(Self.leaderAnswer([Self.protocols("roundrobin", "range"), Self.protocols("range", "roundrobin")])?
            .protocolName == "roundrobin")
    }

    @Test("a member sharing no protocol with the group is refused with INCONSISTENT_GROUP_PROTOCOL")
    func noCommonProtocol() {
        var script = GroupScript()
        _ = script.joinNew(client: "a", protocols: Self.protocols("range"))
        let refused = script.join(Request.join(client: "b", protocols: Self.protocols("sticky", "roundrobin")))
        #expect(script.joinAnswers[refused]?.error == .inconsistentGroupProtocol)
        #expect(script.joinAnswers[refused]?.memberID == "")
    }
}
