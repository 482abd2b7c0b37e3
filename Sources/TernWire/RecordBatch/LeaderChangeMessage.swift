public import NIOCore
public import TernModel

/// The value of a LEADER_CHANGE control record: Kafka's `LeaderChangeMessage` (KIP-595,
/// `LeaderChangeMessage.json`, valid version 0, flexible from 0):
///
/// ```
/// Version int16 | LeaderId int32 | Voters compact array of { VoterId int32, tagged fields }
/// | GrantingVoters compact array of { VoterId int32, tagged fields } | tagged fields
/// ```
/// Compact arrays are an unsigned-varint `count + 1` followed by the elements; Tern writes no
/// tagged fields and skips any it reads.
public struct LeaderChangeMessage: Sendable, Equatable {
    /// The message's own version field (0).
    public var version: Int16
    /// The newly elected leader.
    public var leaderId: NodeID
    /// The voters of the quorum in this term.
    public var voters: [NodeID]
    /// The voters that granted the leader its election.
    public var grantingVoters: [NodeID]

    /// Creates a message.
    public init(version: Int16 = 0, leaderId: NodeID, voters: [NodeID], grantingVoters: [NodeID]) {
        self.version = version
        self.leaderId = leaderId
        self.voters = voters
        self.grantingVoters = grantingVoters
    }

    /// The encoded value bytes.
    public var encoded: ByteBuffer {
        var writer = WireWriter()
        writer.writeInteger(version)
        writer.writeInteger(leaderId.rawValue)
        Self.writeVoters(voters, to: &writer)
        Self.writeVoters(grantingVoters, to: &writer)
        writer.writeUnsignedVarint(0)
        return writer.buffer
    }

    private static func writeVoters(_ voters: [NodeID], to writer: inout WireWriter) {
        precondition(voters.count < Int(UInt32.max), "voter list too long")
        writer.writeUnsignedVarint(UInt32(voters.count + 1))
        for voter in voters {
            writer.writeInteger(voter.rawValue)
            writer.writeUnsignedVarint(0)
        }
    }

    /// Decodes a LEADER_CHANGE value; every byte must be used.
    public init(decoding value: ByteBuffer) throws(RecordBatchError) {
        var reader = WireReader(buffer: value)
        let (version, leader) = try control { () throws(WireDecodingError) in
            (try reader.readInteger(as: Int16.self, field: "LeaderChangeMessage.version"),
             try reader.readInteger(as: Int32.self, field: "LeaderChangeMessage.leaderId"))
        }
        let voters = try Self.readVoters(&reader)
        let granting = try Self.readVoters(&reader)
        try Self.skipTaggedFields(&reader)
        guard reader.remaining == 0 else {
            throw RecordBatchError(.malformedControlRecord, "\(reader.remaining) bytes after LeaderChangeMessage")
        }
        self.init(version: version, leaderId: NodeID(leader), voters: voters, grantingVoters: granting)
    }

    private static func readVoters(_ reader: inout WireReader) throws(RecordBatchError) -> [NodeID] {
        let encodedCount = try control { () throws(WireDecodingError) in
            try reader.readUnsignedVarint(field: "LeaderChangeMessage.voters")
        }
        guard encodedCount > 0 else {
            throw RecordBatchError(.malformedControlRecord, "null voter array")
        }
        // Each voter takes at least five bytes (int32 and an empty tagged-field block).
        let count = Int(encodedCount - 1)
        guard count * 5 <= reader.remaining else {
            throw RecordBatchError(.malformedControlRecord, "\(count) voters in \(reader.remaining) bytes")
        }
        var voters: [NodeID] = []
        voters.reserveCapacity(count)
        for _ in 0..<count {
            let id = try control { () throws(WireDecodingError) in
                try reader.readInteger(as: Int32.self, field: "LeaderChangeMessage.Voter.voterId")
            }
            try skipTaggedFields(&reader)
            voters.append(NodeID(id))
        }
        return voters
    }

    /// Skips a tagged-field block (none are defined for this message).
    private static func skipTaggedFields(_ reader: inout WireReader) throws(RecordBatchError) {
        let count = try control { () throws(WireDecodingError) in
            try reader.readUnsignedVarint(field: "LeaderChangeMessage.taggedFields")
        }
        guard count <= Limits.taggedFieldsMax else {
            throw RecordBatchError(.malformedControlRecord, "\(count) tagged fields")
        }
        for _ in 0..<count {
            try control { () throws(WireDecodingError) in
                _ = try reader.readUnsignedVarint(field: "LeaderChangeMessage.tag")
                let size = try reader.readUnsignedVarint(field: "LeaderChangeMessage.tagSize")
                try reader.skip(Int(size), field: "LeaderChangeMessage.tagValue")
            }
        }
    }
}

/// Runs a primitive read and reports its failure as a malformed control record.
private func control<T>(_ read: () throws(WireDecodingError) -> T) throws(RecordBatchError) -> T {
    do {
        return try read()
    } catch {
        throw RecordBatchError(.malformedControlRecord, error.description)
    }
}
