// Goal: one flush's messages of many groups leave as one envelope per peer, in order, split only
// at the envelope bounds, and the outbox refuses (rather than grows) past its bound. Method:
// messages of 1,000 groups toward two peers; a large AppendEntries against a small byte budget;
// a full outbox; every envelope also goes through the codec.
import NIOCore
import Testing
import TernModel
import TernRaft
import TernReplication

@Suite("Peer outbox")
struct PeerOutboxTests {
    let local = NodeID(1)

    func heartbeat(to peer: Int32, term: Int64) -> Message {
        Message(from: local, to: NodeID(peer), term: Term(term), kind: .heartbeat(commit: Offset(term)))
    }

    @Test("the heartbeats of 1,000 groups toward a peer travel as one envelope")
    func coalescesPerPeer() throws {
        var outbox = PeerOutbox(localID: local)
        for group in 0..<1_000 {
            let partition = RaftGroupID.partition(TopicPartition(topic: "t", partition: PartitionID(Int32(group))))
            outbox.add(heartbeat(to: 2, term: Int64(group)), group: partition)
            outbox.add(heartbeat(to: 3, term: Int64(group)), group: partition)
        }
        outbox.add(heartbeat(to: 3, term: 7), group: .controller)
        #expect(outbox.pendingCount == 2_001)
        let envelopes = outbox.drain()
        #expect(envelopes.map(\.to) == [NodeID(2), NodeID(3)])
        #expect(envelopes.map(\.messages.count) == [1_000, 1_001])
        #expect(envelopes[0].messages.map(\.message.term.rawValue) == Array(0..<1_000))
        #expect(envelopes[1].messages.last?.group == .controller)
        for envelope in envelopes { #expect(try RaftEnvelope.decode(envelope.encoded()) == envelope) }
        #expect(outbox.pendingCount == 0)
        let again = outbox.drain()
        #expect(again.isEmpty)
    }

    @Test("large appends split envelopes at the byte budget; one larger than it travels alone")
    func splitsAtTheByteBudget() {
        var outbox = PeerOutbox(localID: local, envelopeBytesMax: 10_000)
        func append(_ payloadBytes: Int, at first: Int64) -> Message {
            let entry = Entry(
                first: Offset(first), last: Offset(first), term: Term(1), kind: .normal,
                payload: [UInt8](repeating: 7, count: payloadBytes))
            return Message(
                from: local, to: NodeID(2), term: Term(1),
                kind: .append(AppendRequest(prev: EntryID(index: Offset(first - 1), term: Term(1)), entries: [entry], commit: .zero)))
        }
        let group = RaftGroupID.partition(TopicPartition(topic: "t", partition: PartitionID(0)))
        outbox.add(append(4_000, at: 1), group: group)
        outbox.add(append(4_000, at: 2), group: group)
        outbox.add(append(4_000, at: 3), group: group)  // would pass 10,000: a new envelope
        outbox.add(append(50_000, at: 4), group: group)  // alone, even though above the budget
        outbox.add(heartbeat(to: 2, term: 1), group: .controller)
        let envelopes = outbox.drain()
        #expect(envelopes.map(\.messages.count) == [2, 1, 1, 1])
    }

    @Test("a full outbox refuses instead of growing")
    func bounded() {
        var outbox = PeerOutbox(localID: local, messagesMax: 3)
        let accepted = (1...4).map { term in outbox.add(heartbeat(to: term < 3 ? 2 : 3, term: Int64(term)), group: .controller) }
        #expect(accepted == [true, true, true, false])
        let envelopes = outbox.drain()
        #expect(envelopes.map(\.messages.count) == [2, 1])
        let afterDrain = outbox.add(heartbeat(to: 3, term: 5), group: .controller)
        #expect(afterDrain)
    }
}
