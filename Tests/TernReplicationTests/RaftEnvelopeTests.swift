// Goal: the inter-broker Raft envelope carries every message kind of every group unchanged, and
// hostile bytes never trap or allocate beyond what they hold. Method: seeded random envelopes
// (every kind, entries of every kind with payloads, both group kinds) round-trip through
// encode/decode; every truncation of an encoded envelope throws; seeded byte mutations decode
// or throw, and whatever decodes re-encodes to the same bytes; forged counts are refused.
import NIOCore
import Testing
import TernModel
import TernRaft
import TernReplication
import TernWire

@Suite("Raft envelope")
struct RaftEnvelopeTests {
    static func randomID(_ random: inout SplitMix64) -> EntryID {
        EntryID(index: Offset(Int64.random(in: -1...1_000_000, using: &random)), term: Term(Int64.random(in: 0...50, using: &random)))
    }

    static func randomConfiguration(_ random: inout SplitMix64) -> ClusterConfiguration {
        let members = (1...Int32(6)).map { NodeID($0) }.shuffled(using: &random)
        let voters = Int.random(in: 1...3, using: &random)
        let learners = Int.random(in: 0...2, using: &random)
        return ClusterConfiguration(
            voters: Array(members.prefix(voters)), learners: Array(members.dropFirst(voters).prefix(learners)))
    }

    static func randomKind(_ random: inout SplitMix64) -> MessageKind {
        switch Int.random(in: 0...10, using: &random) {
        case 0: return .preVoteRequest(lastLog: randomID(&random))
        case 1: return .preVoteResponse(granted: Bool.random(using: &random))
        case 2: return .voteRequest(lastLog: randomID(&random), transfer: Bool.random(using: &random))
        case 3: return .voteResponse(granted: Bool.random(using: &random))
        case 4, 5:
            var next = Int64.random(in: 0...1_000, using: &random)
            let prev = EntryID(index: Offset(next - 1), term: Term(2))
            var entries: [Entry] = []
            for _ in 0..<Int.random(in: 0...4, using: &random) {
                let span = Int64.random(in: 0...9, using: &random)
                let kind: EntryKind = [EntryKind.normal, .leaderChange, .configuration(randomConfiguration(&random))]
                    .randomElement(using: &random) ?? .normal
                let payload = (0..<Int.random(in: 0...200, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
                entries.append(Entry(first: Offset(next), last: Offset(next + span), term: Term(3), kind: kind, payload: payload))
                next += span + 1
            }
            return .append(AppendRequest(prev: prev, entries: entries, commit: Offset(next - 1)))
        case 6:
            return Bool.random(using: &random)
                ? .appendResponse(.accepted(match: Offset(Int64.random(in: 0...99, using: &random))))
                : .appendResponse(.rejected(rejectedPrev: Offset(7), hint: randomID(&random)))
        case 7: return .heartbeat(commit: Offset(Int64.random(in: -1...10_000, using: &random)))
        case 8: return .heartbeatResponse
        case 9:
            let data = (0..<Int.random(in: 0...50, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            return .installSnapshot(
                Snapshot(metadata: SnapshotMetadata(last: randomID(&random), configuration: randomConfiguration(&random)), data: data))
        default: return .timeoutNow
        }
    }

    static func randomEnvelope(_ random: inout SplitMix64) -> RaftEnvelope {
        let from = NodeID(Int32.random(in: 1...5, using: &random))
        let to = NodeID(Int32.random(in: 6...9, using: &random))
        let messages = (0..<Int.random(in: 0...12, using: &random)).map { _ -> (group: RaftGroupID, message: Message) in
            let group: RaftGroupID = Bool.random(using: &random)
                ? .controller
                : .partition(TopicPartition(topic: "topic-\(Int.random(in: 0...3, using: &random))é", partition: PartitionID(Int32.random(in: 0...99, using: &random))))
            let message = Message(from: from, to: to, term: Term(Int64.random(in: 0...99, using: &random)), kind: randomKind(&random))
            return (group, message)
        }
        return RaftEnvelope(from: from, to: to, messages: messages)
    }

    /// The wire tag of a kind (as in `RaftEnvelope+Codec.swift`), to count coverage.
    static func tag(_ kind: MessageKind) -> Int {
        switch kind {
        case .preVoteRequest: 0
        case .preVoteResponse: 1
        case .voteRequest: 2
        case .voteResponse: 3
        case .append: 4
        case .appendResponse: 5
        case .heartbeat: 6
        case .heartbeatResponse: 7
        case .installSnapshot: 8
        case .timeoutNow: 9
        }
    }

    @Test("every kind of every group round-trips")
    func roundTrip() throws {
        var random = SplitMix64(seed: 0xE17E)
        var kindsSeen = Set<Int>()
        for _ in 0..<500 {
            let envelope = Self.randomEnvelope(&random)
            let bytes = envelope.encoded()
            let decoded = try RaftEnvelope.decode(bytes)
            #expect(decoded == envelope)
            #expect(decoded.encoded() == bytes)
            for (_, message) in envelope.messages { kindsSeen.insert(Self.tag(message.kind)) }
        }
        #expect(kindsSeen == Set(0..<10), "every message kind was exercised: \(kindsSeen.sorted())")
    }

    @Test("every truncation throws, mutations decode or throw, nothing traps")
    func hostileBytes() throws {
        var random = SplitMix64(seed: 0xBAD)
        for _ in 0..<40 {
            let bytes = Array(Self.randomEnvelope(&random).encoded().readableBytesView)
            for cut in 0..<bytes.count {
                #expect(throws: WireDecodingError.self) { _ = try RaftEnvelope.decode(ByteBuffer(bytes: bytes[0..<cut])) }
            }
            for _ in 0..<50 where !bytes.isEmpty {
                var mutated = bytes
                mutated[Int.random(in: 0..<mutated.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                // Whatever decodes is a valid envelope: it re-encodes (booleans and member lists in
                // canonical form) to bytes that decode to the same envelope.
                if let decoded = try? RaftEnvelope.decode(ByteBuffer(bytes: mutated)) {
                    #expect(try RaftEnvelope.decode(decoded.encoded()) == decoded)
                }
            }
        }
    }

    @Test("forged counts are refused before anything is allocated")
    func forgedCounts() {
        var writer = WireWriter()
        writer.writeInteger(RaftEnvelope.version)
        writer.writeInteger(Int32(1))
        writer.writeInteger(Int32(2))
        writer.writeInteger(Int32.max)
        #expect(throws: WireDecodingError.self) { _ = try RaftEnvelope.decode(writer.buffer) }

        // An AppendEntries claiming 2^31 entries in a few bytes.
        var append = WireWriter()
        append.writeInteger(RaftEnvelope.version)
        append.writeInteger(Int32(1))
        append.writeInteger(Int32(2))
        append.writeInteger(Int32(1))
        append.writeInteger(Int8(0))  // controller
        append.writeInteger(Int64(3))  // term
        append.writeInteger(Int8(4))  // append
        append.writeInteger(Int64(-1))
        append.writeInteger(Int64(0))
        append.writeInteger(Int64(0))  // commit
        append.writeInteger(Int32.max)
        #expect(throws: WireDecodingError.self) { _ = try RaftEnvelope.decode(append.buffer) }

        // A version this broker does not know.
        var future = WireWriter()
        future.writeInteger(Int16(9))
        #expect(throws: WireDecodingError.self) { _ = try RaftEnvelope.decode(future.buffer) }
    }
}
