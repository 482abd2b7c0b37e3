import Foundation
import TernModel

/// `<data>/node.json`: which node this data directory belongs to and in which cluster. Written
/// when the directory is first used (without a cluster id) and again once the node learns its
/// cluster's id from the controller log; afterwards a broker started with another node id on it
/// refuses to start, because serving another node's replicas would corrupt both, and one whose
/// peers belong to another cluster refuses too (`Broker.checkPeersCluster`).
struct NodeIdentity: Sendable, Equatable, Codable {
    /// Format version.
    var version = 1
    /// The node id.
    var nodeID: NodeID
    /// The cluster id (Kafka style: 22 characters of URL-safe base64 of 16 random bytes); nil
    /// until the node has joined a cluster.
    var clusterID: String?

    enum CodingKeys: String, CodingKey {
        case version
        case nodeID = "node.id"
        case clusterID = "cluster.id"
    }

    init(nodeID: NodeID, clusterID: String?) {
        self.nodeID = nodeID
        self.clusterID = clusterID
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = try container.decode(Int.self, forKey: .version)
        nodeID = NodeID(try container.decode(Int32.self, forKey: .nodeID))
        clusterID = try container.decodeIfPresent(String.self, forKey: .clusterID)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(version, forKey: .version)
        try container.encode(nodeID.rawValue, forKey: .nodeID)
        try container.encodeIfPresent(clusterID, forKey: .clusterID)
    }

    /// Reads `node.json` in `dataDirectory`, or creates the directory and the file (no cluster id
    /// yet). Throws a one-line error on a node-id mismatch or a file that does not decode.
    static func establish(dataDirectory: String, nodeID: NodeID) throws -> NodeIdentity {
        let path = dataDirectory + "/node.json"
        let files = FileManager.default
        if let data = files.contents(atPath: path) {
            let identity: NodeIdentity
            do {
                identity = try JSONDecoder().decode(NodeIdentity.self, from: data)
            } catch {
                throw BrokerStartupError("\(path) does not decode (\(error)); refusing to start on this data directory")
            }
            guard identity.nodeID == nodeID else {
                throw BrokerStartupError(
                    "\(path) belongs to node \(identity.nodeID) of cluster \(identity.clusterID ?? "(not joined)"), "
                        + "but this broker is node \(nodeID); refusing to start")
            }
            return identity
        }
        try files.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let identity = NodeIdentity(nodeID: nodeID, clusterID: nil)
        try identity.write(dataDirectory: dataDirectory)
        return identity
    }

    /// Replaces `node.json` atomically (temporary file, fsync, rename).
    func write(dataDirectory: String) throws {
        let path = dataDirectory + "/node.json"
        let files = FileManager.default
        let identity = self
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let temporary = path + ".tmp"
        guard files.createFile(atPath: temporary, contents: try encoder.encode(identity)) else {
            throw BrokerStartupError("cannot write \(temporary)")
        }
        if let handle = FileHandle(forUpdatingAtPath: temporary) {
            try handle.synchronize()
            try handle.close()
        }
        guard rename(temporary, path) == 0 else { throw BrokerStartupError("cannot rename \(temporary) to \(path)") }
    }

    /// 16 bytes as unpadded URL-safe base64, the shape of Kafka cluster ids.
    static func clusterIDString(_ high: UInt64, _ low: UInt64) -> String {
        var bytes: [UInt8] = []
        for half in [high, low] {
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: half >> UInt64(shift))) }
        }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
