import Foundation
import NIOCore
import TernController
import TernModel

/// The private API keys of Tern's inter-broker RPC (ARCHITECTURE.md: TernWire's framing with
/// keys of its own, from 1000 up).
enum PeerAPI: Int16 {
    /// One-way: Raft messages of many groups (`RaftEnvelope`), prefixed by the sender's cluster id.
    case raft = 1000
    /// One-way: partitions this broker leads, with their epochs (`LeadershipNotice`).
    case leadership = 1001
    /// Request: an admin change for the controller leader (`AdminCall` → `AdminReply`).
    case admin = 1002
    /// Request: the metadata sync pull (`MetadataPull` → `MetadataPullReply`); doubles as the
    /// broker's heartbeat to the controller voters.
    case metadataPull = 1003
    /// One-way: the controller asks a partition leader to hand leadership to the preferred
    /// replica (`TransferRequest`).
    case transferLeadership = 1004
}

/// JSON bodies for the control-plane RPCs: small, rare, and readable in a packet capture. The
/// data plane (Raft envelopes) has its own binary codec.
enum PeerJSON {
    static func encode<Value: Encodable>(_ value: Value) -> ByteBuffer {
        let encoder = JSONEncoder()
        // Encoding these plain values cannot fail; an empty body decodes as an error on the other side.
        let data = (try? encoder.encode(value)) ?? Data()
        return ByteBuffer(bytes: data)
    }

    static func decode<Value: Decodable>(_ type: Value.Type, _ buffer: ByteBuffer) -> Value? {
        guard buffer.readableBytes <= Limits.metadataImageBytesMax else { return nil }
        return try? JSONDecoder().decode(type, from: Data(buffer.readableBytesView))
    }
}

/// One partition's leadership as its leader announces it.
struct LeadershipNotice: Codable, Sendable {
    struct Entry: Codable, Sendable {
        var topic: String
        var partition: Int32
        var leader: Int32
        var epoch: Int32
    }
    var from: Int32
    var entries: [Entry]
}

/// The metadata sync pull: "my image is at `version`; send yours if it is newer".
struct MetadataPull: Codable, Sendable {
    var node: Int32
    var clusterID: String?
    var version: Int64
}

/// The answer to a pull: who leads the controller, and the image when it is newer.
struct MetadataPullReply: Codable, Sendable {
    var clusterID: String?
    var version: Int64
    var controllerLeader: Int32?
    var controllerEpoch: Int32
    var image: MetadataImage?
}

/// A leadership transfer the balancer asks for.
struct TransferRequest: Codable, Sendable {
    var topic: String
    var partition: Int32
    var target: Int32
}
