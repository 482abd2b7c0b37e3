import NIOCore
import TernModel
import TernRaft
public import TernWire

/// Kind tags of `MessageKind` on the wire. Never renumber: brokers of two versions talk.
private enum KindTag: Int8 {
    case preVoteRequest = 0, preVoteResponse, voteRequest, voteResponse, append, appendResponse
    case heartbeat, heartbeatResponse, installSnapshot, timeoutNow
}

extension RaftEnvelope {
    /// Appends the envelope.
    /// - Precondition: every message goes from `from` to `to`, and there are at most
    ///   `Limits.replicationEnvelopeMessagesMax` of them (the sender splits larger flushes).
    public func encode(into writer: inout WireWriter) {
        precondition(messages.count <= Limits.replicationEnvelopeMessagesMax, "an envelope holds a bounded flush")
        writer.writeInteger(Self.version)
        writer.writeInteger(from.rawValue)
        writer.writeInteger(to.rawValue)
        writer.writeInteger(Int32(messages.count))
        for (group, message) in messages {
            precondition(message.from == from && message.to == to, "one envelope carries one peer pair")
            Self.encode(group, into: &writer)
            writer.writeInteger(message.term.rawValue)
            Self.encode(message.kind, into: &writer)
        }
    }

    /// Reads an envelope.
    public init(from reader: inout WireReader) throws(WireDecodingError) {
        let version = try reader.readInteger(as: Int16.self, field: "RaftEnvelope.version")
        guard version == Self.version else {
            throw WireDecodingError(.invalidValue("envelope version \(version)"), field: "RaftEnvelope.version")
        }
        let from = NodeID(try reader.readInteger(as: Int32.self, field: "RaftEnvelope.from"))
        let to = NodeID(try reader.readInteger(as: Int32.self, field: "RaftEnvelope.to"))
        let count = try reader.readInteger(as: Int32.self, field: "RaftEnvelope.count")
        // A message is at least group kind + term + kind tag: 10 bytes.
        guard count >= 0, count <= Limits.replicationEnvelopeMessagesMax, Int(count) * 10 <= reader.remaining else {
            throw WireDecodingError(
                .countExceedsRemainingBytes(count: Int64(count), remaining: reader.remaining), field: "RaftEnvelope.count")
        }
        var messages: [(group: RaftGroupID, message: Message)] = []
        messages.reserveCapacity(Int(count))
        for _ in 0..<count {
            let group = try Self.decodeGroup(&reader)
            let term = Term(try reader.readInteger(as: Int64.self, field: "Message.term"))
            let kind = try Self.decodeKind(&reader)
            messages.append((group, Message(from: from, to: to, term: term, kind: kind)))
        }
        self.init(from: from, to: to, messages: messages)
    }

    private static func encode(_ group: RaftGroupID, into writer: inout WireWriter) {
        switch group {
        case .controller:
            writer.writeInteger(Int8(0))
        case .partition(let partition):
            writer.writeInteger(Int8(1))
            writer.writeString(partition.topic, compact: false)
            writer.writeInteger(partition.partition.rawValue)
        }
    }

    private static func decodeGroup(_ reader: inout WireReader) throws(WireDecodingError) -> RaftGroupID {
        switch try reader.readInteger(as: Int8.self, field: "RaftGroupID.kind") {
        case 0:
            return .controller
        case 1:
            let topic = try reader.readString(compact: false, field: "RaftGroupID.topic")
            let partition = try reader.readInteger(as: Int32.self, field: "RaftGroupID.partition")
            guard partition >= 0 else {
                throw WireDecodingError(.invalidValue("partition \(partition)"), field: "RaftGroupID.partition")
            }
            return .partition(TopicPartition(topic: topic, partition: PartitionID(partition)))
        case let other:
            throw WireDecodingError(.invalidValue("group kind \(other)"), field: "RaftGroupID.kind")
        }
    }

