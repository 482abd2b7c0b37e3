public import NIOCore
public import TernModel
public import TernRaft
public import TernWire

/// The mapping between Raft entries and Kafka RecordBatches (ARCHITECTURE.md decision 2).
///
/// One entry is one batch: entry `[first, last]` is the batch `[baseOffset, lastOffset]`, the
/// entry's term is the batch's `partitionLeaderEpoch` (`Term.leaderEpoch`). The kind is read off
/// the batch:
/// - a data batch (or any control batch that is not one of the two below, e.g. a transaction
///   marker) is `.normal`, payload = the batch bytes;
/// - a control batch whose first record has control type 2 (LEADER_CHANGE, Kafka's
///   `LeaderChangeMessage` as value) is `.leaderChange`;
/// - a control batch whose first record has control type `configurationControlType` (1000) is
///   `.configuration`, its value encoded by `encodeConfiguration`.
public enum EntryBatchCodec {
    /// Tern's private control type for a membership change. Kafka uses 0 (ABORT), 1 (COMMIT),
    /// 2 (LEADER_CHANGE), 3/4 (SNAPSHOT_HEADER/FOOTER), 5 (KRAFT_VERSION), 6 (KRAFT_VOTERS);
    /// 1000 leaves room for Kafka's future types. Consumers skip control batches whatever the type.
    public static let configurationControlType = ControlRecordType(rawValue: 1000)

    /// Version written in the first two bytes of a configuration value.
    static let configurationValueVersion: Int16 = 0

    /// The value of a configuration control record (big-endian):
    /// `version int16 (0) | voterCount int32 | voterId int32 × voterCount | learnerCount int32 |
    /// learnerId int32 × learnerCount`. Ids sorted ascending, as `ClusterConfiguration` keeps them.
    public static func encodeConfiguration(_ configuration: ClusterConfiguration) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(configurationValueVersion, endianness: .big)
        buffer.writeInteger(Int32(configuration.voters.count), endianness: .big)
        for voter in configuration.voters { buffer.writeInteger(voter.rawValue, endianness: .big) }
        buffer.writeInteger(Int32(configuration.learners.count), endianness: .big)
        for learner in configuration.learners { buffer.writeInteger(learner.rawValue, endianness: .big) }
        return buffer
    }

    /// Decodes a configuration value; nil for anything malformed (wrong version, counts out of
    /// range or beyond the bytes, trailing bytes, an invalid member set). Never traps.
    public static func decodeConfiguration(_ value: ByteBuffer) -> ClusterConfiguration? {
        var buffer = value
        guard let version = buffer.readInteger(endianness: .big, as: Int16.self),
            version == configurationValueVersion
        else { return nil }
        guard let voters = readIDs(&buffer), let learners = readIDs(&buffer), buffer.readableBytes == 0 else {
            return nil
        }
        return ClusterConfiguration.validated(voters: voters, learners: learners)
    }

    private static func readIDs(_ buffer: inout ByteBuffer) -> [NodeID]? {
        guard let count = buffer.readInteger(endianness: .big, as: Int32.self) else { return nil }
        guard count >= 0, Int(count) <= Limits.replicaConfigurationMembersMax else { return nil }
        guard buffer.readableBytes >= Int(count) * 4 else { return nil }
        var ids: [NodeID] = []
        for _ in 0..<Int(count) {
            guard let raw = buffer.readInteger(endianness: .big, as: Int32.self) else { return nil }
            ids.append(NodeID(raw))
        }
        return ids
    }

    /// The LEADER_CHANGE control batch for a no-op entry at `offset` in `term`, written by the new
    /// leader `leaderID`. `grantingVoters` is left empty: the core does not report who granted
    /// the vote, and the field is informational in Kafka too.
    public static func leaderChangeBatch(
        offset: Offset, term: Term, leaderID: NodeID, voters: [NodeID], timestamp: TimestampMs
    ) -> ByteBuffer {
        let message = LeaderChangeMessage(leaderId: leaderID, voters: voters, grantingVoters: [])
        return RecordBatch.leaderChange(baseOffset: offset, term: term, timestamp: timestamp, message: message).encoded()
    }

    /// The configuration control batch for a membership-change entry at `offset` in `term`.
    public static func configurationBatch(
        offset: Offset, term: Term, configuration: ClusterConfiguration, timestamp: TimestampMs
    ) -> ByteBuffer {
        let record = Record(
            offsetDelta: 0, key: ControlRecordKey(type: configurationControlType).encoded,
            value: encodeConfiguration(configuration))
        let batch = RecordBatch(
            baseOffset: offset, partitionLeaderEpoch: term.leaderEpoch, baseTimestamp: timestamp,
            isControlBatch: true, records: [record])
        return batch.encoded()
    }

    /// The entry a stored or received batch stands for. `batch` must hold exactly one batch.
    /// - Throws: `.invalidEntry` when the bytes are not one valid batch (length, magic, CRC,
    ///   negative epoch, a malformed control record of ours).
    public static func entry(from batch: ByteBuffer) throws(ReplicationError) -> Entry {
        let (header, kind) = try verified(batch)
        let entry = Entry.validated(
            first: header.firstOffset, last: header.lastOffsetTyped, term: Term(Int64(header.partitionLeaderEpoch)),
            kind: kind, payload: Array(batch.readableBytesView))
        guard let entry else {
            throw ReplicationError(.invalidEntry, "batch offsets or epoch out of range: \(header)")
        }
        return entry
    }

    /// The header and entry kind of `batch`, which must hold exactly one CRC-valid batch; what
    /// `entry(from:)` checks, without copying the bytes into an entry (`ReplicaDriver.check`).
    static func verified(_ batch: ByteBuffer) throws(ReplicationError) -> (header: RecordBatchHeader, kind: EntryKind) {
        let header: RecordBatchHeader
        do throws(RecordBatchError) {
            header = try RecordBatchHeader.verifyCRC(of: batch)
        } catch {
            throw ReplicationError(.invalidEntry, "batch: \(error)")
        }
        guard header.totalSize == batch.readableBytes else {
            throw ReplicationError(.invalidEntry, "\(batch.readableBytes) bytes for a \(header.totalSize)-byte batch")
        }
        return (header, try kind(of: batch, header: header))
    }

    /// The entry kind of a CRC-checked batch (see the type's documentation).
    static func kind(of batch: ByteBuffer, header: RecordBatchHeader) throws(ReplicationError) -> EntryKind {
        guard header.attributes.isControlBatch else { return .normal }
        let decoded: RecordBatch
        let type: ControlRecordType
        do throws(RecordBatchError) {
            decoded = try RecordBatch.decode(batch)
            guard let first = decoded.records.first else { return .normal }
            type = try ControlRecordKey(parsing: first.key).type
        } catch {
            throw ReplicationError(.invalidEntry, "control batch: \(error)")
        }
        if type == .leaderChange {
            guard header.lastOffsetDelta == 0 else {
                throw ReplicationError(.invalidEntry, "LEADER_CHANGE batch covering several offsets")
            }
            return .leaderChange
        }
        if type == configurationControlType {
            guard header.lastOffsetDelta == 0, decoded.records.count == 1, let value = decoded.records[0].value,
                let configuration = decodeConfiguration(value)
            else {
                throw ReplicationError(.invalidEntry, "malformed configuration control batch")
            }
            return .configuration(configuration)
        }
        return .normal
    }
}
