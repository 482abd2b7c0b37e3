// FindCoordinator (key 10): v0–v4.
//
// Behaviour:
// - Key type 0 (group): this broker, which is every group's coordinator while the broker is a
//   cluster of one. (With consumer groups, the coordinator becomes the leader of the group's
//   `__consumer_offsets` partition.) Advertised because librdkafka 2.0.2 enables LZ4 and group
//   features only if FindCoordinator v0 is (PROTOCOL.md §1.2).
// - Key type 1 (transaction): COORDINATOR_NOT_AVAILABLE: Tern has no transactions.
// - Other key types: INVALID_REQUEST.
// - v4 answers every key of `CoordinatorKeys` (batched, KIP-699); v0–v3 the single `Key`.
import NIOPosix
import Synchronization
import TernModel
import TernTransport
import TernWire

extension Broker {
    func findCoordinator(_ request: FindCoordinatorRequest, _ head: KafkaRequestHead) -> FindCoordinatorResponse {
        let address = advertisedAddress
        let error: ErrorCode
        let message: String?
        switch request.keyType {
        case 0:
            (error, message) = (.noError, nil)
        case 1:
            (error, message) = (.coordinatorNotAvailable, "Tern has no transactions")
        default:
            (error, message) = (.invalidRequest, "unknown coordinator key type \(request.keyType)")
        }
        let node = error == .noError ? nodeID.rawValue : -1
        let host = error == .noError ? address.host : ""
        let port = error == .noError ? Int32(address.port) : -1
        if head.apiVersion >= 4 {
            return FindCoordinatorResponse(
                coordinators: request.coordinatorKeys.map { key in
                    FindCoordinatorResponse.Coordinator(
                        key: key, nodeId: node, host: host, port: port, errorCode: error.rawValue, errorMessage: message)
                })
        }
        return FindCoordinatorResponse(
            errorCode: error.rawValue, errorMessage: message, nodeId: node, host: host, port: port)
    }
}