    private static func encode(_ kind: MessageKind, into writer: inout WireWriter) {
        switch kind {
        case .preVoteRequest(let lastLog):
            writer.writeInteger(KindTag.preVoteRequest.rawValue)
            encode(lastLog, into: &writer)
        case .preVoteResponse(let granted):
            writer.writeInteger(KindTag.preVoteResponse.rawValue)
            writer.writeBool(granted)
        case .voteRequest(let lastLog, let transfer):
            writer.writeInteger(KindTag.voteRequest.rawValue)
            encode(lastLog, into: &writer)
            writer.writeBool(transfer)
        case .voteResponse(let granted):
            writer.writeInteger(KindTag.voteResponse.rawValue)
            writer.writeBool(granted)
        case .append(let request):
            writer.writeInteger(KindTag.append.rawValue)
            encode(request.prev, into: &writer)
            writer.writeInteger(request.commit.rawValue)
            writer.writeInteger(Int32(request.entries.count))
            for entry in request.entries { encode(entry, into: &writer) }
        case .appendResponse(.accepted(let match)):
            writer.writeInteger(KindTag.appendResponse.rawValue)
            writer.writeInteger(Int8(0))
            writer.writeInteger(match.rawValue)
        case .appendResponse(.rejected(let rejectedPrev, let hint)):
            writer.writeInteger(KindTag.appendResponse.rawValue)
            writer.writeInteger(Int8(1))
            writer.writeInteger(rejectedPrev.rawValue)
            encode(hint, into: &writer)
        case .heartbeat(let commit):
            writer.writeInteger(KindTag.heartbeat.rawValue)
            writer.writeInteger(commit.rawValue)
        case .heartbeatResponse:
            writer.writeInteger(KindTag.heartbeatResponse.rawValue)
        case .installSnapshot(let snapshot):
            writer.writeInteger(KindTag.installSnapshot.rawValue)
            encode(snapshot.metadata.last, into: &writer)
            encode(snapshot.metadata.configuration, into: &writer)
            writer.writeBytes(ByteBuffer(bytes: snapshot.data), compact: false)
        case .timeoutNow:
            writer.writeInteger(KindTag.timeoutNow.rawValue)
        }
    }

    private static func decodeKind(_ reader: inout WireReader) throws(WireDecodingError) -> MessageKind {
        let raw = try reader.readInteger(as: Int8.self, field: "Message.kind")
        guard let tag = KindTag(rawValue: raw) else {
            throw WireDecodingError(.invalidValue("message kind \(raw)"), field: "Message.kind")
        }
        switch tag {
        case .preVoteRequest:
            return .preVoteRequest(lastLog: try decodeEntryID(&reader))
        case .preVoteResponse:
            return .preVoteResponse(granted: try reader.readBool(field: "PreVoteResponse.granted"))
        case .voteRequest:
            let lastLog = try decodeEntryID(&reader)
            return .voteRequest(lastLog: lastLog, transfer: try reader.readBool(field: "VoteRequest.transfer"))
        case .voteResponse:
            return .voteResponse(granted: try reader.readBool(field: "VoteResponse.granted"))
        case .append:
            return .append(try decodeAppend(&reader))
        case .appendResponse:
            return .appendResponse(try decodeAppendResponse(&reader))
        case .heartbeat:
            return .heartbeat(commit: Offset(try reader.readInteger(as: Int64.self, field: "Heartbeat.commit")))
        case .heartbeatResponse:
            return .heartbeatResponse
        case .installSnapshot:
            let last = try decodeEntryID(&reader)
            let configuration = try decodeConfiguration(&reader)
            let data = try reader.readBytes(compact: false, field: "Snapshot.data")
            guard data.readableBytes <= Limits.batchBytesMax else {
                throw WireDecodingError(
                    .lengthExceedsLimit(length: Int64(data.readableBytes), limit: Limits.batchBytesMax),
                    field: "Snapshot.data")
            }
            let metadata = SnapshotMetadata(last: last, configuration: configuration)
            return .installSnapshot(Snapshot(metadata: metadata, data: Array(data.readableBytesView)))
        case .timeoutNow:
            return .timeoutNow
        }
    }

    private static func decodeAppend(_ reader: inout WireReader) throws(WireDecodingError) -> AppendRequest {
        let prev = try decodeEntryID(&reader)
        let commit = Offset(try reader.readInteger(as: Int64.self, field: "Append.commit"))
        let count = try reader.readInteger(as: Int32.self, field: "Append.entries")
        // An entry is at least 3 × int64 + kind + payload length: 29 bytes.
        guard count >= 0, count <= Limits.raftEntriesPerMessageMax, Int(count) * 29 <= reader.remaining else {
            throw WireDecodingError(
                .countExceedsRemainingBytes(count: Int64(count), remaining: reader.remaining), field: "Append.entries")
        }
        var entries: [Entry] = []
        entries.reserveCapacity(Int(count))
        for _ in 0..<count { entries.append(try decodeEntry(&reader)) }
        return AppendRequest(prev: prev, entries: entries, commit: commit)
    }

