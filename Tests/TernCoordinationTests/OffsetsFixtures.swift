// Shared values for the `__consumer_offsets` tests: a committed offset and a group as a
// coordinator would store them, and helpers to look at encoded bytes.
import NIOCore
import TernCoordination
import TernModel

enum OffsetsFixtures {
    static let key = OffsetCommitKey(group: "g1", topic: "t", partition: 3)
    static let value = OffsetCommitValue(
        offset: Offset(42), leaderEpoch: 7, metadata: "m", commitTimestamp: TimestampMs(1000))

    /// Two members: one without and one with a group instance id (static membership).
    static let group = GroupMetadataValue(
        protocolType: "consumer", generation: 5, protocolName: "range", leader: "m1",
        currentStateTimestamp: TimestampMs(2000),
        members: [
            StoredMember(
                memberID: "m1", groupInstanceID: nil, clientID: "c", clientHost: "/h",
                rebalanceTimeoutMs: 300_000, sessionTimeoutMs: 10_000, subscription: [1, 2], assignment: []),
            StoredMember(
                memberID: "m2", groupInstanceID: "i", clientID: "c", clientHost: "/h",
                rebalanceTimeoutMs: 300_000, sessionTimeoutMs: 10_000, subscription: [], assignment: [9]),
        ])

    /// The group after its last member left: Empty, no protocol or leader.
    static func emptyGroup(since: Int64, protocolType: String = "consumer") -> GroupMetadataValue {
        GroupMetadataValue(
            protocolType: protocolType, generation: 6, protocolName: nil, leader: nil,
            currentStateTimestamp: TimestampMs(since), members: [])
    }

    static func commit(_ group: String, _ topic: String = "t", _ partition: Int32 = 0) -> OffsetCommitKey {
        OffsetCommitKey(group: group, topic: topic, partition: partition)
    }

    static func offset(_ offset: Int64, at commitTimestamp: Int64, expiring: Int64? = nil) -> OffsetCommitValue {
        OffsetCommitValue(
            offset: Offset(offset), leaderEpoch: expiring == nil ? 3 : -1, metadata: "",
            commitTimestamp: TimestampMs(commitTimestamp), expireTimestamp: expiring.map { TimestampMs($0) })
    }
}

extension ByteBuffer {
    /// The readable bytes, for comparing with hand-written vectors.
    var bytes: [UInt8] { Array(readableBytesView) }
}