    private static func decodeAppendResponse(_ reader: inout WireReader) throws(WireDecodingError) -> AppendResponse {
        switch try reader.readInteger(as: Int8.self, field: "AppendResponse.kind") {
        case 0:
            return .accepted(match: Offset(try reader.readInteger(as: Int64.self, field: "AppendResponse.match")))
        case 1:
            let rejectedPrev = Offset(try reader.readInteger(as: Int64.self, field: "AppendResponse.rejectedPrev"))
            return .rejected(rejectedPrev: rejectedPrev, hint: try decodeEntryID(&reader))
        case let other:
            throw WireDecodingError(.invalidValue("append response kind \(other)"), field: "AppendResponse.kind")
        }
    }

    private static func encode(_ id: EntryID, into writer: inout WireWriter) {
        writer.writeInteger(id.index.rawValue)
        writer.writeInteger(id.term.rawValue)
    }

    private static func decodeEntryID(_ reader: inout WireReader) throws(WireDecodingError) -> EntryID {
        let index = Offset(try reader.readInteger(as: Int64.self, field: "EntryID.index"))
        let term = Term(try reader.readInteger(as: Int64.self, field: "EntryID.term"))
        guard index >= Offset(-1), term >= .zero else {
            throw WireDecodingError(.invalidValue("entry id \(term)/\(index)"), field: "EntryID")
        }
        return EntryID(index: index, term: term)
    }

    private static func encode(_ entry: Entry, into writer: inout WireWriter) {
        writer.writeInteger(entry.first.rawValue)
        writer.writeInteger(entry.last.rawValue)
        writer.writeInteger(entry.term.rawValue)
        switch entry.kind {
        case .normal:
            writer.writeInteger(Int8(0))
        case .leaderChange:
            writer.writeInteger(Int8(1))
        case .configuration(let configuration):
            writer.writeInteger(Int8(2))
            encode(configuration, into: &writer)
        }
        writer.writeBytes(ByteBuffer(bytes: entry.payload), compact: false)
    }

    private static func decodeEntry(_ reader: inout WireReader) throws(WireDecodingError) -> Entry {
        let first = Offset(try reader.readInteger(as: Int64.self, field: "Entry.first"))
        let last = Offset(try reader.readInteger(as: Int64.self, field: "Entry.last"))
        let term = Term(try reader.readInteger(as: Int64.self, field: "Entry.term"))
        let kind: EntryKind
        switch try reader.readInteger(as: Int8.self, field: "Entry.kind") {
        case 0: kind = .normal
        case 1: kind = .leaderChange
        case 2: kind = .configuration(try decodeConfiguration(&reader))
        case let other: throw WireDecodingError(.invalidValue("entry kind \(other)"), field: "Entry.kind")
        }
        let payload = try reader.readBytes(compact: false, field: "Entry.payload")
        guard payload.readableBytes <= Limits.batchBytesMax else {
            throw WireDecodingError(
                .lengthExceedsLimit(length: Int64(payload.readableBytes), limit: Limits.batchBytesMax),
                field: "Entry.payload")
        }
        guard
            let entry = Entry.validated(
                first: first, last: last, term: term, kind: kind, payload: Array(payload.readableBytesView))
        else {
            throw WireDecodingError(.invalidValue("entry \(term)/[\(first),\(last)]"), field: "Entry")
        }
        return entry
    }

    private static func encode(_ configuration: ClusterConfiguration, into writer: inout WireWriter) {
        for members in [configuration.voters, configuration.learners] {
            writer.writeInteger(Int32(members.count))
            for member in members { writer.writeInteger(member.rawValue) }
        }
    }

    private static func decodeConfiguration(_ reader: inout WireReader) throws(WireDecodingError) -> ClusterConfiguration {
        var lists: [[NodeID]] = []
        for _ in 0..<2 {
            let count = try reader.readInteger(as: Int32.self, field: "Configuration.count")
            guard count >= 0, count <= Limits.raftMembersMax, Int(count) * 4 <= reader.remaining else {
                throw WireDecodingError(
                    .countExceedsRemainingBytes(count: Int64(count), remaining: reader.remaining),
                    field: "Configuration.count")
            }
            var members: [NodeID] = []
            for _ in 0..<count { members.append(NodeID(try reader.readInteger(as: Int32.self, field: "Configuration.member"))) }
            lists.append(members)
        }
        guard let configuration = ClusterConfiguration.validated(voters: lists[0], learners: lists[1]) else {
            throw WireDecodingError(.invalidValue("configuration \(lists)"), field: "Configuration")
        }
        return configuration
    }
}
